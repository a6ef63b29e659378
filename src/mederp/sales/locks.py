"""Every row lock sales takes (STYLE rule 5).

Order: the sales order first, then the inventory balances its allocations touch (through
``inventory.locks`` / the ledger's services, in key order), then reservations; a distribution
record before anything of its return; the document counter (``core.numbering``) always last,
so no two documents wait on each other in opposite orders.
"""

from __future__ import annotations

from mederp.core.errors import NotFound
from mederp.sales.models import DistributionRecord, SalesOrder


def lock_order(pk: int) -> SalesOrder:
    order = (
        SalesOrder.objects.select_for_update(of=("self",))
        .select_related("customer")
        .filter(pk=pk)
        .first()
    )
    if order is None:
        raise NotFound(record_type="SalesOrder", record_id=pk)
    return order


def lock_record(pk: int) -> DistributionRecord:
    record = DistributionRecord.objects.select_for_update().filter(pk=pk).first()
    if record is None:
        raise NotFound(record_type="DistributionRecord", record_id=pk)
    return record
