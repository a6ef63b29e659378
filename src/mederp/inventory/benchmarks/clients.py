"""What one ``bench ledger`` client process does (``COMMANDS``, run by core's benchmark workers).

Every command runs in a spawned process whose default database is the scratch database. Writes
go through the inventory services (``receive_into_quarantine``, ``reserve``) as an application
would call them; the raw floor writes the same rows with one plain SQL statement.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import time
import uuid
from collections.abc import Callable
from typing import Any

from mederp.core.benchmarks import workers
from mederp.inventory.benchmarks import history

RECEIPT = "procurement.receipt"
ORDER = "bench.order"


def _actor() -> Any:
    from mederp.core.actors import Actor

    return Actor.system("bench")


def _gtin(seq: int) -> str:
    """A valid GTIN-14 for bench product ``seq`` (GS1 mod-10 check digit)."""
    body = f"0699999{seq:06d}"
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return body + str((10 - total % 10) % 10)


def prepare(number: int, history_products: int, receipt_products: int) -> dict[str, Any]:
    """One warehouse with a supplier, quarantine, storage and customer location, and approved
    lot-tracked products: ``history_products`` carry the history, FEFO and allocation;
    ``receipt_products`` receive the measured receipts (so receipts do not change what FEFO
    reads between the two ledger sizes)."""
    from mederp.inventory import services
    from mederp.inventory.models import Move

    actor = _actor()
    wh = services.create_warehouse(actor, code="BENCH", name_zh="基准仓", name_en="Bench")

    def place(code: str, kind: str) -> int:
        return int(
            services.create_location(actor, wh.pk, code=code, name=f"{code} 区", kind=kind).pk
        )

    # Master data is catalog's; inventory reaches the models through its foreign keys only.
    product_model: Any = Move._meta.get_field("product").related_model
    uom_model: Any = product_model._meta.get_field("uom").related_model
    uom = uom_model.objects.create(code="EA", name_zh="支", name_en="each")
    total = history_products + receipt_products
    product_model.objects.bulk_create(
        product_model(
            code=f"BENCH-{i:05d}",
            name_zh="一次性使用无菌注射器",
            name_en="Sterile syringe for single use",
            specification="5 ml",
            uom=uom,
            gtin=_gtin(i),
            tracking="lot",
            shelf_life_days=1095,
            device_class="II",
            category_code="14-02",
            manufacturer="苏州示例医疗器械有限公司",
            approval_state="approved",
        )
        for i in range(total)
    )
    ids = list(
        product_model.objects.filter(code__startswith="BENCH-")
        .order_by("code")
        .values_list("pk", flat=True)
    )
    return {
        "supplier": place("SUP", "supplier"),
        "quarantine": place("QUA", "quarantine"),
        "storage": place("A-01", "storage"),
        "customer": place("CUS", "customer"),
        "history_products": ids[:history_products],
        "receipt_products": ids[history_products:],
    }


def database(number: int) -> str:
    return workers.database_version()


def stock_on_hand(number: int, ids: dict[str, Any], in_stock: int) -> int:
    from mederp.core import clock

    return history.load_stock_on_hand(ids, in_stock, clock.today())


def grow(number: int, ids: dict[str, Any], moves: int) -> dict[str, Any]:
    from mederp.core import clock

    started = time.perf_counter()
    total = history.grow_to(ids, moves, clock.today())
    return {"moves": total, "seconds": round(time.perf_counter() - started, 3)}


def reconcile(number: int) -> int:
    """Differences between balances and the ledger after the run (0: the bulk-loaded history
    and every measured write kept the books)."""
    from mederp.inventory.reconcile import reconcile as differences

    return len(differences())


def move_count(number: int) -> int:
    from mederp.inventory.models import Move

    return int(Move.objects.count())


# --- receipts --------------------------------------------------------------------------------


def receipts(
    number: int, ids: dict[str, Any], tag: str, start_at: float, seconds: float
) -> dict[str, Any]:
    """Receipts through the service: one lot-tracked line each, its own transaction (lot,
    balance, move, two audit entries, two events)."""
    from mederp.core import clock
    from mederp.inventory import services

    actor, products = _actor(), ids["receipt_products"]
    expiry = clock.today() + dt.timedelta(days=730)

    def write(n: int) -> None:
        services.receive_into_quarantine(
            actor,
            product=products[(number + n * 7) % len(products)],
            quantity="100",
            from_location=ids["supplier"],
            to_location=ids["quarantine"],
            lot_number=f"{tag}{number}-{n}",
            expiry_date=expiry,
            document_type=RECEIPT,
            document_id=f"{tag}{number}-{n}",
            document_line="1",
        )

    write(-1)  # warm caches (locations, products, prepared paths) outside the clock
    return workers.timed(start_at, seconds, write)


_RAW_RECEIPT = """
WITH lot AS (
    INSERT INTO inventory_lot (product_id, number, expiry_date, status, created_at, version)
    VALUES (%(product)s, %(lot)s, %(expiry)s, 'quarantine', now(), 1)
    RETURNING id, product_id, number, expiry_date
), balance AS (
    INSERT INTO inventory_balance (product_id, lot_id, serial_id, lot_key, serial_key,
                                   location_id, expiry_date, quantity, reserved, version)
    SELECT product_id, id, NULL, id, 0, %(quarantine)s, expiry_date, 100, 0, 1 FROM lot
    ON CONFLICT (product_id, lot_key, serial_key, location_id)
    DO UPDATE SET quantity = inventory_balance.quantity + 100,
                  version = inventory_balance.version + 1
    RETURNING id
), move AS (
    INSERT INTO inventory_move (product_id, lot_id, quantity, from_location_id, to_location_id,
                                document_type, document_id, document_line, reason, occurred_at,
                                actor_kind, actor_id, actor_name, request_id)
    SELECT product_id, id, 100, %(supplier)s, %(quarantine)s, 'procurement.receipt', %(lot)s,
           '1', '', now(), 'system', NULL, 'bench', ''
    FROM lot RETURNING id
), entries AS (
    INSERT INTO core_auditentry (occurred_at, actor_kind, actor_id, actor_name, action,
                                 record_type, record_id, record_label, changes, reason,
                                 request_id, client_ip)
    SELECT now(), 'system', NULL::bigint, 'bench', 'create', 'inventory.lot', lot.id::text,
           lot.number, %(lot_changes)s, '', '', '' FROM lot
    UNION ALL
    SELECT now(), 'system', NULL::bigint, 'bench', 'create', 'inventory.move', move.id::text,
           'move ' || move.id, %(move_changes)s, '', '', '' FROM move
    RETURNING 1
), events AS (
    INSERT INTO core_outboxevent (event_id, event_type, aggregate_type, aggregate_id,
                                  aggregate_seq, schema_version, payload, occurred_at,
                                  actor_name, request_id, attempts)
    SELECT gen_random_uuid(), 'inventory.lot.registered', 'inventory.lot', lot.id::text, 1, 1,
           %(lot_payload)s::jsonb, now(), 'bench', '', 0 FROM lot
    UNION ALL
    SELECT gen_random_uuid(), 'inventory.move.posted', 'inventory.move', move.id::text, 1, 1,
           %(move_payload)s::jsonb, now(), 'bench', '', 0 FROM move
    RETURNING 1
)
SELECT id FROM move
"""


def raw_receipts(
    number: int, ids: dict[str, Any], tag: str, start_at: float, seconds: float
) -> dict[str, Any]:
    """The floor: the same rows as a service receipt (lot, balance, move, two audit entries
    with their change sets, two events with their payloads) in one plain SQL statement, one
    commit per receipt."""
    from django.db import connection

    from mederp.core import clock

    products = ids["receipt_products"]
    expiry = (clock.today() + dt.timedelta(days=730)).isoformat()
    cursor = connection.cursor()  # autocommit: each statement is its own transaction

    def write(n: int) -> None:
        product, lot = products[(number + n * 7) % len(products)], f"{tag}{number}-{n}"
        now = clock.now().isoformat()
        lot_fields = {"number": lot, "product": product, "expiry_date": expiry}
        move_fields = {
            "product": product,
            "quantity": "100",
            "from_location": ids["supplier"],
            "to_location": ids["quarantine"],
            "document_type": RECEIPT,
            "document_id": lot,
            "occurred_at": now,
        }
        cursor.execute(
            _RAW_RECEIPT,
            {
                "product": product,
                "lot": lot,
                "expiry": expiry,
                "supplier": ids["supplier"],
                "quarantine": ids["quarantine"],
                "lot_changes": _changes({**lot_fields, "status": "quarantine", "version": 1}),
                "move_changes": _changes({**move_fields, "actor_name": "bench"}),
                "lot_payload": json.dumps({**lot_fields, "status": "quarantine"}),
                "move_payload": json.dumps({**move_fields, "request": str(uuid.uuid4())}),
            },
        )

    write(-1)
    return workers.timed(start_at, seconds, write)


def _changes(fields: dict[str, Any]) -> str:
    return json.dumps({k: [None, v] for k, v in sorted(fields.items())}, separators=(",", ":"))


# --- reads and allocation --------------------------------------------------------------------


def _latencies(count: int, call: Callable[[int], None]) -> list[float]:
    call(-1)  # warm up
    out = []
    for n in range(count):
        started = time.perf_counter()
        call(n)
        out.append((time.perf_counter() - started) * 1000)
    return out


def fefo(number: int, ids: dict[str, Any], count: int, seed: int) -> list[float]:
    """Milliseconds per FEFO available-lots query (``selectors.available_lots_fefo``) of a
    random history product."""
    from mederp.inventory import selectors

    pick = random.Random(seed).choice  # noqa: S311 - a reproducible sample
    products = ids["history_products"]

    def query(n: int) -> None:
        if not selectors.available_lots_fefo(pick(products)):
            raise RuntimeError("a history product has no available stock")

    return _latencies(count, query)


def allocate(number: int, ids: dict[str, Any], count: int, seed: int) -> list[float]:
    """Milliseconds per allocation: in one transaction, read the product's FEFO list and
    reserve one unit of its first lot (the balance row lock, the reservation, its audit entry
    and event)."""
    from django.db import transaction

    from mederp.inventory import selectors, services

    actor, pick = _actor(), random.Random(seed).choice  # noqa: S311 - a reproducible sample
    products = ids["history_products"]

    def allocation(n: int) -> None:
        product = pick(products)
        with transaction.atomic():
            first = selectors.available_lots_fefo(product)[0]
            services.reserve(
                actor,
                product=product,
                quantity="1",
                location=first.location_id,
                lot=first.lot_id,
                document_type=ORDER,
                document_id=f"SO-{seed}-{number}-{n}",
                document_line="1",
            )

    return _latencies(count, allocation)


def explain_fefo(number: int, ids: dict[str, Any]) -> str:
    """``EXPLAIN ANALYZE`` of the FEFO query's balance read, for the record."""
    from django.db import connection

    from mederp.inventory import selectors
    from mederp.inventory.models import Balance

    product, captured = ids["history_products"][0], _Capture()
    with connection.execute_wrapper(captured):
        selectors.available_lots_fefo(product)
    sql, params = next(
        ((sql, params) for sql, params in captured.queries if Balance._meta.db_table in sql),
        ("", ()),
    )
    if not sql:
        return ""
    with connection.cursor() as cur:
        cur.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params)
        return "\n".join(row[0] for row in cur.fetchall())


class _Capture:
    def __init__(self) -> None:
        self.queries: list[tuple[str, Any]] = []

    def __call__(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        self.queries.append((sql, params))
        return execute(sql, params, many, context)


COMMANDS: dict[str, Callable[..., Any]] = {
    "prepare": prepare,
    "database": database,
    "stock_on_hand": stock_on_hand,
    "grow": grow,
    "move_count": move_count,
    "reconcile": reconcile,
    "receipts": receipts,
    "raw_receipts": raw_receipts,
    "fefo": fefo,
    "allocate": allocate,
    "explain_fefo": explain_fefo,
}
