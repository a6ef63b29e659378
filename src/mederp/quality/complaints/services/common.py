"""What the complaint services share: reading a complaint, refusing a closed one."""

from __future__ import annotations

from mederp.core.errors import NotFound
from mederp.quality.complaints import errors
from mederp.quality.complaints.models import Complaint, ComplaintState


def complaint_id(complaint: Complaint | int) -> int:
    return int(complaint.pk if isinstance(complaint, Complaint) else complaint)


def load(complaint: Complaint | int) -> Complaint:
    found = Complaint.objects.filter(pk=complaint_id(complaint)).first()
    if found is None:
        raise NotFound(record_type="Complaint", record_id=complaint_id(complaint))
    return found


def not_closed(complaint: Complaint) -> None:
    if complaint.state == ComplaintState.CLOSED:
        raise errors.ComplaintClosed(complaint=complaint.number)
