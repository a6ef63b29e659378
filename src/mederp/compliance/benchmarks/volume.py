"""The volume of ``bench trace``'s plant, bulk-loaded as the rows the services would write.

At scale 1 (issue 5): 5,000 received component lots, 2,000 work orders each consuming one lot
of each of its BOM's five components and producing one finished lot, 20,000 shipments; one
"hot" component lot is consumed by 2 % of all work orders. Every number scales linearly with
``--scale``; the master data (:mod:`.plant`) does not grow past scale 1.

What each document writes (:mod:`.documents` makes the rows):

- a **receipt** (``procurement.record_receipt`` then QA's release and the putaway): the lot
  (released, with its inspector), the receipt and its line with the acceptance fields and the
  raw GS1 scan, a move supplier → quarantine and one quarantine → storage, the two balances;
- a **work order** (``production``: issue, output, release, putaway): the order (completed),
  five material issues each with its move storage → production, the finished lot, the output
  with its move production → quarantine, the putaway move, one genealogy edge per issue, the
  finished lot's two balances;
- a **shipment** (``sales``: order, FEFO allocation, pick by scan, review, ship): the order
  (shipped) and its line, the reservation (spent), the allocation, the pick, the shipment, the
  move storage → customer and the distribution record of one finished lot to one customer.

Quantities are chosen so that every balance stays positive and equals its moves
(``inventory.reconcile`` agrees). Not written: audit entries, outbox events and signatures of
the bulk documents (the trace and the recall read none of them; the master data has its own,
made by the services).
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections.abc import Callable
from dataclasses import dataclass

from django.db import connection, transaction

from mederp.compliance.benchmarks import bulk, documents, rows
from mederp.compliance.benchmarks.plant import BOM_SIZE, Plant
from mederp.core import clock
from mederp.inventory.models import Lot

#: At scale 1.
LOTS, WORK_ORDERS, SHIPMENTS, HOT_SHARE = 5000, 2000, 20000, 0.02
#: Documents written per transaction.
CHUNK = 20_000


@dataclass(frozen=True)
class Sizes:
    lots: int
    work_orders: int
    shipments: int
    hot_uses: int

    @classmethod
    def at(cls, scale: float, plant: Plant) -> Sizes:
        components, finished = len(plant.components), len(plant.finished)
        work_orders = max(finished, round(WORK_ORDERS * scale))
        hot = max(1, round(HOT_SHARE * work_orders))
        return cls(
            # At least two lots per component: the hot one and a typical one.
            lots=max(2 * components, round(LOTS * scale)),
            work_orders=work_orders,
            shipments=max(work_orders, round(SHIPMENTS * scale)),
            # The hot lot's component is in one BOM: at most every order of that device.
            hot_uses=min(hot, math.ceil(work_orders / finished)),
        )


@dataclass
class Built:
    """What the measurements need: the lots to trace and recall, and the counts."""

    hot_lot: int
    typical_lot: int
    component_lots: list[int]
    finished_lots: list[int]
    counts: dict[str, int]


def build(
    plant: Plant, scale: float, seed: int, progress: Callable[[str], None] = lambda _: None
) -> Built:
    sizes = Sizes.at(scale, plant)
    rng = random.Random(seed)  # noqa: S311 - a reproducible plant
    ctx = rows.Context.load(plant)
    plan = _plan(plant, sizes, rng)
    ids = bulk.Ids()
    start = clock.now() - dt.timedelta(days=60)
    writers = documents.Writers(ctx, ids)

    component_lots = ids.take(Lot, sizes.lots)
    finished_lots = ids.take(Lot, sizes.work_orders)
    with bulk.loading() as unchecked:
        _in_chunks(
            sizes.lots,
            lambda a, b: writers.receipts(plan, component_lots, a, b, start),
            progress,
            "component lots received",
        )
        _in_chunks(
            sizes.work_orders,
            lambda a, b: writers.work_orders(
                plan, component_lots, finished_lots, a, b, start + dt.timedelta(days=20)
            ),
            progress,
            "work orders made",
        )
        _in_chunks(
            sizes.shipments,
            lambda a, b: writers.shipments(
                plan, finished_lots, a, b, start + dt.timedelta(days=40)
            ),
            progress,
            "shipments sent",
        )
    if unchecked:
        missing = bulk.orphans(rows.TABLES)
        if missing:
            raise RuntimeError(f"the bulk load left keys that name no row: {missing}")
        progress("every foreign key of the loaded tables holds")
    with transaction.atomic():
        writers.finish(plan, sizes)
    bulk.reset_sequences(rows.TABLES)
    bulk.analyze(rows.TABLES)
    uses = plan.uses
    typical_uses = sorted(uses[1:])[len(uses) // 2]
    typical = next(i for i in range(1, len(uses)) if uses[i] == typical_uses)
    return Built(
        hot_lot=component_lots[plan.hot],
        typical_lot=component_lots[typical],
        component_lots=list(component_lots),
        finished_lots=list(finished_lots),
        counts={
            "component_lots": sizes.lots,
            "work_orders": sizes.work_orders,
            "shipments": sizes.shipments,
            "hot_lot_work_orders": uses[plan.hot],
            "typical_lot_work_orders": typical_uses,
            **writers.counts(),
        },
    )


@dataclass
class Plan:
    """Which lot each work order consumes and what follows from it, as plain integers (indexes
    into the lot ranges)."""

    #: component lot index -> its product
    lot_product: list[int]
    #: work order index -> the component lot index it consumes, per BOM line
    consumes: list[list[int]]
    #: component lot index -> how many work orders consume it
    uses: list[int]
    #: finished lot index -> how many shipments it leaves in
    shipped: list[int]
    #: shipment index -> customer id
    customer_of: list[int]
    hot: int = 0


def _plan(plant: Plant, sizes: Sizes, rng: random.Random) -> Plan:
    components, finished = plant.components, plant.finished
    lot_product = [components[i % len(components)] for i in range(sizes.lots)]
    lots_of: dict[int, list[int]] = {c: [] for c in components}
    for i, product in enumerate(lot_product):
        lots_of[product].append(i)
    hot = 0  # the first lot of the first component of the first device
    hot_orders = set(
        rng.sample(range(0, sizes.work_orders, len(finished)), sizes.hot_uses)
    )  # orders of finished[0], whose BOM holds the hot lot's product
    consumes: list[list[int]] = []
    uses = [0] * sizes.lots
    for w in range(sizes.work_orders):
        device = w % len(finished)
        chosen = []
        for component in components[device * BOM_SIZE : (device + 1) * BOM_SIZE]:
            if w in hot_orders and component == lot_product[hot]:
                lot = hot
            else:
                lot = rng.choice(lots_of[component][1:] if lot_product[hot] == component
                                 else lots_of[component])  # fmt: skip
            chosen.append(lot)
            uses[lot] += 1
        consumes.append(chosen)
    shipped = [0] * sizes.work_orders
    for s in range(sizes.shipments):
        shipped[s % sizes.work_orders] += 1
    customer_of = [rng.choice(plant.customers) for _ in range(sizes.shipments)]
    return Plan(lot_product, consumes, uses, shipped, customer_of, hot)


def _in_chunks(
    total: int,
    write: Callable[[int, int], None],
    progress: Callable[[str], None],
    what: str,
) -> None:
    for first in range(0, total, CHUNK):
        with transaction.atomic():
            write(first, min(first + CHUNK, total))
    progress(f"{total:,} {what}")


def move_count() -> int:
    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM inventory_move")
        return int(cur.fetchone()[0])
