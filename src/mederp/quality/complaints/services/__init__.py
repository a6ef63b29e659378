"""The complaint part's use cases: the only code that writes complaints, reports and rules.
API, UI and CLI call these (invariant 1)."""

from mederp.quality.complaints.services.assessment import assess, record_submission
from mederp.quality.complaints.services.closing import (
    closable,
    close_complaint,
    record_investigation,
)
from mederp.quality.complaints.services.intake import identify, receive_complaint
from mederp.quality.complaints.services.links import link_recall, open_capa_for, open_ncr_for
from mederp.quality.complaints.services.reporting_rules import change_rule, create_rule

__all__ = [
    "assess",
    "change_rule",
    "closable",
    "close_complaint",
    "create_rule",
    "identify",
    "link_recall",
    "open_capa_for",
    "open_ncr_for",
    "receive_complaint",
    "record_investigation",
    "record_submission",
]
