"""Kernel endpoints: read the audit trail and the outbox (events after a cursor)."""

import datetime as dt
import json
import uuid
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema
from pydantic import Field

from mederp.core import outbox, workflow
from mederp.core.apiperms import require_perm
from mederp.core.schemas import ERRORS
from mederp.core.selectors import AuditFilter, audit_entries, events_after

router = Router(tags=["audit & events"])


class AuditEntryOut(Schema):
    id: int
    occurred_at: dt.datetime
    actor_kind: str
    actor_id: int | None
    actor_name: str
    action: str
    record_type: str
    record_id: str
    record_label: str
    changes: dict[str, Any]
    reason: str
    request_id: str

    @staticmethod
    def resolve_changes(obj: Any) -> dict[str, Any]:
        return json.loads(obj.changes)


class AuditQuery(Schema):
    record_type: str = ""
    record_id: str = ""
    actor: str = ""
    since: dt.datetime | None = None
    until: dt.datetime | None = None
    limit: int = 100


@router.get("/audit-entries", response={200: list[AuditEntryOut], **ERRORS})
@require_perm("core.view_auditentry")
def list_audit_entries(request: HttpRequest, q: Query[AuditQuery]) -> Any:
    flt = AuditFilter(q.record_type, q.record_id, q.actor, q.since, q.until)
    return list(audit_entries(flt)[: max(1, min(q.limit, 1000))])


class EventOut(Schema):
    cursor: int
    event_id: uuid.UUID
    event_type: str
    aggregate_type: str
    aggregate_id: str
    aggregate_seq: int
    schema_version: int
    occurred_at: dt.datetime
    payload: dict[str, Any]

    @staticmethod
    def resolve_cursor(obj: Any) -> int:
        return int(obj.position)


class EventPage(Schema):
    events: list[EventOut]
    next_cursor: int


@router.get("/events", response={200: EventPage, **ERRORS})
@require_perm("core.view_outboxevent")
def list_events(
    request: HttpRequest, after: int = 0, limit: int = 100, event_type: str = ""
) -> Any:
    """Events in commit order after feed position ``after``; pass ``next_cursor`` back.

    Positions are given to events once committed, so an event whose transaction commits late
    appears after the cursor rather than behind it (invariant 3: nothing is skipped).
    """
    outbox.assign_positions()
    events = events_after(max(0, after), max(1, min(limit, 1000)), event_type)
    return {"events": events, "next_cursor": events[-1].position if events else max(0, after)}


class WorkflowTransitionOut(Schema):
    name: str
    label: str
    from_: list[str] = Field(alias="from")
    to: str
    permission: str | None
    signature: str | None
    reason_required: bool
    automatic: bool
    event: str


class WorkflowStateOut(Schema):
    name: str
    label: str


class SigningRulesOut(Schema):
    meanings: dict[str, str]
    reasons_required: list[str]
    rules: list[str]


class WorkflowOut(Schema):
    record_type: str
    description: str
    state_field: str
    initial: str
    states: list[WorkflowStateOut]
    transitions: list[WorkflowTransitionOut]
    signing: SigningRulesOut | None


@router.get("/workflows", response={200: list[WorkflowOut], **ERRORS}, by_alias=True)
@require_perm("core.view_signature")
def list_workflows(request: HttpRequest) -> Any:
    """Every approval workflow and signing policy in force, as the code defines them (AT-13):
    states, transitions with their permission, signature meaning and reason rule, and the
    segregation-of-duties rules."""
    return [workflow.describe(wf) for wf in workflow.workflows()]
