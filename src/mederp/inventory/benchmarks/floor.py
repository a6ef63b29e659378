"""The raw floor of a receipt: the rows ``procurement.record_receipt`` writes, in plain SQL.

One statement (data-modifying CTEs), one commit, the same rows with realistic content: the
purchase order line's accepted quantity, the receipt and its line with the acceptance fields,
the lot with its inspector, the quarantine balance at 100, the move, five audit entries (lot,
move, order line, receipt, receipt line) with their change sets and three events (lot
registered, move posted, receipt recorded) with their payloads. No locks beyond the row update,
no checks, no ORM: what the database must do at least for the same receipt.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from typing import Any

_RECEIPT = """
WITH line AS (
    UPDATE procurement_purchaseorderline SET accepted_quantity = accepted_quantity + 100
    WHERE id = %(po_line)s
    RETURNING id, order_id, product_id, line_no
), receipt AS (
    INSERT INTO procurement_receipt (order_id, supplier_id, supplier_name, supplier_address,
                                     supplier_contact, location_id, received_at, inspector_id,
                                     inspector_name, notes)
    SELECT line.order_id, %(supplier)s, '苏州示例医疗器械经营有限公司',
           '江苏省苏州市工业园区示例路 1 号', '王工 0512-0000000', %(quarantine)s, now(),
           %(inspector)s, 'inspector 基准', ''
    FROM line RETURNING id
), lot AS (
    INSERT INTO inventory_lot (product_id, number, expiry_date, status, inspected_by_id,
                               created_at, version)
    SELECT line.product_id, %(lot)s, %(expiry)s, 'quarantine', %(inspector)s, now(), 1
    FROM line RETURNING id, product_id, expiry_date
), balance AS (
    INSERT INTO inventory_balance (product_id, lot_id, serial_id, lot_key, serial_key,
                                   location_id, expiry_date, quantity, reserved, version)
    SELECT product_id, id, NULL, id, 0, %(quarantine)s, expiry_date, 100, 0, 1 FROM lot
    RETURNING id
), move AS (
    INSERT INTO inventory_move (product_id, lot_id, quantity, from_location_id, to_location_id,
                                document_type, document_id, document_line, reason, occurred_at,
                                actor_kind, actor_id, actor_name, request_id)
    SELECT lot.product_id, lot.id, 100, %(supplier_location)s, %(quarantine)s,
           'procurement.receipt', receipt.id::text, '1', '', now(), 'user', %(inspector)s,
           'inspector 基准', ''
    FROM lot, receipt RETURNING id
), receipt_line AS (
    INSERT INTO procurement_receiptline (receipt_id, line_no, order_line_id, product_id,
        product_code, product_name, specification, registration_number, registrant,
        manufacturer, udi_di, lot_number, serial_number, manufacture_date, expiry_date,
        quantity_received, quantity_accepted, quantity_rejected, result, rejection_reason,
        raw_scan, scan_sha256, lot_id, move_id, serial_id)
    SELECT receipt.id, 1, line.id, line.product_id, %(code)s, '一次性使用无菌注射器', '5 ml',
           %(registration)s, '苏州示例医疗科技有限公司', '苏州示例医疗器械有限公司', %(gtin)s,
           %(lot)s, '', NULL, %(expiry)s, 100, 100, 0, 'accepted', '', '', '', lot.id,
           move.id, NULL
    FROM receipt, line, lot, move RETURNING id
), entries AS (
    INSERT INTO core_auditentry (occurred_at, actor_kind, actor_id, actor_name, action,
                                 record_type, record_id, record_label, changes, reason,
                                 request_id, client_ip)
    SELECT now(), 'user', %(inspector)s, 'inspector 基准', e.action, e.record_type, e.record_id,
           e.label, e.changes, e.reason, '', ''
    FROM (
        SELECT 'create' AS action, 'inventory.lot' AS record_type, lot.id::text AS record_id,
               %(lot)s AS label, %(lot_changes)s AS changes, '' AS reason FROM lot
        UNION ALL SELECT 'create', 'inventory.move', move.id::text, 'move ' || move.id,
               %(move_changes)s, '' FROM move
        UNION ALL SELECT 'update', 'procurement.purchaseorderline', line.id::text,
               line.order_id || '/' || line.line_no, %(line_changes)s, 'receipt' FROM line
        UNION ALL SELECT 'create', 'procurement.receipt', receipt.id::text,
               'GR' || lpad(receipt.id::text, 8, '0'), %(receipt_changes)s, '' FROM receipt
        UNION ALL SELECT 'create', 'procurement.receiptline', receipt_line.id::text,
               receipt_line.id || '/1', %(receipt_line_changes)s, '' FROM receipt_line
    ) AS e
    RETURNING 1
), events AS (
    INSERT INTO core_outboxevent (event_id, event_type, aggregate_type, aggregate_id,
                                  aggregate_seq, schema_version, payload, occurred_at,
                                  actor_name, request_id, attempts, partition)
    SELECT gen_random_uuid(), 'inventory.lot.registered', 'inventory.lot', lot.id::text, 1, 1,
           %(lot_payload)s::jsonb, now(), 'inspector 基准', '', 0,
           abs(hashtext('inventory.lot:' || lot.id::text)) %% 16 FROM lot
    UNION ALL
    SELECT gen_random_uuid(), 'inventory.move.posted', 'inventory.move', move.id::text, 1, 1,
           %(move_payload)s::jsonb, now(), 'inspector 基准', '', 0,
           abs(hashtext('inventory.move:' || move.id::text)) %% 16 FROM move
    UNION ALL
    SELECT gen_random_uuid(), 'procurement.receipt.recorded', 'procurement.purchaseorder',
           line.order_id::text,
           1 + COALESCE((SELECT MAX(o.aggregate_seq) FROM core_outboxevent o
                         WHERE o.aggregate_type = 'procurement.purchaseorder'
                           AND o.aggregate_id = line.order_id::text), 0),
           1, %(receipt_payload)s::jsonb, now(), 'inspector 基准', '', 0,
           abs(hashtext('procurement.purchaseorder:' || line.order_id::text)) %% 16
    FROM line
    RETURNING 1
)
SELECT id FROM move
"""


def _changes(fields: dict[str, Any]) -> str:
    return json.dumps({k: [None, v] for k, v in sorted(fields.items())}, separators=(",", ":"))


def receipt_params(
    ids: dict[str, Any], product: dict[str, Any], po_line: int, lot: str, expiry: dt.date
) -> dict[str, Any]:
    """The statement's parameters, with change sets and payloads of the service's size."""
    now = dt.datetime.now(dt.UTC).isoformat()
    lot_fields = {"number": lot, "product": product["id"], "expiry_date": expiry.isoformat()}
    move_fields = {
        "product": product["id"],
        "quantity": "100",
        "from_location": ids["supplier"],
        "to_location": ids["quarantine"],
        "document_type": "procurement.receipt",
        "occurred_at": now,
        "actor_name": "inspector 基准",
    }
    line_fields = {
        "product_code": product["code"],
        "udi_di": product["gtin"],
        "lot_number": lot,
        "registration_number": product["registration"],
        "quantity_received": "100",
        "quantity_accepted": "100",
        "result": "accepted",
    }
    return {
        "po_line": po_line,
        "supplier": ids["supplier_partner"],
        "supplier_location": ids["supplier"],
        "quarantine": ids["quarantine"],
        "inspector": ids["inspector"],
        "lot": lot,
        "expiry": expiry,
        "code": product["code"],
        "gtin": product["gtin"],
        "registration": product["registration"],
        "lot_changes": _changes({**lot_fields, "status": "quarantine", "version": 1}),
        "move_changes": _changes(move_fields),
        "line_changes": json.dumps({"accepted_quantity": ["0", "100"]}),
        "receipt_changes": _changes({"received_at": now, "inspector_name": "inspector 基准"}),
        "receipt_line_changes": _changes(line_fields),
        "lot_payload": json.dumps({**lot_fields, "status": "quarantine"}),
        "move_payload": json.dumps({**move_fields, "request": str(uuid.uuid4())}),
        "receipt_payload": json.dumps({"received_at": now, "lines": [line_fields]}),
    }


def receipts(
    number: int, ids: dict[str, Any], tag: str, start_at: float, seconds: float
) -> dict[str, Any]:
    """The floor phase: this client's order lines, one statement and one commit each."""
    from django.db import connection

    from mederp.core import clock
    from mederp.core.benchmarks import workers

    lines = ids["order_lines"][number]
    products = _products(lines)
    expiry = clock.today() + dt.timedelta(days=730)
    cursor = connection.cursor()  # autocommit: each statement is its own transaction

    def write(n: int) -> None:
        line = lines[n % len(lines)]
        lot = f"{tag}{number}-{n}"
        cursor.execute(_RECEIPT, receipt_params(ids, products[line], line, lot, expiry))

    write(-1)
    return workers.timed(start_at, seconds, write)


def _products(lines: list[int]) -> dict[int, dict[str, Any]]:
    """Per order line: its product's id, code, GTIN and registration number (read once)."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(
            "SELECT l.id, p.id, p.code, p.gtin, COALESCE(MIN(r.number), '') "
            "FROM procurement_purchaseorderline l JOIN catalog_product p ON p.id = l.product_id "
            "LEFT JOIN catalog_registration r ON r.product_id = p.id "
            "WHERE l.id = ANY(%s) GROUP BY l.id, p.id, p.code, p.gtin",
            [lines],
        )
        return {
            row[0]: {"id": row[1], "code": row[2], "gtin": row[3], "registration": row[4]}
            for row in cur.fetchall()
        }
