"""Opening and closing a recall by electronic signature (RC-05, RC-06; 21 CFR 11.50, 11.70;
ES-12; 医疗器械召回管理办法).

Code, versioned in git (AT-13), registered at start-up (``ComplianceConfig.ready``). The signed
content is the decision: number, class, reason, decision date and the named lots and serials.
It does not change while the recall runs, so the opener's signature stays valid to the end and
the closing signature covers the same content: that is what lets :class:`DistinctSigners`
refuse the opener as the closer (segregation of duties). What happened in between (the list,
its tracking, the effectiveness at closing) is recorded beside the content, audited.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from mederp.compliance import events
from mederp.compliance.models import Recall, RecallState
from mederp.core import canonical, signatures, workflow
from mederp.core.signing_rules import DistinctSigners

RECALL = "compliance.recall"
OPEN_PERMISSION = "compliance.open_recall"
TRACK_PERMISSION = "compliance.track_recall"
CLOSE_PERMISSION = "compliance.close_recall"
VIEW_PERMISSION = "compliance.view_recall"

OPENED, CLOSED = "opened", "closed"
CLOSE = "close"


def recall_content(recall: models.Model) -> dict[str, Any]:
    """What both signatures sign: the recall decision (read from the row alone, so it can be
    checked before the row exists, when the opener authenticates)."""
    assert isinstance(recall, Recall)
    return {
        "number": recall.number,
        "classification": recall.classification,
        "reason": recall.reason,
        "decision_date": canonical.to_json_value(recall.decision_date),
        "scope": recall.scope_summary,
    }


POLICY = signatures.SigningPolicy(
    record_type=RECALL,
    meanings={OPENED: OPEN_PERMISSION, CLOSED: CLOSE_PERMISSION},
    content=recall_content,
    rules=(DistinctSigners(OPENED, CLOSED),),
    description=_(
        "Recalls: the decision (class, reason, decision date, named lots and serials) is signed "
        "when the recall opens and again, by someone else, when it closes."
    ),
)

WORKFLOW = workflow.Workflow(
    record_type=RECALL,
    state_field="state",
    states=tuple((s.value, s.label) for s in RecallState),
    initial=RecallState.OPEN,
    description=_(
        "A recall opens by signature and holds every affected lot and serial at once; it "
        "closes by another person's signature once every consignee was notified, with the "
        "effectiveness (returned and accounted for / shipped) recorded."
    ),
    transitions=(
        workflow.Transition(
            name=CLOSE,
            sources=(RecallState.OPEN,),
            target=RecallState.CLOSED,
            permission=CLOSE_PERMISSION,
            signature=CLOSED,
            reason_required=True,
            label=_("Close recall"),
            event=events.RECALL_CLOSED,
        ),
    ),
)


def register() -> None:
    signatures.register(POLICY)
    workflow.register(WORKFLOW)
    # The manifestation's wording of the opening meaning (11.50(a)(3)); core knows the rest.
    signatures.MEANING_LABELS.setdefault(OPENED, _("Opened (recall initiated)"))
