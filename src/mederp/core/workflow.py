"""Approval workflows: a small declarative state machine per document type (ES-12; 21 CFR
11.10(f), (g); ISO 13485 §4.2.4; GSP 首营 approval).

A :class:`Workflow` names the record's state field, its states and its transitions; each
:class:`Transition` says from which states it leads where, the permission it needs, the
signature meaning it requires (or none) and whether it needs a reason. Definitions are code,
versioned in git and registered at start-up by the app that owns the record type (AT-13); the
auditor reads them on the workflows page and at ``GET /api/v1/core/workflows``.

:func:`transition` applies one transition inside the service's transaction, the record locked:
it checks the state (wrong state: 409 ``workflow.wrong_state``), the permission and the reason,
records the signature when one is required, changes the state, and writes the audit entry
(action ``transition``, ``{state_field: [old, new]}``) and the transition's event.

:func:`perform` is the whole use case for one record: for a signed transition it first
re-authenticates the signer outside any transaction (:func:`mederp.core.signatures.authenticate`,
with the state and permission checked too, so a refusal is security-logged), then runs the
transition in one transaction around which a refused signature is logged after the rollback.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.db import models, transaction
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from mederp.core import audit, outbox, signatures
from mederp.core.actors import Actor
from mederp.core.errors import Conflict, DomainError, PermissionDenied, ValidationFailed
from mederp.core.models import Signature

TRANSITION = "transition"  # the audit action

M = TypeVar("M", bound=models.Model)


class WrongState(Conflict):
    code = "workflow.wrong_state"
    message = _("{record} is {state}: {transition} is possible only from {allowed}.")


class UnknownTransition(ValidationFailed):
    code = "workflow.unknown_transition"
    message = _("{record_type} has no transition {transition}.")


class TransitionReasonRequired(ValidationFailed):
    code = "workflow.reason_required"
    message = _("Give a reason for {transition}.")


class SignatureRequired(ValidationFailed):
    code = "workflow.signature_required"
    message = _("{transition} needs an electronic signature: enter your password.")


@dataclass(frozen=True)
class Transition:
    name: str
    sources: tuple[str, ...]
    target: str
    # The permission the actor needs; None for a transition that follows from a change the
    # service already authorised (an approved record edited goes back to review).
    permission: str | None
    label: str | Promise
    event: str
    signature: str | None = None  # the meaning of the signature it requires
    reason_required: bool = False
    # Applied by services as a consequence of something else, never offered as a button.
    automatic: bool = False


@dataclass(frozen=True)
class Workflow:
    record_type: str
    state_field: str
    states: tuple[tuple[str, str | Promise], ...]
    initial: str
    transitions: tuple[Transition, ...]
    description: str | Promise = ""
    _by_name: dict[str, Transition] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        self._by_name.update({t.name: t for t in self.transitions})
        names = {s for s, _label in self.states}
        for t in self.transitions:
            unknown = (set(t.sources) | {t.target}) - names
            if unknown:
                raise ValueError(f"{self.record_type}.{t.name}: unknown states {unknown}")

    def get(self, name: str) -> Transition:
        found = self._by_name.get(name)
        if found is None:
            raise UnknownTransition(record_type=self.record_type, transition=name)
        return found

    def state_label(self, state: str) -> str:
        return str(dict(self.states).get(state, state))

    def state_of(self, record: models.Model) -> str:
        return str(getattr(record, self.state_field))


_WORKFLOWS: dict[str, Workflow] = {}

#: A guard is a precondition another app puts on a transition it does not own: quality's
#: inspections gate inventory's release of a lot (ISO 13485 §8.2.6). It raises a DomainError to
#: refuse; it is called with the record before the signature is asked for and again, locked,
#: inside the transaction, so it must only read.
Guard = Callable[[Actor, models.Model], None]
_GUARDS: dict[tuple[str, str], list[Guard]] = {}


def register(workflow: Workflow) -> None:
    _WORKFLOWS[workflow.record_type] = workflow


def add_guard(record_type: str, transition_name: str, guard: Guard) -> None:
    """Make ``guard`` a precondition of ``transition_name`` on ``record_type`` (idempotent, so
    an app's ``ready`` may run twice in tests)."""
    guards = _GUARDS.setdefault((record_type, transition_name), [])
    if guard not in guards:
        guards.append(guard)


def guards_of(record_type: str, transition_name: str) -> tuple[Guard, ...]:
    return tuple(_GUARDS.get((record_type, transition_name), ()))


def run_guards(actor: Actor, record: models.Model, name: str) -> None:
    """Raise the first refusal of the guards other apps put on ``name`` for ``record``."""
    for guard in guards_of(audit.record_type_of(record), name):
        guard(actor, record)


def workflows() -> list[Workflow]:
    return [_WORKFLOWS[k] for k in sorted(_WORKFLOWS)]


def workflow_for(record: models.Model | str) -> Workflow:
    record_type = audit.record_type_of(record) if not isinstance(record, str) else record
    found = _WORKFLOWS.get(record_type)
    if found is None:
        raise LookupError(f"no workflow registered for {record_type}")
    return found


def check(actor: Actor, record: models.Model, name: str) -> Transition:
    """Whether ``actor`` may apply ``name`` to ``record`` now; raises the coded refusal."""
    wf = workflow_for(record)
    t = wf.get(name)
    state = wf.state_of(record)
    if state not in t.sources:
        raise WrongState(
            record=str(record),
            state=wf.state_label(state),
            transition=str(t.label),
            allowed=", ".join(wf.state_label(s) for s in t.sources),
            current=state,
        )
    if t.permission is not None and not actor.has_perm(t.permission):
        raise PermissionDenied(permissions=[t.permission])
    return t


def available(actor: Actor, record: models.Model) -> list[Transition]:
    """The transitions ``actor`` may offer on ``record`` now (the buttons to show)."""
    wf = workflow_for(record)
    result = []
    for t in wf.transitions:
        if t.automatic:
            continue
        try:
            check(actor, record, t.name)
        except DomainError:
            continue
        result.append(t)
    return result


def transition(
    actor: Actor,
    record: M,
    name: str,
    *,
    reason: str = "",
    signer: signatures.Signer | None = None,
) -> Signature | None:
    """Apply ``name`` to the locked ``record`` inside the caller's transaction; return the
    signature it recorded, if it required one."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("workflow.transition() must run inside the service's transaction")
    wf = workflow_for(record)
    t = check(actor, record, name)
    reason = (reason or "").strip()
    if t.reason_required and not reason:
        raise TransitionReasonRequired(transition=str(t.label), field="reason")
    run_guards(actor, record, name)
    sig = None
    if t.signature is not None:
        if signer is None:
            raise SignatureRequired(transition=str(t.label))
        sig = signatures.record(record, t.signature, signer, reason=reason)
    old = wf.state_of(record)
    setattr(record, wf.state_field, t.target)
    update_fields = [wf.state_field]
    if hasattr(record, "version"):
        record.version += 1
        update_fields.append("version")
    record.save(update_fields=update_fields)
    audit.record(
        actor,
        action=TRANSITION,
        instance=record,
        changes={wf.state_field: [old, t.target]},
        reason=reason,
        require_reason=False,
    )
    outbox.emit(
        actor,
        t.event,
        aggregate_type=wf.record_type,
        aggregate_id=record.pk,
        payload={
            "id": record.pk,
            "transition": t.name,
            "from": old,
            "to": t.target,
            "signature_id": sig.pk if sig is not None else None,
            "reason": reason,
        },
    )
    return sig


@dataclass(frozen=True)
class Credentials:
    """What the sign dialog or the API body carries for a signed transition."""

    password: str
    totp: str | None = None
    session_key: str | None = None


def perform(
    actor: Actor,
    name: str,
    *,
    load: Callable[[], M],
    lock: Callable[[], M],
    reason: str = "",
    credentials: Credentials | None = None,
    around: Callable[[Callable[[], M]], Any] | None = None,
) -> Any:
    """One transition as a use case. ``load`` reads the record, ``lock`` reads it under its
    row lock; ``around`` wraps the transactional step (the API's idempotency guard) and its
    result is returned; without it, the changed record is returned.

    Signed transitions authenticate first, outside any transaction, so a wrong password or a
    refusal leaves its security-log record (ES-13) and nothing else.
    """
    record = load()
    t = workflow_for(record).get(name)
    signer = None
    if t.signature is not None:
        creds = credentials or Credentials(password="")
        signer = signatures.authenticate(
            record,
            t.signature,
            actor.user,
            creds.password,
            creds.totp,
            reason=reason,
            session_key=creds.session_key,
            also=lambda: _precheck(actor, record, t, reason),
        )

    def work() -> M:
        with transaction.atomic():
            locked = lock()
            transition(actor, locked, name, reason=reason, signer=signer)
            return locked

    step: Callable[[], Any] = work if around is None else (lambda: around(work))
    if signer is None:
        return step()
    with signatures.refusals_recorded(record, t.signature or "", actor.user):
        return step()


def _precheck(actor: Actor, record: models.Model, t: Transition, reason: str) -> None:
    check(actor, record, t.name)
    if t.reason_required and not (reason or "").strip():
        raise TransitionReasonRequired(transition=str(t.label), field="reason")
    run_guards(actor, record, t.name)


def describe(wf: Workflow) -> dict[str, Any]:
    """The definition as data, for the auditor's page and the API (AT-13)."""
    policy = signatures.policy_for(wf.record_type)
    return {
        "record_type": wf.record_type,
        "description": str(wf.description),
        "state_field": wf.state_field,
        "initial": wf.initial,
        "states": [{"name": s, "label": str(label)} for s, label in wf.states],
        "transitions": [
            {
                "name": t.name,
                "label": str(t.label),
                "from": list(t.sources),
                "to": t.target,
                "permission": t.permission,
                "signature": t.signature,
                "reason_required": t.reason_required
                or (policy is not None and t.signature in policy.reasons),
                "automatic": t.automatic,
                "event": t.event,
            }
            for t in wf.transitions
        ],
        "signing": None
        if policy is None
        else {
            "meanings": dict(policy.meanings),
            "reasons_required": sorted(policy.reasons & set(policy.meanings)),
            "rules": policy.rule_descriptions(),
        },
    }
