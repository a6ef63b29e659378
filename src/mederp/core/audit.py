"""Writing the audit trail (invariant 2; 21 CFR 11.10(e); ISO 13485 §4.2.5; AT-01..AT-04).

Services call :func:`record` (or :func:`record_many` for a batch) inside their transaction.
Entries are written freely (no lock, no chain position) and chained afterwards by the sealer in
:mod:`mederp.core.chain` (ADR 0001).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import models, transaction

from mederp.core import canonical, clock
from mederp.core.actors import Actor
from mederp.core.errors import ReasonRequired
from mederp.core.models import AuditEntry

CREATE, UPDATE, DELETE, VOID = "create", "update", "delete", "void"
ACTIONS_NEEDING_REASON = frozenset({UPDATE, DELETE, VOID})


def record_type_of(instance_or_type: models.Model | type[models.Model] | str) -> str:
    if isinstance(instance_or_type, str):
        return instance_or_type
    return instance_or_type._meta.label_lower


def record(
    actor: Actor,
    *,
    action: str,
    instance: models.Model | None = None,
    record_type: str | None = None,
    record_id: Any = None,
    label: str = "",
    changes: dict[str, list[Any]] | None = None,
    reason: str = "",
    require_reason: bool = True,
) -> AuditEntry:
    """Append one audit entry for a change to a regulated record.

    Must run inside the caller's transaction so the entry commits or rolls back with the change.
    Changes and voids need a reason (AT-04) unless the caller says the action is not a correction
    (``require_reason=False``, e.g. a status change whose reason is the workflow step itself).
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit.record() must run inside the service's transaction")
    reason = (reason or "").strip()
    if require_reason and action in ACTIONS_NEEDING_REASON and not reason:
        raise ReasonRequired()
    if instance is not None:
        record_type = record_type or record_type_of(instance)
        record_id = instance.pk if record_id is None else record_id
        label = label or str(instance)
    if record_type is None or record_id is None:
        raise ValueError("audit.record() needs an instance or record_type and record_id")
    entry = AuditEntry(
        occurred_at=clock.now(),
        actor_kind=actor.kind,
        actor_id=actor.id,
        actor_name=actor.name[:200],
        action=action,
        record_type=record_type,
        record_id=str(record_id),
        record_label=label[:300],
        changes=canonical.dumps(changes or {}),
        reason=reason,
        request_id=actor.request_id[:64],
        client_ip=(actor.ip or "")[:64],
    )
    _insert(entry)
    return entry


_FIELDS = [f for f in AuditEntry._meta.concrete_fields if not f.primary_key]
_INSERT = (
    f"INSERT INTO core_auditentry ({', '.join(str(f.column) for f in _FIELDS)}) "
    f"VALUES ({', '.join(['%s'] * len(_FIELDS))}) RETURNING id"
)


def _insert(entry: AuditEntry) -> None:
    """The ORM's INSERT without its per-call query compilation: this runs on every write."""
    conn = transaction.get_connection()
    with conn.cursor() as cur:
        cur.execute(_INSERT, [f.get_db_prep_save(getattr(entry, f.attname), conn) for f in _FIELDS])
        entry.pk = cur.fetchone()[0]
    entry._state.adding = False


@dataclass(frozen=True)
class Entry:
    """One entry of :func:`record_many`: the record, what changed and why."""

    action: str
    record_type: str
    record_id: Any
    label: str = ""
    changes: dict[str, list[Any]] | None = None
    reason: str = ""


def record_many(actor: Actor, entries: Iterable[Entry], *, require_reason: bool = True) -> int:
    """Append one audit entry per item of ``entries`` in one ``executemany`` (a bulk status
    change of thousands of lots in a recall, RC-05): the same rows :func:`record` writes, one
    per record, without a round trip each. Returns how many were written.

    The same rules as :func:`record`: inside the caller's transaction, a reason for changes and
    voids unless ``require_reason=False``.
    """
    conn = transaction.get_connection()
    if not conn.in_atomic_block:
        raise RuntimeError("audit.record_many() must run inside the service's transaction")
    now = clock.now()
    rows: list[list[Any]] = []
    for item in entries:
        reason = (item.reason or "").strip()
        if require_reason and item.action in ACTIONS_NEEDING_REASON and not reason:
            raise ReasonRequired()
        entry = AuditEntry(
            occurred_at=now,
            actor_kind=actor.kind,
            actor_id=actor.id,
            actor_name=actor.name[:200],
            action=item.action,
            record_type=item.record_type,
            record_id=str(item.record_id),
            record_label=item.label[:300],
            changes=canonical.dumps(item.changes or {}),
            reason=reason,
            request_id=actor.request_id[:64],
            client_ip=(actor.ip or "")[:64],
        )
        rows.append([f.get_db_prep_save(getattr(entry, f.attname), conn) for f in _FIELDS])
    if rows:
        with conn.cursor() as cur:
            cur.executemany(_INSERT_MANY, rows)
    return len(rows)


_INSERT_MANY = _INSERT.removesuffix(" RETURNING id")


def record_create(actor: Actor, instance: models.Model, *, reason: str = "") -> AuditEntry:
    after = canonical.snapshot(instance)
    return record(
        actor, action=CREATE, instance=instance, changes=canonical.diff({}, after), reason=reason
    )


def record_update(
    actor: Actor, instance: models.Model, before: dict[str, Any], *, reason: str
) -> AuditEntry | None:
    """Audit the difference between ``before`` (a :func:`canonical.snapshot`) and now.

    Returns ``None`` and writes nothing when no field changed.
    """
    changes = canonical.diff(before, canonical.snapshot(instance))
    if not changes:
        return None
    return record(actor, action=UPDATE, instance=instance, changes=changes, reason=reason)


def history(record_type: str, record_id: Any) -> models.QuerySet[AuditEntry]:
    """Every entry about one record, newest first (for the record's history panel)."""
    return AuditEntry.objects.filter(record_type=record_type, record_id=str(record_id)).order_by(
        "-id"
    )
