"""Every row lock production takes (STYLE rule 5).

Order: the work order first, then the inventory balances its issues and outputs touch (through
the ledger's services, in key order), then the document counter last, so no two documents wait
on each other in opposite orders.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction

from mederp.core.errors import NotFound
from mederp.production.models import DocumentCounter, WorkOrder


def lock_work_order(pk: int) -> WorkOrder:
    order = (
        WorkOrder.objects.select_for_update(of=("self",))
        .select_related("product", "bom", "production_location", "output_location")
        .filter(pk=pk)
        .first()
    )
    if order is None:
        raise NotFound(record_type="WorkOrder", record_id=pk)
    return order


def lock_counter(prefix: str, year: int) -> DocumentCounter:
    """The counter row of ``prefix`` and ``year``, created at 0 the first time."""
    found = DocumentCounter.objects.select_for_update().filter(prefix=prefix, year=year).first()
    if found is not None:
        return found
    try:
        with transaction.atomic():
            return DocumentCounter.objects.create(prefix=prefix, year=year, last=0)
    except IntegrityError:
        # Created meanwhile by a concurrent work order: wait for its row.
        return DocumentCounter.objects.select_for_update().get(prefix=prefix, year=year)
