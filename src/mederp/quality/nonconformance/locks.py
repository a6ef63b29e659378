"""Every ``select_for_update`` of nonconformance (STYLE rule 5). An NCR is locked before the
inventory rows its disposition moves (lots, then balances: inventory's own order)."""

from __future__ import annotations

from mederp.core.errors import NotFound
from mederp.quality.nonconformance.models import Nonconformance


def lock_ncr(pk: int) -> Nonconformance:
    found = (
        Nonconformance.objects.select_for_update(of=("self",))
        .select_related("product", "supplier")
        .filter(pk=pk)
        .first()
    )
    if found is None:
        raise NotFound(record_type="Nonconformance", record_id=pk)
    return found
