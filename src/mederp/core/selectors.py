"""Read queries over the kernel tables used by the UI, the API and the CLI."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

from mederp.core.models import AuditEntry, OutboxEvent


@dataclass(frozen=True)
class AuditFilter:
    record_type: str = ""
    record_id: str = ""
    actor: str = ""
    since: dt.datetime | None = None
    until: dt.datetime | None = None


def audit_entries(f: AuditFilter) -> QuerySet[AuditEntry]:
    qs = AuditEntry.objects.all()
    if f.record_type:
        qs = qs.filter(record_type=f.record_type)
    if f.record_id:
        qs = qs.filter(record_id=f.record_id)
    if f.actor:
        qs = qs.filter(actor_name__icontains=f.actor)
    if f.since:
        qs = qs.filter(occurred_at__gte=f.since)
    if f.until:
        qs = qs.filter(occurred_at__lt=f.until)
    return qs.order_by("-id")


def record_types() -> list[str]:
    return list(
        AuditEntry.objects.values_list("record_type", flat=True).distinct().order_by("record_type")
    )


def change_items(entry: AuditEntry) -> list[tuple[str, Any]]:
    try:
        return sorted(json.loads(entry.changes).items())
    except ValueError:
        return []


def with_change_items(entries: Any) -> list[AuditEntry]:
    """Entries with ``change_items`` attached for templates ([(field, [old, new]), ...])."""
    result = list(entries)
    for e in result:
        e.change_items = change_items(e)
    return result


def record_history(record_type: str, record_id: Any) -> list[AuditEntry]:
    return with_change_items(
        AuditEntry.objects.filter(record_type=record_type, record_id=str(record_id)).order_by("-id")
    )


def events_after(cursor: int, limit: int, event_type: str = "") -> list[OutboxEvent]:
    """Committed events after feed position ``cursor`` (see :func:`outbox.assign_positions`)."""
    qs = OutboxEvent.objects.filter(position__gt=cursor)
    if event_type:
        qs = qs.filter(event_type=event_type)
    return list(qs.order_by("position")[:limit])
