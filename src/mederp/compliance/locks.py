"""Every row lock compliance takes (STYLE rule 5).

Order: the recall number counter first (``core.numbering``; opening a recall is rare, two
openings queue there before either touches stock), then inventory's locks through its services
(lots, serials, balances); for tracking and closing, the recall, then its lines by primary key.
"""

from __future__ import annotations

from collections.abc import Iterable

from mederp.compliance.models import Recall, RecallLine
from mederp.core.errors import NotFound


def lock_recall(pk: int) -> Recall:
    found = Recall.objects.select_for_update().filter(pk=pk).first()
    if found is None:
        raise NotFound(record_type="Recall", record_id=pk)
    return found


def lock_lines(recall_id: int, ids: Iterable[int]) -> list[RecallLine]:
    """The recall's lines with these ids, locked in primary-key order (after the recall)."""
    wanted = sorted({int(i) for i in ids})
    return list(
        RecallLine.objects.select_for_update()
        .filter(recall_id=recall_id, pk__in=wanted)
        .order_by("pk")
    )
