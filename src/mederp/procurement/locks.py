"""Every row lock procurement takes, ordered (STYLE rule 5): the document counter first
(``core.numbering``, its own short critical section), then the purchase order, then its lines
by primary key. Inventory's locks (lots, balances) come after ours, inside the receiving
service."""

from __future__ import annotations

from mederp.core.errors import NotFound
from mederp.procurement.models import PurchaseOrder, PurchaseOrderLine


def lock_order(pk: int) -> PurchaseOrder:
    order = PurchaseOrder.objects.select_for_update().filter(pk=pk).first()
    if order is None:
        raise NotFound(record_type="PurchaseOrder", record_id=pk)
    return order


def lock_order_lines(order: PurchaseOrder) -> list[PurchaseOrderLine]:
    """The order's lines, locked in primary-key order (call with the order locked)."""
    return list(
        PurchaseOrderLine.objects.select_for_update().filter(order_id=order.pk).order_by("pk")
    )


def lock_line(pk: int) -> tuple[PurchaseOrder, PurchaseOrderLine]:
    """A line and its order, order first."""
    order_id = PurchaseOrderLine.objects.filter(pk=pk).values_list("order_id", flat=True).first()
    if order_id is None:
        raise NotFound(record_type="PurchaseOrderLine", record_id=pk)
    order = lock_order(order_id)
    line = PurchaseOrderLine.objects.select_for_update().filter(pk=pk).first()
    if line is None:
        raise NotFound(record_type="PurchaseOrderLine", record_id=pk)
    return order, line
