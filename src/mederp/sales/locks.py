"""Every row lock sales takes (STYLE rule 5).

Order: the sales order first, then the inventory balances its allocations touch (through
``inventory.locks`` / the ledger's services, in key order), then reservations; a distribution
record before anything of its return; the document counter always last, so no two documents
wait on each other in opposite orders.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction

from mederp.core.errors import NotFound
from mederp.sales.models import DistributionRecord, DocumentCounter, SalesOrder


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


def lock_counter(prefix: str, year: int) -> DocumentCounter:
    """The counter row of ``prefix`` and ``year``, created at 0 the first time."""
    found = DocumentCounter.objects.select_for_update().filter(prefix=prefix, year=year).first()
    if found is not None:
        return found
    try:
        with transaction.atomic():
            return DocumentCounter.objects.create(prefix=prefix, year=year, last=0)
    except IntegrityError:
        # Created meanwhile by a concurrent document: wait for its row.
        return DocumentCounter.objects.select_for_update().get(prefix=prefix, year=year)
