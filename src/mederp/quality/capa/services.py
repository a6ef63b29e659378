"""The CAPA use cases (QE-07; ISO 13485 §8.5.2, §8.5.3; 生产办法 第三十七条): the only code that
writes CAPAs. Each runs in one transaction: rows, audit entries and outbox events commit
together or not at all; a refusal writes nothing.

Lock order (``locks``): the CA number counter (opening only), then the CAPA, then its actions.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db import transaction

from mederp.catalog.selectors import business_date
from mederp.core import audit, canonical, clock, outbox, workflow
from mederp.core.actors import Actor
from mederp.core.numbering import next_number
from mederp.quality.capa import events, lifecycle
from mederp.quality.capa.errors import (
    ActionAlreadyDone,
    ActionsOpen,
    CapaWrongState,
    DueDateInPast,
    FieldRequired,
    LinkDuplicate,
    NewActionNeeded,
    NoActions,
    NotActionOwner,
)
from mederp.quality.capa.links import ResolvedLink, resolve
from mederp.quality.capa.locks import lock_action, lock_capa
from mederp.quality.capa.models import (
    ActionKind,
    Capa,
    CapaAction,
    CapaKind,
    CapaLink,
    CapaState,
    Effectiveness,
    RootCauseMethod,
)

PREFIX = "CA"
AGGREGATE = lifecycle.CAPA
S = CapaState


def _required(value: str | None, label: str, field: str) -> str:
    text = (value or "").strip()
    if not text:
        raise FieldRequired(label=label, field=field)
    return text


def _future(due: dt.date | None, field: str) -> dt.date | None:
    today = business_date()
    if due is not None and due < today:
        raise DueDateInPast(due_date=due.isoformat(), today=today.isoformat(), field=field)
    return due


def _require_state(capa: Capa, operation: str, *allowed: str) -> None:
    if capa.state not in allowed:
        raise CapaWrongState(
            capa=capa.number,
            state=capa.get_state_display(),
            operation=operation,
            allowed=", ".join(str(S(s).label) for s in allowed),
            current=capa.state,
        )


def _user_of(actor: Actor) -> Any:
    return actor.user if actor.kind == "user" else None


def _owner_name(action: CapaAction) -> str:
    owner = action.owner
    return str(owner.get_full_name() or owner.get_username())


def _save_link(actor: Actor, capa: Capa, link: ResolvedLink) -> CapaLink:
    if CapaLink.objects.filter(capa=capa, kind=link.kind, ref_number=link.ref_number).exists():
        raise LinkDuplicate(capa=capa.number, kind=link.kind, ref=link.ref_number)
    row = CapaLink.objects.create(
        capa=capa,
        kind=link.kind,
        ref_id=link.ref_id,
        ref_number=link.ref_number,
        created_at=clock.now(),
    )
    audit.record_create(actor, row)
    return row


def open_capa(
    actor: Actor,
    *,
    title: str,
    problem: str,
    links: Iterable[tuple[str, int | str]],
    owner: Any = None,
    due_date: dt.date | None = None,
    kind: str = CapaKind.CORRECTIVE,
    effectiveness_criteria: str = "",
    effectiveness_due: dt.date | None = None,
) -> Capa:
    """Open a CAPA (``CA-2026-00001``) for a problem, linked to the NCRs, complaints, recalls
    (by id) or audits (by reference) that raised it (ISO 13485 §8.5.2 a); QE-07).

    Usable inside the caller's transaction (nested atomic): an NCR or complaint service may
    open its CAPA in its own transaction."""
    title = _required(title, "Title", "title")[:200]
    problem = _required(problem, "Problem statement", "problem")
    if kind not in CapaKind.values:
        raise FieldRequired(label="Kind (corrective or preventive)", field="kind")
    _future(due_date, "due_date")
    _future(effectiveness_due, "effectiveness_due")
    resolved = [resolve(k, ref) for k, ref in links]
    seen: set[tuple[str, str]] = set()
    for link in resolved:
        if (link.kind, link.ref_number) in seen:
            raise LinkDuplicate(capa=title, kind=link.kind, ref=link.ref_number)
        seen.add((link.kind, link.ref_number))
    with transaction.atomic():
        user = _user_of(actor)
        capa = Capa.objects.create(
            number=next_number(PREFIX),
            kind=kind,
            title=title,
            problem=problem,
            owner=owner,
            due_date=due_date,
            state=S.OPEN,
            opened_at=clock.now(),
            opened_by=user,
            opened_by_name=actor.name[:200],
            effectiveness_criteria=(effectiveness_criteria or "").strip(),
            effectiveness_due=effectiveness_due,
        )
        audit.record_create(actor, capa)
        rows = [_save_link(actor, capa, link) for link in resolved]
        outbox.emit(
            actor,
            events.CAPA_OPENED,
            aggregate_type=AGGREGATE,
            aggregate_id=capa.pk,
            payload={
                "id": capa.pk,
                "number": capa.number,
                "kind": capa.kind,
                "title": capa.title,
                "owner_id": capa.owner_id,
                "due_date": due_date,
                "links": [
                    {"kind": r.kind, "ref_id": r.ref_id, "ref_number": r.ref_number} for r in rows
                ],
            },
        )
    return capa


def add_link(actor: Actor, capa_id: int, *, kind: str, ref: int | str) -> CapaLink:
    """Link one more NCR, complaint, recall or audit to a CAPA not yet closed."""
    link = resolve(kind, ref)
    with transaction.atomic():
        capa = lock_capa(capa_id)
        _require_state(capa, "linking", *lifecycle._ACTIVE)
        row = _save_link(actor, capa, link)
        outbox.emit(
            actor,
            events.CAPA_LINK_ADDED,
            aggregate_type=AGGREGATE,
            aggregate_id=capa.pk,
            payload={
                "id": capa.pk,
                "number": capa.number,
                "kind": row.kind,
                "ref_id": row.ref_id,
                "ref_number": row.ref_number,
            },
        )
    return row


def record_root_cause(actor: Actor, capa_id: int, *, root_cause: str, method: str) -> Capa:
    """Record (or revise, while investigating) the root cause and the method that found it;
    an open CAPA goes to investigating (ISO 13485 §8.5.2 b))."""
    text = _required(root_cause, "Root cause", "root_cause")
    if method not in RootCauseMethod.values:
        raise FieldRequired(label="Root cause method", field="method")
    with transaction.atomic():
        capa = lock_capa(capa_id)
        _require_state(capa, "recording the root cause", S.OPEN, S.INVESTIGATING)
        before = canonical.snapshot(capa, ["root_cause", "root_cause_method"])
        capa.root_cause, capa.root_cause_method = text, method
        capa.save(update_fields=["root_cause", "root_cause_method"])
        audit.record(
            actor,
            action=audit.UPDATE,
            instance=capa,
            changes=canonical.diff(before, canonical.snapshot(capa, list(before))),
            reason="root cause recorded",
            require_reason=False,
        )
        outbox.emit(
            actor,
            events.CAPA_ROOT_CAUSE_RECORDED,
            aggregate_type=AGGREGATE,
            aggregate_id=capa.pk,
            payload={"id": capa.pk, "number": capa.number, "method": method, "root_cause": text},
        )
        if capa.state == S.OPEN:
            workflow.transition(actor, capa, lifecycle.INVESTIGATE)
    return capa


def add_action(
    actor: Actor,
    capa_id: int,
    *,
    description: str,
    owner: Any,
    due_date: dt.date | None,
    kind: str = ActionKind.CORRECTIVE,
) -> CapaAction:
    """Add an action with its owner and due date (ISO 13485 §8.5.2 d)); the first one (or the
    first after a "not effective" check) puts the CAPA in implementing."""
    text = _required(description, "Description", "description")
    if owner is None:
        raise FieldRequired(label="Owner", field="owner")
    if due_date is None:
        raise FieldRequired(label="Due date", field="due_date")
    if kind not in ActionKind.values:
        raise FieldRequired(label="Action kind", field="kind")
    _future(due_date, "due_date")
    with transaction.atomic():
        capa = lock_capa(capa_id)
        _require_state(capa, "adding an action", S.INVESTIGATING, S.IMPLEMENTING)
        action = CapaAction.objects.create(
            capa=capa,
            description=text,
            kind=kind,
            owner=owner,
            due_date=due_date,
            created_at=clock.now(),
        )
        audit.record_create(actor, action)
        outbox.emit(
            actor,
            events.CAPA_ACTION_ADDED,
            aggregate_type=AGGREGATE,
            aggregate_id=capa.pk,
            payload={
                "id": capa.pk,
                "number": capa.number,
                "action_id": action.pk,
                "kind": kind,
                "owner_id": action.owner_id,
                "due_date": due_date,
            },
        )
        if capa.state == S.INVESTIGATING:
            workflow.transition(actor, capa, lifecycle.IMPLEMENT)
    return action


CHANGE_PERMISSION = "capa.change_capa"


def may_complete(actor_or_user: Any, action: CapaAction) -> bool:
    """Whether this actor (or user) may complete ``action``: QA (``capa.change_capa``) or the
    action's owner, who is usually not QA (a production supervisor, a buyer)."""
    user = actor_or_user.user if isinstance(actor_or_user, Actor) else actor_or_user
    if actor_or_user.has_perm(CHANGE_PERMISSION):
        return True
    return user is not None and user.pk is not None and user.pk == action.owner_id


