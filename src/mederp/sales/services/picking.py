"""Picking confirmed by scan (UDI-02; GSP 出库): the picker scans the label of what they took
and the scan must be the allocated device, lot and serial — wrong GTIN, lot or serial is refused
— and never more than is allocated. The raw scan is kept beside what was read from it (DI-02).
The order is picked when every allocation is.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils.translation import pgettext

from mederp.catalog.barcodes import parse_scan
from mederp.core import clock, workflow
from mederp.core.actors import Actor
from mederp.core.errors import NotFound
from mederp.inventory import selectors as stock_selectors
from mederp.inventory.errors import SerialQuantity
from mederp.inventory.models import StockStatus
from mederp.sales import errors, events, rules
from mederp.sales.locks import lock_order
from mederp.sales.models import Allocation, Pick, SalesOrder
from mederp.sales.review import PICK
from mederp.sales.services.common import audit_changed, audit_created, emit, qty


def pick_payload(pick: Pick, order: SalesOrder) -> dict[str, Any]:
    return {
        "id": pick.pk,
        "order_id": order.pk,
        "allocation_id": pick.allocation_id,
        "quantity": qty(pick.quantity),
        "gtin": pick.gtin,
        "lot_number": pick.lot_number or None,
        "serial_number": pick.serial_number or None,
        "picked_by": pick.picked_by_name,
        "picked_at": pick.picked_at,
    }


def _target(a: Allocation, *, hibc: bool = False) -> rules.PickTarget:
    """``hibc``: the scan was an HIBC label, so the product's HIBC identifier stands in for
    its GTIN (UDI-06)."""
    return rules.PickTarget(
        key=a.pk,
        gtin=a.product.hibc_di if hibc else a.product.gtin,
        lot=a.lot.number if a.lot is not None else None,
        serial=a.serial.serial_number if a.serial is not None else None,
        open_quantity=a.quantity - a.picked_quantity,
    )


def _item(a: Allocation) -> str:
    if a.serial is not None:
        return f"serial {a.serial.serial_number}"
    return f"lot {a.lot.number}" if a.lot is not None else ""


@transaction.atomic
def pick_by_scan(
    actor: Actor,
    order_id: int,
    *,
    scan: str,
    quantity: Any = 1,
    allocation_id: int | None = None,
) -> Pick:
    """Confirm that ``quantity`` units of the scanned device were picked for the order.

    ``scan`` is a GS1 element string (group separator as ASCII 29, ``<GS>``, ``{GS}`` or
    ``\\x1d``), the parenthesised form, a Digital Link or HIBC; a scan that cannot be read is
    refused with its ``barcodes.*`` code. ``allocation_id`` compares the scan with that
    allocation only; without it, the order's open allocation the scan matches is picked.
    """
    result = parse_scan(scan)
    result.raise_for_problems()
    amount = rules.parse_quantity(quantity)
    order = lock_order(order_id)
    workflow.check(actor, order, PICK)
    allocations = Allocation.objects.filter(
        line__order=order, cancelled_at__isnull=True
    ).select_related("product", "lot", "serial", "line")
    if allocation_id is not None:
        allocations = allocations.filter(pk=allocation_id)
        if not allocations.exists():
            raise NotFound(record_type="Allocation", record_id=allocation_id)
    candidates = [a for a in allocations.order_by("id") if a.quantity > a.picked_quantity]
    if not candidates:
        raise errors.NothingToPick(order=order.number, product=result.di or "—", item="")
    by_key = {a.pk: a for a in candidates}
    match = rules.match_pick(
        [_target(a, hibc=result.gtin is None) for a in candidates],
        gtin=result.gtin if result.gtin is not None else result.di,
        lot=result.lot,
        serial=result.serial,
        quantity=amount,
    )
    if match.target is None:
        assert match.mismatch is not None
        product = candidates[0].product.code
        if match.mismatch != rules.ScanMismatch.GTIN:
            product = next(
                (a.product.code for a in candidates if a.product.gtin == result.gtin), product
            )
        raise errors.SCAN_MISMATCH[match.mismatch](
            scanned=match.scanned or "—",
            expected=match.expected or "—",
            product=product,
            raw=result.raw,
            field="scan",
        )
    allocation = by_key[match.target.key]
    if allocation.serial is not None and amount != 1:
        raise SerialQuantity(quantity=str(amount), field="quantity")
    _refuse_blocked_stock(allocation)
    remaining = allocation.quantity - allocation.picked_quantity
    if amount > remaining:
        raise errors.PickExceedsAllocation(
            quantity=qty(amount),
            remaining=qty(remaining),
            product=allocation.product.code,
            item=_item(allocation),
            allocation_id=allocation.pk,
            field="quantity",
        )
    user = actor.user if actor.kind in ("user", "client") else None
    pick = Pick(
        allocation=allocation,
        quantity=amount,
        scan_raw=result.raw,
        gtin=result.gtin or "",
        lot_number=result.lot or "",
        serial_number=result.serial or "",
        picked_by=user,
        picked_by_name=actor.name[:200],
        picked_at=clock.now(),
    )
    pick.save(force_insert=True)
    audit_created(actor, pick)
    before = allocation.picked_quantity
    allocation.picked_quantity = before + amount
    allocation.version += 1
    allocation.save(update_fields=["picked_quantity", "version"])
    audit_changed(
        actor,
        allocation,
        {"picked_quantity": [before, allocation.picked_quantity]},
        reason="picked by scan",
    )
    emit(actor, order, events.PICK_CONFIRMED, pick_payload(pick, order))
    if not _open_to_pick(order):
        workflow.transition(actor, order, PICK)
    return pick


def _refuse_blocked_stock(allocation: Allocation) -> None:
    """Stock allocated while released may since have been recalled, held, rejected or have
    expired: picking it would put blocked goods on the packing bench."""
    item = allocation.serial or allocation.lot
    if item is None:
        return
    status = stock_selectors.effective_status(item)
    if status != StockStatus.RELEASED:
        raise errors.PickStockBlocked(
            item=_item(allocation),
            product=allocation.product.code,
            status=_status_label(status),
            allocation_id=allocation.pk,
            field="scan",
        )


def _status_label(status: str) -> str:
    if status == stock_selectors.EXPIRED:
        return str(pgettext("stock status", "expired"))
    return str(StockStatus(status).label)


def _open_to_pick(order: SalesOrder) -> Decimal:
    return sum(
        (
            a.quantity - a.picked_quantity
            for a in Allocation.objects.filter(line__order=order, cancelled_at__isnull=True)
        ),
        Decimal(0),
    )
