"""Every row lock the complaint part takes (STYLE rule 5). Order: the complaint number counter
(``core.numbering``) when receiving; otherwise the complaint, then its reports by primary key;
a reporting rule alone. NCR, CAPA and inventory take their own locks after ours, through their
services."""

from __future__ import annotations

from mederp.core.errors import NotFound
from mederp.quality.complaints.models import Complaint, RegulatoryReport, ReportingRule


def lock_complaint(pk: int) -> Complaint:
    found = Complaint.objects.select_for_update().filter(pk=pk).first()
    if found is None:
        raise NotFound(record_type="Complaint", record_id=pk)
    return found


def lock_report(complaint_id: int, pk: int) -> RegulatoryReport | None:
    return (
        RegulatoryReport.objects.select_for_update()
        .filter(complaint_id=complaint_id, pk=pk)
        .first()
    )


def lock_rule(pk: int) -> ReportingRule:
    found = ReportingRule.objects.select_for_update().filter(pk=pk).first()
    if found is None:
        raise NotFound(record_type="ReportingRule", record_id=pk)
    return found
