"""Every row lock production takes (STYLE rule 5).

Order: the work order first, then the inventory balances its issues and outputs touch (through
the ledger's services, in key order), then the document counter (``core.numbering``) last,
so no two documents wait on each other in opposite orders.
"""

from __future__ import annotations

from mederp.core.errors import NotFound
from mederp.production.models import WorkOrder


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
