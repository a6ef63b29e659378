"""A deviation's life and its approval signature (ISO 13485 §8.2.6, §4.2.4; 21 CFR 11.50,
11.70; ES-12). Code, versioned in git, registered at start-up (``DispositionConfig.ready``;
AT-13).

draft → approved (QA's signature, meaning ``approved``; the requester, or whoever changed the
draft, may not approve it: :class:`AuthorCannotSign`) → closed (it served its purpose) or
cancelled (from draft or approved). Closing and cancelling need a reason, no signature: ending a
waiver only makes the gate stricter.

The signed content is the deviation itself: what it waives on which lot or serial, why, and the
risk assessment.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from mederp.core import signatures, workflow
from mederp.core.signing_rules import AuthorCannotSign
from mederp.quality.disposition import events
from mederp.quality.disposition.models import Deviation, DeviationState

DEVIATION = "disposition.deviation"
APPROVED = "approved"
REQUEST_PERMISSION = "disposition.add_deviation"
APPROVE_PERMISSION = "disposition.approve_deviation"
CLOSE_PERMISSION = "disposition.close_deviation"
VIEW_PERMISSION = "disposition.view_deviation"

APPROVE, CLOSE, CANCEL = "approve", "close", "cancel"
S = DeviationState


def deviation_content(record: models.Model) -> dict[str, Any]:
    """What the approval signs."""
    assert isinstance(record, Deviation)
    return {
        "number": record.number,
        "product": record.product.code,
        "lot": record.lot.number if record.lot is not None else None,
        "serial": record.serial.serial_number if record.serial is not None else None,
        "inspection_id": record.inspection_id,
        "inspection_number": record.inspection_number,
        "stage": record.stage,
        "reason": record.reason,
        "justification": record.justification,
        "risk_assessment": record.risk_assessment,
    }


POLICY = signatures.SigningPolicy(
    record_type=DEVIATION,
    meanings={APPROVED: APPROVE_PERMISSION},
    content=deviation_content,
    rules=(AuthorCannotSign(frozenset({APPROVED})),),
    description=_(
        "Deviations: QA approves by signature a documented departure from an inspection a lot "
        "or serial needs before release (not the person who requested it)."
    ),
)

WORKFLOW = workflow.Workflow(
    record_type=DEVIATION,
    state_field="state",
    states=tuple((s.value, s.label) for s in DeviationState),
    initial=S.DRAFT,
    description=_(
        "A deviation is requested as a draft, approved by QA's signature (not the requester's), "
        "and while approved lets the disposition gate pass over the inspection it waives. It "
        "is closed when it served its purpose, or cancelled; either ends the waiver."
    ),
    transitions=(
        workflow.Transition(
            name=APPROVE,
            sources=(S.DRAFT,),
            target=S.APPROVED,
            permission=APPROVE_PERMISSION,
            signature=APPROVED,
            label=_("Approve deviation"),
            event=events.DEVIATION_APPROVED,
        ),
        workflow.Transition(
            name=CLOSE,
            sources=(S.APPROVED,),
            target=S.CLOSED,
            permission=CLOSE_PERMISSION,
            reason_required=True,
            label=_("Close deviation"),
            event=events.DEVIATION_CLOSED,
        ),
        workflow.Transition(
            name=CANCEL,
            sources=(S.DRAFT, S.APPROVED),
            target=S.CANCELLED,
            permission=CLOSE_PERMISSION,
            reason_required=True,
            label=_("Cancel deviation"),
            event=events.DEVIATION_CANCELLED,
        ),
    ),
)


def register() -> None:
    signatures.register(POLICY)
    workflow.register(WORKFLOW)
