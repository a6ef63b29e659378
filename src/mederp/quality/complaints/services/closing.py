"""Investigating and closing a complaint (21 CFR 820.35(a)(4)-(7): correction, reply, the
investigation or the justification for none; 11.50, 11.70; QE-02, QE-08).

Closing is signed ``closed`` by QA; it is refused while a regulatory report is not submitted or
no investigation and no justification is recorded. Re-authentication runs before the
transaction, so a refusal leaves only its security-log record.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from mederp.core import audit, canonical, clock, outbox, signatures, workflow
from mederp.core.actors import Actor
from mederp.core.services import authorize
from mederp.quality.complaints import errors, events
from mederp.quality.complaints.closure import (
    CLOSE,
    CLOSED,
    COMPLAINT,
    INVESTIGATE,
    INVESTIGATE_PERMISSION,
)
from mederp.quality.complaints.locks import lock_complaint
from mederp.quality.complaints.models import Complaint, ComplaintState, RegulatoryReport
from mederp.quality.complaints.services.common import complaint_id, load, not_closed

Around = Callable[[Callable[[], Complaint]], Any]
TEXT_FIELDS = ("investigation", "no_investigation_justification", "correction", "reply")


def _assessed(c: Complaint) -> None:
    not_closed(c)
    if c.state == ComplaintState.OPEN:
        raise errors.NotAssessed(complaint=c.number)


def record_investigation(
    actor: Actor,
    complaint: Complaint | int,
    *,
    investigation: str | None = None,
    no_investigation_justification: str | None = None,
    correction: str | None = None,
    reply: str | None = None,
    reason: str = "",
) -> Complaint:
    """Record the investigation (or the justification for not investigating), the correction
    or corrective action and the reply to the complainant (permission
    ``complaints.investigate_complaint``); ``None`` leaves a field as it is. The first
    investigation text moves an assessed complaint to ``investigating``. Refused: a complaint
    not yet assessed (``complaints.not_assessed``) or closed."""
    authorize(actor, INVESTIGATE_PERMISSION)
    given = {
        "investigation": investigation,
        "no_investigation_justification": no_investigation_justification,
        "correction": correction,
        "reply": reply,
    }
    with transaction.atomic():
        c = lock_complaint(complaint_id(complaint))
        _assessed(c)
        before = canonical.snapshot(c)
        for name, value in given.items():
            if value is not None:
                setattr(c, name, value.strip())
        changes = canonical.diff(before, canonical.snapshot(c))
        if not changes:
            return c
        c.version += 1
        c.save()
        audit.record(
            actor,
            action=audit.UPDATE,
            instance=c,
            changes=changes,
            reason=(reason or "").strip() or _("Investigation and reply recorded"),
        )
        outbox.emit(
            actor,
            events.COMPLAINT_UPDATED,
            aggregate_type=COMPLAINT,
            aggregate_id=c.pk,
            payload={"id": c.pk, "number": c.number, "changed": sorted(changes)},
        )
        if c.state == ComplaintState.ASSESSED and c.investigation:
            workflow.transition(actor, c, INVESTIGATE, reason=_("Investigation recorded"))
    return c


def outstanding(c: Complaint) -> list[RegulatoryReport]:
    return list(
        RegulatoryReport.objects.filter(complaint_id=c.pk, submitted_at__isnull=True).order_by(
            "due_at", "id"
        )
    )


def closable(actor: Actor, c: Complaint, reason: str = "") -> None:
    """Why ``c`` cannot be closed now, as the coded refusal (none: it can)."""
    workflow.check(actor, c, CLOSE)
    if not (reason or "").strip():
        t = workflow.workflow_for(COMPLAINT).get(CLOSE)
        raise workflow.TransitionReasonRequired(transition=str(t.label), field="reason")
    waiting = outstanding(c)
    if waiting:
        raise errors.ReportsOutstanding(
            count=len(waiting),
            complaint=c.number,
            reports=", ".join(f"{r.jurisdiction} {r.rule_code}" for r in waiting),
        )
    if not (c.investigation.strip() or c.no_investigation_justification.strip()):
        raise errors.InvestigationMissing(complaint=c.number, field="investigation")


def close_complaint(
    actor: Actor,
    complaint: Complaint | int,
    *,
    password: str,
    reason: str,
    totp: str | None = None,
    session_key: str | None = None,
    around: Around | None = None,
) -> Any:
    """Close an assessed or investigated complaint, signed ``closed`` (permission
    ``complaints.close_complaint``) with the closing summary as ``reason``. Refused: a report not
    submitted (``complaints.reports_outstanding``), no investigation and no justification
    (``complaints.investigation_missing``), a complaint not yet assessed or already closed
    (``workflow.wrong_state``), no reason, wrong credentials. Returns the complaint, or what
    ``around`` returned."""
    found = load(complaint)
    signer = signatures.authenticate(
        found,
        CLOSED,
        actor.user,
        password,
        totp,
        reason=reason,
        session_key=session_key,
        also=lambda: closable(actor, found, reason),
    )

    def work() -> Complaint:
        with transaction.atomic():
            c = lock_complaint(found.pk)
            closable(actor, c, reason)
            sig = workflow.transition(actor, c, CLOSE, reason=reason, signer=signer)
            c.closed_at = clock.now()
            c.closed_by_name = actor.name[:200]
            c.close_signature = sig
            c.save(update_fields=["closed_at", "closed_by_name", "close_signature"])
            audit.record(
                actor,
                action=audit.UPDATE,
                instance=c,
                changes={
                    "closed_at": [None, c.closed_at.isoformat()],
                    "close_signature": [None, sig.pk if sig else None],
                },
                reason=reason,
            )
            return c

    with signatures.refusals_recorded(found, CLOSED, actor.user):
        return work() if around is None else around(work)


__all__ = ["TEXT_FIELDS", "closable", "close_complaint", "outstanding", "record_investigation"]
