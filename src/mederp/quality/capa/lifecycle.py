"""The CAPA's life and its closing signature (QE-07; ISO 13485 §8.5.2 f), §8.5.3 e);
21 CFR 11.50, 11.70; ES-12). Code, versioned in git, registered at start-up
(``CapaConfig.ready``; AT-13).

open → investigating (by itself, when the root cause is recorded) → implementing (by itself, at
the first action) → verifying (every action done) → closed (QA's signature, meaning ``closed``).
A "not effective" check sends a verifying CAPA back to implementing. Any CAPA not closed may be
cancelled, with a reason.

Closing is guarded (:func:`closing_guard`): it is refused without a recorded effectiveness check
that found the actions effective, or with an action still open, before the signature is asked
for and again, locked, inside the transaction. The signature covers the whole record: problem,
root cause, actions and the effectiveness check.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from mederp.core import canonical, signatures, workflow
from mederp.core.actors import Actor
from mederp.quality.capa import events
from mederp.quality.capa.errors import ActionsOpen, EffectivenessCheckMissing
from mederp.quality.capa.models import Capa, CapaState, Effectiveness

CAPA = "capa.capa"
CLOSED = "closed"
CLOSE_PERMISSION = "capa.close_capa"
CHANGE_PERMISSION = "capa.change_capa"

INVESTIGATE, IMPLEMENT, VERIFY, CLOSE, CANCEL = (
    "investigate",
    "implement",
    "verify",
    "close",
    "cancel",
)
S = CapaState


def capa_content(capa: models.Model) -> dict[str, Any]:
    """What closing signs: the CAPA as it stands (QE-07)."""
    assert isinstance(capa, Capa)
    return {
        "number": capa.number,
        "kind": capa.kind,
        "title": capa.title,
        "problem": capa.problem,
        "root_cause": capa.root_cause,
        "root_cause_method": capa.root_cause_method,
        "actions": [
            {
                "id": a.pk,
                "kind": a.kind,
                "description": a.description,
                "owner_id": a.owner_id,
                "due_date": canonical.to_json_value(a.due_date),
                "done_at": canonical.to_json_value(a.done_at),
                "evidence": a.evidence,
            }
            for a in capa.actions.order_by("pk")
        ],
        "links": [[link.kind, link.ref_id, link.ref_number] for link in capa.links.order_by("pk")],
        "effectiveness": {
            "criteria": capa.effectiveness_criteria,
            "result": capa.effectiveness_result,
            "evidence": capa.effectiveness_evidence,
            "checked_by_id": capa.effectiveness_checked_by_id,
            "checked_at": canonical.to_json_value(capa.effectiveness_checked_at),
        },
    }


def closing_guard(actor: Actor, record: models.Model) -> None:
    """Refuse to close without an effective effectiveness check or with open actions
    (ISO 13485 §8.5.2 f): "verifying that the corrective action ... is effective")."""
    assert isinstance(record, Capa)
    if record.effectiveness_result != Effectiveness.EFFECTIVE:
        raise EffectivenessCheckMissing(capa=record.number)
    open_count = record.actions.filter(done_at__isnull=True).count()
    if open_count:
        raise ActionsOpen(capa=record.number, count=open_count)


POLICY = signatures.SigningPolicy(
    record_type=CAPA,
    meanings={CLOSED: CLOSE_PERMISSION},
    content=capa_content,
    description=_(
        "CAPAs: QA closes a CAPA by signature once its actions are done and their "
        "effectiveness was checked; the signature covers problem, root cause, actions and "
        "the check."
    ),
)

_ACTIVE = (S.OPEN, S.INVESTIGATING, S.IMPLEMENTING, S.VERIFYING)

WORKFLOW = workflow.Workflow(
    record_type=CAPA,
    state_field="state",
    states=tuple((s.value, s.label) for s in CapaState),
    initial=S.OPEN,
    description=_(
        "A CAPA is investigated (root cause), implemented (actions with owners and due dates), "
        "verified (every action done, effectiveness checked) and closed by QA's signature."
    ),
    transitions=(
        workflow.Transition(
            name=INVESTIGATE,
            sources=(S.OPEN,),
            target=S.INVESTIGATING,
            permission=None,
            label=_("Start investigation"),
            event=events.CAPA_INVESTIGATION_STARTED,
            automatic=True,
        ),
        workflow.Transition(
            name=IMPLEMENT,
            sources=(S.INVESTIGATING, S.VERIFYING),
            target=S.IMPLEMENTING,
            permission=None,
            label=_("Start implementation"),
            event=events.CAPA_IMPLEMENTATION_STARTED,
            automatic=True,
        ),
        workflow.Transition(
            name=VERIFY,
            sources=(S.IMPLEMENTING,),
            target=S.VERIFYING,
            permission=CHANGE_PERMISSION,
            label=_("Start verification"),
            event=events.CAPA_VERIFICATION_STARTED,
            automatic=True,
        ),
        workflow.Transition(
            name=CLOSE,
            # Every active state, so that closing too early is refused by the guard with what
            # is missing (capa.effectiveness_check_missing) rather than only the state.
            sources=_ACTIVE,
            target=S.CLOSED,
            permission=CLOSE_PERMISSION,
            signature=CLOSED,
            label=_("Close CAPA"),
            event=events.CAPA_CLOSED,
        ),
        workflow.Transition(
            name=CANCEL,
            sources=_ACTIVE,
            target=S.CANCELLED,
            permission=CHANGE_PERMISSION,
            reason_required=True,
            label=_("Cancel CAPA"),
            event=events.CAPA_CANCELLED,
        ),
    ),
)


def register() -> None:
    signatures.register(POLICY)
    workflow.register(WORKFLOW)
    workflow.add_guard(CAPA, CLOSE, closing_guard)
