"""BOM versions approved and retired by electronic signature (:mod:`mederp.catalog.bom_approval`;
ISO 13485 §4.2.4; 21 CFR 820.181, 11.50, 11.70; CM-01, CM-05; ES-12, ES-13).

Approval is refused while anything in :func:`~mederp.catalog.bom_selectors.approval_problems`
holds: no components, a finished product that is not an approved (首营品种), lot- or
serial-tracked device, an effective date in the past or already taken by another approved
version, or a line that breaks a component rule (itself, a cycle, the wrong unit). Those are
judged before the signer re-authenticates (a blocked version costs no password attempt) and
again under the lock. The approval fixes the day the version takes effect (the approver's date,
else the drafted one, else today) and signs it as part of the content.

Retiring a version (obsolete) is signed with a reason; production stops citing it
(:func:`mederp.catalog.selectors.bom_is_usable`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.utils.translation import gettext as _

from mederp.catalog import bom_approval, bom_rules, bom_selectors, selectors
from mederp.catalog.locks import lock_bom
from mederp.catalog.models import BillOfMaterials
from mederp.core import audit, canonical, clock, workflow
from mederp.core.actors import Actor
from mederp.core.errors import DomainError, NotFound, field_errors

Around = Callable[[Callable[[], BillOfMaterials]], Any]


def _read(bom_id: int) -> BillOfMaterials:
    bom = BillOfMaterials.objects.select_related("product").filter(pk=bom_id).first()
    if bom is None:
        raise NotFound(record_type="BillOfMaterials", record_id=bom_id)
    return bom


def _possible(actor: Actor, bom: BillOfMaterials, name: str) -> bool:
    try:
        workflow.check(actor, bom, name)
    except DomainError:
        return False
    return True


def check_approvable(bom: BillOfMaterials, effective_from: dt.date | None = None) -> None:
    """Raise the first thing that blocks approving ``bom`` now (nothing is written)."""
    problems = bom_selectors.approval_problems(bom, selectors.business_date(), effective_from)
    if problems:
        raise problems[0]


def _stamp(actor: Actor, bom: BillOfMaterials, values: dict[str, Any], reason: str) -> None:
    """The approval's (or retirement's) own facts, written with the step under the lock and
    before the signature, which covers the effective date. Audited as part of the transition,
    not as an edit: the approver does not become an author of what they approve."""
    before = canonical.snapshot(bom, fields=list(values))
    for name, value in values.items():
        setattr(bom, name, value)
    bom.save(update_fields=list(values))
    changes = canonical.diff(before, canonical.snapshot(bom, fields=list(values)))
    audit.record(
        actor,
        action=workflow.TRANSITION,
        instance=bom,
        changes=changes,
        reason=reason,
        require_reason=False,
    )


def transition_bom(
    actor: Actor,
    bom_id: int,
    name: str,
    *,
    reason: str = "",
    password: str | None = None,
    totp: str | None = None,
    session_key: str | None = None,
    effective_from: dt.date | None = None,
    around: Around | None = None,
) -> Any:
    """Apply workflow transition ``name`` (approve, obsolete) to a BOM version, signed with
    ``password`` (and ``totp`` when the session requires it). ``effective_from`` is the
    approver's date (approve only). Returns the version, or what ``around`` returned."""
    approving = name == bom_approval.APPROVE
    if effective_from is not None and (
        not isinstance(effective_from, dt.date) or isinstance(effective_from, dt.datetime)
    ):
        raise field_errors({"effective_from": [_("Enter a date.")]})
    credentials = (
        workflow.Credentials(password=password, totp=totp, session_key=session_key)
        if password is not None
        else None
    )

    def load() -> BillOfMaterials:
        bom = _read(bom_id)
        # A step the actor may not take, or not now, is refused (and security-logged) by the
        # workflow itself; the approval rules speak only to a step that could happen.
        if approving and _possible(actor, bom, name):
            check_approvable(bom, effective_from)
        return bom

    def lock() -> BillOfMaterials:
        bom = lock_bom(bom_id, with_product=True)
        if not _possible(actor, bom, name):
            return bom  # the transition refuses it with its own code
        now = clock.now()
        if approving:
            check_approvable(bom, effective_from)
            day = bom_rules.chosen_effective_from(
                effective_from, bom.effective_from, selectors.business_date()
            )
            _stamp(actor, bom, {"effective_from": day, "approved_at": now}, reason)
        else:
            _stamp(actor, bom, {"obsoleted_at": now}, reason)
        return bom

    return workflow.perform(
        actor,
        name,
        load=load,
        lock=lock,
        reason=reason,
        credentials=credentials,
        around=around,
    )


def approve_bom(
    actor: Actor,
    bom_id: int,
    *,
    password: str,
    totp: str | None = None,
    reason: str = "",
    session_key: str | None = None,
    effective_from: dt.date | None = None,
) -> BillOfMaterials:
    """Approve a draft version by signing it "approved" (11.50). Whoever created it or changed
    its content may not (segregation of duties). It takes effect on ``effective_from`` (today
    or later), else on its drafted date, else today."""
    result: BillOfMaterials = transition_bom(
        actor,
        bom_id,
        bom_approval.APPROVE,
        reason=reason,
        password=password,
        totp=totp,
        session_key=session_key,
        effective_from=effective_from,
    )
    return result


def obsolete_bom(
    actor: Actor,
    bom_id: int,
    *,
    password: str,
    reason: str,
    totp: str | None = None,
    session_key: str | None = None,
) -> BillOfMaterials:
    """Retire an approved version, signed "obsoleted" with a reason (CM-05): no new work order
    may cite it."""
    result: BillOfMaterials = transition_bom(
        actor,
        bom_id,
        bom_approval.OBSOLETE,
        reason=reason,
        password=password,
        totp=totp,
        session_key=session_key,
    )
    return result
