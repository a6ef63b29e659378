"""The statements behind the traceability reports (TR-01, TR-02, RC-04).

Each report part is ONE statement: the genealogy walk (:func:`genealogy.nodes_cte`, a recursive
CTE over ``(kind, id)`` nodes) composed with the join that part needs. A record that names a
serial is matched by the serial node only and a record without one by the lot node, as two
``UNION ALL`` branches, each an equality join on one indexed foreign key: never an ``OR`` join,
which would keep PostgreSQL and SQLite from using either index, and nothing counted twice when
a lot and its serials are both reached.

Values come back through Django's own converters for their field type, exactly as the ORM
would read them on PostgreSQL and SQLite (a SQLite decimal arrives as a number and is read
the ORM's way; a date arrives as text).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django.db import connection, models
from django.db.models import Value

from mederp.production.genealogy import Direction, Node, nodes_cte
from mederp.production.models import LOT, SERIAL

_FIELDS: dict[str, models.Field[Any, Any]] = {
    "n": models.DecimalField(max_digits=18, decimal_places=6),
    "d": models.DateField(),
    "t": models.DateTimeField(),
}

#: The enter end of an edge per direction (the walk reached that end; the other is its step).
_ENTER = {"forward": "consumed", "backward": "produced"}


def fetch(sql: str, params: Sequence[Any], types: str) -> list[tuple[Any, ...]]:
    """Run one statement; ``types`` has a letter per column: ``n`` decimal, ``d`` date, ``t``
    timestamp, anything else as the driver returns it."""
    converters: list[list[Callable[..., Any]]] = []
    for letter in types:
        field = _FIELDS.get(letter)
        expression = Value(None, output_field=field) if field is not None else None
        converters.append(
            connection.ops.get_db_converters(expression) if expression is not None else []
        )
    with connection.cursor() as cur:
        cur.execute(sql, list(params))
        rows = cur.fetchall()
    out = []
    for row in rows:
        values = list(row)
        for i, convert in enumerate(converters):
            for converter in convert:
                values[i] = converter(values[i], None, connection)
        out.append(tuple(values))
    return out


def _both(branch: str, alias: str) -> str:
    """The serial branch and the lot branch of one join, as ``UNION ALL``. ``branch`` has the
    placeholders ``{node}`` (the node kind), ``{key}`` (the column of table ``alias`` that
    holds it) and ``{only}`` (the lot branch's condition that the row names no serial)."""
    serial = branch.format(node=SERIAL, key="serial_id", only="")
    lot = branch.format(node=LOT, key="lot_id", only=f"AND {alias}.serial_id IS NULL")
    return f"{serial} UNION ALL {lot}"


def nodes(direction: Direction, roots: Sequence[Node]) -> list[tuple[Any, ...]]:
    """Every lot and serial reached: kind, id, lot id (of a serial), product id, code, Chinese
    and English name, GTIN, lot number, serial number, expiry date, status."""
    cte, params = nodes_cte(direction, roots)
    sql = (
        f"{cte} "
        f"SELECT '{LOT}', l.id, NULL, p.id, p.code, p.name_zh, p.name_en, p.gtin, l.number, '', "
        "l.expiry_date, l.status "
        f"FROM trace_nodes t JOIN inventory_lot l ON t.kind = '{LOT}' AND l.id = t.id "
        "JOIN catalog_product p ON p.id = l.product_id "
        "UNION ALL "
        f"SELECT '{SERIAL}', s.id, s.lot_id, p.id, p.code, p.name_zh, p.name_en, p.gtin, "
        "COALESCE(sl.number, ''), s.serial_number, s.expiry_date, s.status "
        f"FROM trace_nodes t JOIN inventory_serial s ON t.kind = '{SERIAL}' AND s.id = t.id "
        "JOIN catalog_product p ON p.id = s.product_id "
        "LEFT JOIN inventory_lot sl ON sl.id = s.lot_id"
    )
    return fetch(sql, params, "----------d-")


def edges(direction: Direction, roots: Sequence[Node]) -> list[tuple[Any, ...]]:
    """The steps of the walk, one per (consumed node, produced node, work order): consumed
    kind and id, produced kind and id, work order id, number, product code and state, and the
    quantity of the consumed node issued to it. Edges are one per (issue, output) pair, so an
    issue feeding two outputs into the same lot counts once (``DISTINCT`` over the issue)."""
    enter = _ENTER[direction]
    cte, params = nodes_cte(direction, roots)
    sql = (
        f"{cte} "
        "SELECT x.consumed_kind, x.consumed_id, x.produced_kind, x.produced_id, x.work_order_id, "
        "COALESCE(w.number, ''), COALESCE(wp.code, ''), COALESCE(w.state, ''), SUM(x.quantity) "
        "FROM (SELECT DISTINCT e.issue_id, e.consumed_kind, e.consumed_id, e.produced_kind, "
        "e.produced_id, e.work_order_id, e.quantity "
        "FROM production_genealogyedge e JOIN trace_nodes t "
        f"ON e.{enter}_kind = t.kind AND e.{enter}_id = t.id) x "
        "LEFT JOIN production_workorder w ON w.id = x.work_order_id "
        "LEFT JOIN catalog_product wp ON wp.id = w.product_id "
        "GROUP BY x.consumed_kind, x.consumed_id, x.produced_kind, x.produced_id, "
        "x.work_order_id, w.number, wp.code, w.state "
        "ORDER BY x.work_order_id, x.consumed_kind, x.consumed_id, x.produced_kind, x.produced_id"
    )
    return fetch(sql, params, "--------n")


def distribution(roots: Sequence[Node]) -> list[tuple[Any, ...]]:
    """Every distribution record of a node reached forward: record id, node kind and id,
    customer id, code, name, address, contact, product code, name, GTIN, lot number, serial
    number, expiry, quantity, shipped at, shipped on, shipment and order number."""
    cte, params = nodes_cte("forward", roots)
    branch = (
        "SELECT r.id AS record_id, '{node}', t.id, r.customer_id, r.customer_code, "
        "r.customer_name, r.customer_address, r.customer_contact, r.product_code, "
        "r.product_name, r.gtin, r.lot_number, r.serial_number, r.expiry_date, r.quantity, "
        "r.shipped_at AS shipped_at, r.shipped_on, r.shipment_number, r.order_number "
        "FROM trace_nodes t JOIN sales_distributionrecord r "
        "ON t.kind = '{node}' AND r.{key} = t.id {only}"
    )
    sql = f"{cte} {_both(branch, 'r')} ORDER BY shipped_at, record_id"
    return fetch(sql, params, "-------------dntd--")


def returns(roots: Sequence[Node]) -> list[tuple[Any, ...]]:
    """The returns against those records: return id, number, record id, quantity, received at,
    the location it came back to."""
    cte, params = nodes_cte("forward", roots)
    branch = (
        "SELECT ret.id AS return_id, ret.number, ret.record_id, ret.quantity, ret.received_at, "
        "loc.code "
        "FROM trace_nodes t JOIN sales_distributionrecord r "
        "ON t.kind = '{node}' AND r.{key} = t.id {only} "
        "JOIN sales_salesreturn ret ON ret.record_id = r.id "
        "JOIN inventory_location loc ON loc.id = ret.to_location_id"
    )
    sql = f"{cte} {_both(branch, 'r')} ORDER BY return_id"
    return fetch(sql, params, "---nt-")


def stock(roots: Sequence[Node]) -> list[tuple[Any, ...]]:
    """Stock still on hand of every node reached forward, per location: node kind and id,
    warehouse code and name, location id, code and kind, quantity, reserved."""
    cte, params = nodes_cte("forward", roots)
    branch = (
        "SELECT '{node}', t.id, wh.code AS warehouse, wh.name_zh, loc.id, loc.code AS location, "
        "loc.kind, b.quantity, b.reserved "
        "FROM trace_nodes t JOIN inventory_balance b "
        "ON t.kind = '{node}' AND b.{key} = t.id {only} "
        "JOIN inventory_location loc ON loc.id = b.location_id "
        "JOIN inventory_warehouse wh ON wh.id = loc.warehouse_id "
        "WHERE b.quantity > 0"
    )
    sql = f"{cte} {_both(branch, 'b')} ORDER BY warehouse, location"
    return fetch(sql, params, "-------nn")


def receipts(roots: Sequence[Node]) -> list[tuple[Any, ...]]:
    """The receipt lines of every node reached backward: line id, node kind and id, receipt id,
    received at, supplier id, code and name (as received), order number, inspector, acceptance
    result, registration number, UDI-DI, raw scan SHA-256, product code, lot number, serial
    number, quantity received, accepted, rejected."""
    cte, params = nodes_cte("backward", roots)
    branch = (
        "SELECT rl.id AS line_id, '{node}', t.id, rc.id, rc.received_at AS received_at, "
        "rc.supplier_id, sp.code, rc.supplier_name, po.number, rc.inspector_name, rl.result, "
        "rl.registration_number, rl.udi_di, rl.scan_sha256, rl.product_code, rl.lot_number, "
        "rl.serial_number, rl.quantity_received, rl.quantity_accepted, rl.quantity_rejected "
        "FROM trace_nodes t JOIN procurement_receiptline rl "
        "ON t.kind = '{node}' AND rl.{key} = t.id {only} "
        "JOIN procurement_receipt rc ON rc.id = rl.receipt_id "
        "JOIN partners_partner sp ON sp.id = rc.supplier_id "
        "JOIN procurement_purchaseorder po ON po.id = rc.order_id"
    )
    sql = f"{cte} {_both(branch, 'rl')} ORDER BY received_at, line_id"
    return fetch(sql, params, "----t------------nnn")