def complete_action(actor: Actor, capa_id: int, action_id: int, *, evidence: str) -> CapaAction:
    """Record an action as done, once, with its evidence (ISO 13485 §8.5.2 e)).

    Allowed to QA (``capa.change_capa``) and to the action's owner; anyone else is refused
    (``capa.not_action_owner``, 403) with nothing written."""
    text = _required(evidence, "Evidence", "evidence")
    with transaction.atomic():
        capa = lock_capa(capa_id)
        action = lock_action(capa, action_id)
        if not may_complete(actor, action):
            raise NotActionOwner(capa=capa.number, action_id=action.pk, owner=_owner_name(action))
        if action.done_at is not None:
            raise ActionAlreadyDone(
                capa=capa.number, action_id=action.pk, done_at=action.done_at.isoformat()
            )
        _require_state(capa, "completing an action", S.IMPLEMENTING)
        action.done_at, action.done_by, action.evidence = clock.now(), _user_of(actor), text
        action.save(update_fields=["done_at", "done_by", "evidence"])
        audit.record(
            actor,
            action=audit.UPDATE,
            instance=action,
            changes={
                "done_at": [None, canonical.to_json_value(action.done_at)],
                "evidence": ["", text],
            },
            reason="action completed",
            require_reason=False,
        )
        outbox.emit(
            actor,
            events.CAPA_ACTION_COMPLETED,
            aggregate_type=AGGREGATE,
            aggregate_id=capa.pk,
            payload={
                "id": capa.pk,
                "number": capa.number,
                "action_id": action.pk,
                "done_at": action.done_at,
            },
        )
    return action


