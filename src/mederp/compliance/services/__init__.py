"""Compliance use cases: the only code that writes compliance tables (invariant 1). Recalls:
open by signature (:func:`open_recall`), track each consignee, close by another person's
signature; the mock recall (:func:`drill_recall`) times the same path and writes nothing."""

from mederp.compliance.services.recall_closing import close_recall
from mederp.compliance.services.recall_tracking import (
    effectiveness,
    record_accounted,
    record_acknowledgement,
    record_notification,
)
from mederp.compliance.services.recalls import DrillResult, drill_recall, open_recall

__all__ = [
    "DrillResult",
    "close_recall",
    "drill_recall",
    "effectiveness",
    "open_recall",
    "record_accounted",
    "record_acknowledgement",
    "record_notification",
]
