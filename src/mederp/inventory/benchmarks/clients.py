"""What one ``bench ledger`` client process does (``COMMANDS``, run by core's benchmark workers).

Every command runs in a spawned process whose default database is the scratch database. Writes
go through the services as an application calls them: GSP receipts and sales allocations
(:mod:`.documents`), the ledger's own receipt primitive for comparison; the raw floor
(:mod:`.floor`) writes a receipt's rows with one plain SQL statement.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from collections.abc import Callable
from typing import Any

from mederp.core.benchmarks import workers
from mederp.inventory.benchmarks import floor, history

RECEIPT = "procurement.receipt"


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
    lot-tracked products (drafts: documents.prepare approves those it sells and buys):
    ``history_products`` carry the history, FEFO and allocation;
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


def prepare_documents(number: int, ids: dict[str, Any], clients: int, sold: int) -> dict:
    from mederp.inventory.benchmarks import documents

    return documents.prepare(ids, clients, sold)


def _expiry() -> dt.date:
    from mederp.core import clock

    return clock.today() + dt.timedelta(days=730)


def receipts(
    number: int, ids: dict[str, Any], tag: str, start_at: float, seconds: float
) -> dict[str, Any]:
    """GSP receipts (``procurement.record_receipt``) against this client's purchase order: one
    lot-tracked line each, its own transaction."""
    from mederp.inventory.benchmarks import documents

    inspector, lines, expiry = (
        documents.actor_of(ids["inspector"]),
        ids["order_lines"][number],
        _expiry(),
    )

    def write(n: int) -> None:
        lot = f"{tag}{number}-{n}"
        documents.receive(inspector, lines[n % len(lines)], lot, expiry, ids["quarantine"])

    write(-1)  # warm caches (locations, products, prepared paths) outside the clock
    return workers.timed(start_at, seconds, write)


def ledger_receipts(
    number: int, ids: dict[str, Any], tag: str, start_at: float, seconds: float
) -> dict[str, Any]:
    """The ledger's part of a receipt alone (``inventory.receive_into_quarantine``): lot,
    balance, move, two audit entries, two events; for comparison with the whole receipt."""
    from mederp.inventory import services

    actor, products, expiry = _actor(), ids["receipt_products"], _expiry()

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

    write(-1)
    return workers.timed(start_at, seconds, write)


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
    """Milliseconds per sales allocation (``sales.allocate_order``, FEFO, reserving ledger
    stock) of a confirmed one-line order for a random product on sale; the orders are made and
    confirmed first, outside the clock."""
    from mederp.inventory.benchmarks import documents

    pick = random.Random(seed).choice  # noqa: S311 - a reproducible sample
    products = [pick(ids["sold_products"]) for _ in range(count + 1)]
    seller, picker = documents.actor_of(ids["seller"]), documents.actor_of(ids["picker"])
    orders = documents.confirmed_orders(seller, ids["customer_partner"], products)

    def allocation(n: int) -> None:
        documents.allocate(picker, orders[n + 1])

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
    "prepare_documents": prepare_documents,
    "ledger_receipts": ledger_receipts,
    "database": database,
    "stock_on_hand": stock_on_hand,
    "grow": grow,
    "move_count": move_count,
    "reconcile": reconcile,
    "receipts": receipts,
    "raw_receipts": floor.receipts,
    "fefo": fefo,
    "allocate": allocate,
    "explain_fefo": explain_fefo,
}