def start_verification(actor: Actor, capa_id: int) -> Capa:
    """Every action done: the CAPA waits for its effectiveness check (ISO 13485 §8.5.2 f))."""
    with transaction.atomic():
        capa = lock_capa(capa_id)
        _require_state(capa, "verification", S.IMPLEMENTING)
        actions = list(capa.actions.all())
        if not actions:
            raise NoActions(capa=capa.number)
        open_count = sum(1 for a in actions if a.done_at is None)
        if open_count:
            raise ActionsOpen(capa=capa.number, count=open_count)
        if capa.effectiveness_result == Effectiveness.NOT_EFFECTIVE:
            checked = capa.effectiveness_checked_at
            if checked is None or not any(a.created_at > checked for a in actions):
                raise NewActionNeeded(capa=capa.number)
        workflow.transition(actor, capa, lifecycle.VERIFY)
    return capa


def check_effectiveness(
    actor: Actor,
    capa_id: int,
    *,
    result: str,
    evidence: str,
    criteria: str = "",
) -> Capa:
    """Record the effectiveness check (ISO 13485 §8.5.2 f)): "effective" lets QA close the
    CAPA; "not effective" sends it back to implementing, where new actions are needed."""
    if result not in Effectiveness.values:
        raise FieldRequired(label="Result (effective or not effective)", field="result")
    text = _required(evidence, "Evidence", "evidence")
    with transaction.atomic():
        capa = lock_capa(capa_id)
        _require_state(capa, "the effectiveness check", S.VERIFYING)
        crit = (criteria or "").strip() or capa.effectiveness_criteria
        if not crit:
            raise FieldRequired(label="Effectiveness criteria", field="criteria")
        fields = [
            "effectiveness_criteria",
            "effectiveness_result",
            "effectiveness_evidence",
            "effectiveness_checked_by",
            "effectiveness_checked_at",
        ]
        before = canonical.snapshot(capa, fields)
        capa.effectiveness_criteria = crit
        capa.effectiveness_result = result
        capa.effectiveness_evidence = text
        capa.effectiveness_checked_by = _user_of(actor)
        capa.effectiveness_checked_at = clock.now()
        capa.save(update_fields=fields)
        audit.record(
            actor,
            action=audit.UPDATE,
            instance=capa,
            changes=canonical.diff(before, canonical.snapshot(capa, fields)),
            reason="effectiveness checked",
            require_reason=False,
        )
        outbox.emit(
            actor,
            events.CAPA_EFFECTIVENESS_CHECKED,
            aggregate_type=AGGREGATE,
            aggregate_id=capa.pk,
            payload={
                "id": capa.pk,
                "number": capa.number,
                "result": result,
                "checked_at": capa.effectiveness_checked_at,
            },
        )
        if result == Effectiveness.NOT_EFFECTIVE:
            workflow.transition(
                actor, capa, lifecycle.IMPLEMENT, reason="effectiveness check: not effective"
            )
    return capa


