"""Every row lock the catalog takes, ordered by primary key (STYLE rule 5)."""

from __future__ import annotations

from mederp.catalog.models import UnitOfMeasure
from mederp.core.errors import NotFound


def lock_uom(pk: int) -> UnitOfMeasure:
    uom = UnitOfMeasure.objects.select_for_update().filter(pk=pk).first()
    if uom is None:
        raise NotFound(record_type="UnitOfMeasure", record_id=pk)
    return uom
