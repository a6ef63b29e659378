"""Every row lock lot disposition takes (STYLE rule 5): the deviation counter first when one is
numbered (``core.numbering``), then the deviation row. The gate itself locks nothing: it runs
under inventory's lock of the lot or serial."""

from __future__ import annotations

from mederp.core.errors import NotFound
from mederp.quality.disposition.models import Deviation


def lock_deviation(pk: int) -> Deviation:
    found = Deviation.objects.select_for_update().filter(pk=pk).first()
    if found is None:
        raise NotFound(record_type="Deviation", record_id=pk)
    return found
