"""Allocation by FEFO (TR-05, TR-06, TR-07; invariant 6): an order's lines take released,
unexpired, unheld stock in storage, earliest expiry first, never a lot with less remaining shelf
life than the customer requires. Each allocation reserves its units in the ledger, so two orders
never promise the same units (available = on hand − reserved).

Concurrency: the candidate balances of every line are locked first, in key order
(``inventory.locks.lock_balances``), then read again and planned; a concurrent allocation of
the same stock waits for the lock and then sees what is left. All lines are allocated or none.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction

from mederp.core import clock, workflow
from mederp.core.actors import Actor
from mederp.inventory import selectors as stock
from mederp.inventory import services as inventory
from mederp.inventory.locks import BalanceKey, lock_balances
from mederp.sales import rules
from mederp.sales.errors import NotEnoughStock, ShelfLifeTooShort
from mederp.sales.locks import lock_order
from mederp.sales.models import Allocation, SalesOrder, SalesOrderLine
from mederp.sales.review import ALLOCATE
from mederp.sales.services.common import RESERVATION_DOCUMENT, audit_created, qty


def _key(row: stock.AvailableStock) -> BalanceKey:
    return BalanceKey(row.product_id, row.lot_id or 0, row.serial_id or 0, row.location_id)


def _refusal(
    line: SalesOrderLine, plan: rules.FefoPlan, order: SalesOrder, on_date: object
) -> Exception:
    """Name what blocks: the lot too close to expiry when that is why, else the shortfall."""
    product = line.product.code
    required = order.customer.min_remaining_shelf_life_days
    if plan.too_short:
        first = plan.too_short[0]
        return ShelfLifeTooShort(
            lot=first.lot_number or first.serial_number or "—",
            product=product,
            expiry_date=first.expiry_date.isoformat() if first.expiry_date else "—",
            days_left=rules.days_left(first.expiry_date, on_date),  # type: ignore[arg-type]
            customer=str(order.customer),
            required=required,
            line=line.line_no,
            needed=qty(line.quantity),
            shortfall=qty(plan.shortfall),
            refused_lots=sorted({c.lot_number or c.serial_number for c in plan.too_short}),
        )
    available = line.quantity - plan.shortfall
    return NotEnoughStock(
        product=product,
        line=line.line_no,
        needed=qty(line.quantity),
        available=qty(available),
        shortfall=qty(plan.shortfall),
    )


@transaction.atomic
def allocate_order(actor: Actor, order_id: int) -> SalesOrder:
    """Allocate every line of a confirmed order by FEFO, or refuse and write nothing:
    ``sales.shelf_life_too_short`` (naming the lot) when only stock too close to expiry for the
    customer is left, ``sales.not_enough_stock`` when there is too little."""
    order = lock_order(order_id)
    workflow.check(actor, order, ALLOCATE)
    lines = list(order.lines.select_related("product").order_by("line_no"))
    on_date = clock.today()
    min_days = order.customer.min_remaining_shelf_life_days
    # Lock every candidate balance of every line at once, in key order: two orders allocating
    # overlapping products queue on the same first row and never deadlock.
    candidates = [
        _key(row)
        for line in lines
        for row in stock.available_lots_fefo(line.product, on_date=on_date)
    ]
    locked = set(lock_balances(candidates))
    plans: list[tuple[SalesOrderLine, rules.FefoPlan]] = []
    for line in lines:
        fresh = [
            r for r in stock.available_lots_fefo(line.product, on_date=on_date) if _key(r) in locked
        ]
        plan = rules.plan_fefo(fresh, line.quantity, on_date=on_date, min_days=min_days)
        if not plan.complete:
            raise _refusal(line, plan, order, on_date)
        plans.append((line, plan))
    now = clock.now()
    for line, plan in plans:
        for row, quantity in plan.takes:
            reservation = inventory.reserve(
                actor,
                product=line.product,
                quantity=quantity,
                location=row.location_id,
                lot=row.lot_id,
                serial=row.serial_id,
                document_type=RESERVATION_DOCUMENT,
                document_id=str(order.pk),
                document_line=str(line.pk),
            )
            allocation = Allocation(
                line=line,
                product=line.product,
                lot_id=row.lot_id,
                serial_id=row.serial_id,
                location_id=row.location_id,
                expiry_date=row.expiry_date,
                quantity=quantity,
                reservation=reservation,
                created_at=now,
            )
            allocation.save(force_insert=True)
            audit_created(actor, allocation)
    workflow.transition(actor, order, ALLOCATE)
    return order


def allocated_quantity(line: SalesOrderLine) -> Decimal:
    return sum((a.quantity for a in line.allocations.filter(cancelled_at__isnull=True)), Decimal(0))