def close_capa(
    actor: Actor,
    capa_id: int,
    *,
    credentials: workflow.Credentials | None,
    reason: str = "",
    around: Any = None,
) -> Any:
    """Close by QA's signature (meaning ``closed``; QE-07, 21 CFR 11.50). Refused without an
    effective effectiveness check (``capa.effectiveness_check_missing``) or with open actions
    (``capa.actions_open``): the guard in :mod:`lifecycle` runs before the signature is asked
    for and again, locked, in the transaction."""

    def load() -> Capa:
        found = Capa.objects.filter(pk=capa_id).first()
        if found is None:
            from mederp.quality.capa.errors import CapaNotFound

            raise CapaNotFound(record_id=capa_id)
        return found

    def lock() -> Capa:
        capa = lock_capa(capa_id)
        capa.closed_at = clock.now()
        capa.save(update_fields=["closed_at"])
        return capa

    return workflow.perform(
        actor,
        lifecycle.CLOSE,
        load=load,
        lock=lock,
        reason=reason,
        credentials=credentials,
        around=around,
    )


def cancel_capa(actor: Actor, capa_id: int, *, reason: str) -> Capa:
    """Cancel a CAPA that is not needed (raised twice, wrong premise), with a reason."""
    text = _required(reason, "Reason", "reason")
    with transaction.atomic():
        capa = lock_capa(capa_id)
        workflow.transition(actor, capa, lifecycle.CANCEL, reason=text)
        capa.cancel_reason = text
        capa.save(update_fields=["cancel_reason"])
    return capa
