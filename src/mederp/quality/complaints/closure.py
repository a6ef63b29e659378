"""The complaint's life and its closing signature (21 CFR 820.35, 820.198 (legacy); 11.50,
11.70; ISO 13485 §8.2.2; ES-12).

Code, versioned in git, registered at start-up (``ComplaintsConfig.ready``; AT-13).

open (received) → assessed (reportability decided, reports and their deadlines computed) →
investigating (an investigation recorded) → closed (QA's signature, meaning ``closed``). A
complaint whose investigation is justifiably not needed closes from ``assessed``. Assessing and
starting the investigation are done by their services (the assessment form and the
investigation form), never as bare buttons; closing is the one signed step. The closing
signature covers the complaint as closed: the device, the event, the decision, the
investigation (or the justification), the correction, the reply and every report's submission.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from mederp.core import canonical, signatures, workflow
from mederp.quality.complaints import events
from mederp.quality.complaints.models import Complaint, ComplaintState, RegulatoryReport

COMPLAINT = "complaints.complaint"
CLOSED = "closed"
ASSESS, INVESTIGATE, CLOSE = "assess", "investigate", "close"
ASSESS_PERMISSION = "complaints.assess_complaint"
INVESTIGATE_PERMISSION = "complaints.investigate_complaint"
CLOSE_PERMISSION = "complaints.close_complaint"
S = ComplaintState


def complaint_content(record: models.Model) -> dict[str, Any]:
    """What the closing signature signs."""
    assert isinstance(record, Complaint)
    content = canonical.snapshot(
        record,
        fields=[
            "number",
            "received_at",
            "description",
            "patient_involvement",
            "event_date",
            "reportable",
            "assessment_rationale",
            "investigation",
            "no_investigation_justification",
            "correction",
            "reply",
            "ncr_number",
            "capa_number",
        ],
    )
    content["product"] = record.product.code
    content["lot"] = record.lot.number if record.lot is not None else None
    content["serial"] = record.serial.serial_number if record.serial is not None else None
    content["reports"] = [
        {
            "jurisdiction": r.jurisdiction,
            "rule": r.rule_code,
            "due_at": canonical.to_json_value(r.due_at),
            "submitted_at": canonical.to_json_value(r.submitted_at),
            "authority_reference": r.authority_reference,
        }
        for r in RegulatoryReport.objects.filter(complaint_id=record.pk).order_by("id")
    ]
    return content


POLICY = signatures.SigningPolicy(
    record_type=COMPLAINT,
    meanings={CLOSED: CLOSE_PERMISSION},
    content=complaint_content,
    description=_(
        "Complaints: QA closes a complaint by signature once its investigation (or the "
        "justification for none) is recorded and every required regulatory report is submitted."
    ),
)

WORKFLOW = workflow.Workflow(
    record_type=COMPLAINT,
    state_field="state",
    states=tuple((s.value, s.label) for s in ComplaintState),
    initial=S.OPEN,
    description=_(
        "A complaint is received, assessed for reportability (which computes each regulatory "
        "report's deadline from the reporting rules), investigated, and closed by QA's "
        "signature."
    ),
    transitions=(
        workflow.Transition(
            name=ASSESS,
            sources=(S.OPEN,),
            target=S.ASSESSED,
            permission=ASSESS_PERMISSION,
            label=_("Assess reportability"),
            event=events.COMPLAINT_ASSESSED,
            automatic=True,
        ),
        workflow.Transition(
            name=INVESTIGATE,
            sources=(S.ASSESSED,),
            target=S.INVESTIGATING,
            permission=INVESTIGATE_PERMISSION,
            label=_("Investigation recorded"),
            event=events.COMPLAINT_INVESTIGATED,
            automatic=True,
        ),
        workflow.Transition(
            name=CLOSE,
            sources=(S.ASSESSED, S.INVESTIGATING),
            target=S.CLOSED,
            permission=CLOSE_PERMISSION,
            signature=CLOSED,
            reason_required=True,
            label=_("Close complaint"),
            event=events.COMPLAINT_CLOSED,
        ),
    ),
)


def register() -> None:
    signatures.register(POLICY)
    workflow.register(WORKFLOW)
