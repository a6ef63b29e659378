"""Closing a recall by signature (RC-06; 21 CFR 7.55 termination; 11.50, 11.70; ES-12).

Signed ``closed`` by someone other than the opener (:class:`DistinctSigners` over the unchanged
decision), with the closing assessment as the reason, once every consignee line was notified.
The effectiveness at that moment (returned and accounted for / shipped) is fixed on the recall.
Re-authentication runs before the transaction, so a refusal leaves only its security-log record.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import transaction

from mederp.compliance.errors import RecallNotNotified
from mederp.compliance.locks import lock_recall
from mederp.compliance.models import Recall, RecallLine
from mederp.compliance.recall_approval import CLOSE, CLOSED
from mederp.compliance.services.recall_tracking import effectiveness
from mederp.core import audit, clock, signatures, workflow
from mederp.core.actors import Actor
from mederp.core.errors import NotFound

Around = Callable[[Callable[[], Recall]], Any]


def _load(recall_id: int) -> Recall:
    found = Recall.objects.filter(pk=recall_id).first()
    if found is None:
        raise NotFound(record_type="Recall", record_id=recall_id)
    return found


def _closable(actor: Actor, recall: Recall, reason: str) -> None:
    workflow.check(actor, recall, CLOSE)
    if not (reason or "").strip():
        raise workflow.TransitionReasonRequired(transition=str(_t().label), field="reason")
    waiting = RecallLine.objects.filter(recall_id=recall.pk, notified_at__isnull=True).count()
    if waiting:
        raise RecallNotNotified(count=waiting, recall=recall.number)


def _t() -> workflow.Transition:
    return workflow.workflow_for("compliance.recall").get(CLOSE)


def close_recall(
    actor: Actor,
    recall_id: int,
    *,
    password: str,
    reason: str,
    totp: str | None = None,
    session_key: str | None = None,
    around: Around | None = None,
) -> Any:
    """Close an open recall, signed ``closed`` (permission ``compliance.close_recall``) with
    the closing assessment as ``reason``. Refused: the opener (``signatures.sod_distinct_signers``),
    a consignee not notified (``compliance.recall_not_notified``), a closed recall
    (``workflow.wrong_state``), no reason, wrong credentials. Returns the recall, or what
    ``around`` returned."""
    found = _load(recall_id)
    signer = signatures.authenticate(
        found,
        CLOSED,
        actor.user,
        password,
        totp,
        reason=reason,
        session_key=session_key,
        also=lambda: _closable(actor, found, reason),
    )

    def work() -> Recall:
        with transaction.atomic():
            recall = lock_recall(recall_id)
            _closable(actor, recall, reason)
            sig = workflow.transition(actor, recall, CLOSE, reason=reason, signer=signer)
            accounted, _shipped, ratio = effectiveness(recall)
            recall.closed_at = clock.now()
            recall.closed_by = actor.user
            recall.closed_by_name = actor.name[:200]
            recall.close_signature = sig
            recall.close_reason = reason.strip()
            recall.accounted_quantity = accounted
            recall.effectiveness = ratio
            recall.save(
                update_fields=[
                    "closed_at",
                    "closed_by",
                    "closed_by_name",
                    "close_signature",
                    "close_reason",
                    "accounted_quantity",
                    "effectiveness",
                ]
            )
            audit.record(
                actor,
                action=audit.UPDATE,
                instance=recall,
                changes={
                    "closed_at": [None, recall.closed_at.isoformat()],
                    "close_signature": [None, sig.pk if sig else None],
                    "accounted_quantity": [None, str(accounted)],
                    "effectiveness": [None, None if ratio is None else str(ratio)],
                },
                reason=reason,
            )
            return recall

    with signatures.refusals_recorded(found, CLOSED, actor.user):
        return work() if around is None else around(work)
