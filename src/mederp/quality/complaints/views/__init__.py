"""Complaint pages: thin, calling the same services as the API."""

from mederp.quality.complaints.views.complaints import (
    complaint_assess,
    complaint_capa,
    complaint_detail,
    complaint_investigation,
    complaint_list,
    complaint_ncr,
    complaint_new,
    complaint_recall,
    complaint_submit_report,
    complaint_transition,
)
from mederp.quality.complaints.views.deadlines import deadlines
from mederp.quality.complaints.views.rules import rule_edit, rule_list, rule_new

__all__ = [
    "complaint_assess",
    "complaint_capa",
    "complaint_detail",
    "complaint_investigation",
    "complaint_list",
    "complaint_ncr",
    "complaint_new",
    "complaint_recall",
    "complaint_submit_report",
    "complaint_transition",
    "deadlines",
    "rule_edit",
    "rule_list",
    "rule_new",
]
