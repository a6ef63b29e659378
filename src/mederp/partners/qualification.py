"""首营企业 approval use cases: submit, approve, reject, suspend and resubmit a partner's
qualification, by electronic signature where the workflow says so (:mod:`.approval`; ES-12,
21 CFR 11.50, 11.70, 11.200). Part of the partner services (re-exported by ``services``).

Signed transitions re-authenticate the signer before their transaction opens, so every refusal
leaves nothing but its security-log record (ES-13). ``around`` lets the API run the
transactional step inside its idempotency guard.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import transaction

from mederp.core import signatures, workflow
from mederp.core.actors import Actor
from mederp.core.errors import NotFound
from mederp.partners import approval
from mederp.partners.locks import lock_partner
from mederp.partners.models import Partner

Around = Callable[[Callable[[], Partner]], Any]


def _load(partner_id: int) -> Callable[[], Partner]:
    def load() -> Partner:
        partner = Partner.objects.filter(pk=partner_id).first()
        if partner is None:
            raise NotFound(record_type="Partner", record_id=partner_id)
        return partner

    return load


def transition_partner(
    actor: Actor,
    partner_id: int,
    name: str,
    *,
    reason: str = "",
    password: str | None = None,
    totp: str | None = None,
    session_key: str | None = None,
    around: Around | None = None,
) -> Any:
    """Apply qualification transition ``name`` (submit, approve, reject, suspend, resubmit).

    Returns the partner, or what ``around`` returned. Signed transitions need ``password``
    (and ``totp`` when the session requires it)."""
    credentials = (
        workflow.Credentials(password=password, totp=totp, session_key=session_key)
        if password is not None
        else None
    )
    return workflow.perform(
        actor,
        name,
        load=_load(partner_id),
        lock=lambda: lock_partner(partner_id),
        reason=reason,
        credentials=credentials,
        around=around,
    )


def submit_partner(actor: Actor, partner_id: int, *, reason: str = "") -> Partner:
    """Send a partner's qualification (identity and documents) to QA for approval."""
    result: Partner = transition_partner(actor, partner_id, approval.SUBMIT, reason=reason)
    return result


def approve_partner(
    actor: Actor,
    partner_id: int,
    *,
    password: str,
    totp: str | None = None,
    reason: str = "",
    session_key: str | None = None,
) -> Partner:
    """Approve a partner's qualification by signing it "approved". Whoever created the partner
    or changed its data or documents since the last approval may not (segregation of duties)."""
    result: Partner = transition_partner(
        actor,
        partner_id,
        approval.APPROVE,
        reason=reason,
        password=password,
        totp=totp,
        session_key=session_key,
    )
    return result


def reject_partner(
    actor: Actor,
    partner_id: int,
    *,
    password: str,
    reason: str,
    totp: str | None = None,
    session_key: str | None = None,
) -> Partner:
    result: Partner = transition_partner(
        actor,
        partner_id,
        approval.REJECT,
        reason=reason,
        password=password,
        totp=totp,
        session_key=session_key,
    )
    return result


def suspend_partner(
    actor: Actor,
    partner_id: int,
    *,
    password: str,
    reason: str,
    totp: str | None = None,
    session_key: str | None = None,
) -> Partner:
    """Suspend an approved partner (a licence revoked, a failed audit), signed with a reason."""
    result: Partner = transition_partner(
        actor,
        partner_id,
        approval.SUSPEND,
        reason=reason,
        password=password,
        totp=totp,
        session_key=session_key,
    )
    return result


def reopen_if_changed(actor: Actor, partner: Partner, *, reason: str) -> bool:
    """Inside an edit's transaction (partner locked): an approved partner whose data or
    documents no longer match the approval goes back to review, with its own audit entry.
    The signature stays (append-only) and shows invalid. Returns whether it went back."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("reopen_if_changed() runs inside the edit's transaction")
    if partner.qualification_state != Partner.QualificationState.APPROVED:
        return False
    if signatures.latest_valid(partner, "approved"):
        return False
    workflow.transition(actor, partner, approval.REOPEN, reason=reason)
    return True
