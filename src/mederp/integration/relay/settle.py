"""What a delivered batch changes: cursors, retry state, dead letters and log rows.

Pure decisions over the batch and the transport's answer (STYLE rule 1); the engine writes the
result in one short transaction. For each claimed lane the cursor moves past everything the
transport took and every event the subscription does not want, up to the first event it still
owes. The event that failed is that lane's head: its attempt count grows and the lane waits
(exponential backoff with jitter, never less than ``Retry-After``); a webhook head reaching the
subscription's ``max_attempts`` becomes a dead letter and the lane moves past it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from mederp.integration.models import (
    DeliveryAttempt,
    DeliveryOutcome,
    RelayCursor,
    Subscription,
    SubscriptionKind,
)
from mederp.integration.relay import backoff
from mederp.integration.relay.contract import DeliveryResult, OutboundEvent

_ERROR_LEN = 500


@dataclass
class LaneUpdate:
    cursor_id: int
    expected_position: int
    position: int
    attempts: int
    next_attempt_at: dt.datetime | None
    last_error: str


@dataclass
class DeadEvent:
    event_pk: int
    attempts: int
    error: str
    status_code: int | None


@dataclass
class Settlement:
    lanes: list[LaneUpdate] = field(default_factory=list)
    log: list[DeliveryAttempt] = field(default_factory=list)
    dead: list[DeadEvent] = field(default_factory=list)
    delivered: int = 0
    failed: int = 0


@dataclass(frozen=True)
class Backoff:
    base_s: float
    cap_s: float


@dataclass(frozen=True)
class _Failure:
    event: OutboundEvent
    attempts: int
    dead: bool


def settle(
    sub: Subscription,
    cursors: Sequence[RelayCursor],
    rows: Sequence[Any],
    sent: Sequence[OutboundEvent],
    result: DeliveryResult,
    *,
    now: dt.datetime,
    relay: str,
    duration_ms: int,
    waits: Backoff,
) -> Settlement:
    """``rows``: the fetched outbox rows of the claimed lanes in feed order; ``sent``: the
    wanted ones, handed to the transport in that order; ``result``: its answer."""
    taken = max(0, min(result.delivered, len(sent)))
    owed = {e.position for e in sent[taken:]}
    wanted = {e.position for e in sent}
    failed = sent[taken] if taken < len(sent) and result.error else None
    row_at = {r.position: r for r in rows}
    out = Settlement(delivered=taken)
    prior: dict[int, int] = {}  # each lane's first wanted event -> failed attempts before it
    failure: _Failure | None = None
    for cursor in cursors:
        lane = [r for r in rows if r.partition == cursor.partition]
        update = _advance(cursor, lane, owed)
        head = next((r.position for r in lane if r.position in wanted), None)
        if head is not None:
            prior[head] = cursor.attempts
        if failed is not None and row_at[failed.position].partition == cursor.partition:
            failure = _fail(sub, update, failed, result, now=now, waits=waits)
            if failure.dead:
                out.dead.append(
                    DeadEvent(
                        event_pk=row_at[failed.position].pk,
                        attempts=failure.attempts,
                        error=result.error[:_ERROR_LEN],
                        status_code=result.status_code,
                    )
                )
            else:
                out.failed = 1
        out.lanes.append(update)
    if sub.kind == SubscriptionKind.WEBHOOK:
        out.log = _per_event_log(sub, sent, taken, result, failure, prior, now=now, relay=relay)
    else:
        out.log = _per_batch_log(
            sub, sent, taken, result, failure, now=now, relay=relay, ms=duration_ms
        )
    return out


def _advance(cursor: RelayCursor, lane: Sequence[Any], owed: set[int]) -> LaneUpdate:
    """Move the lane's cursor over every fetched event up to the first one still owed."""
    position = cursor.position
    for row in lane:
        if row.position in owed:
            break
        position = row.position
    advanced = position > cursor.position
    return LaneUpdate(
        cursor_id=cursor.pk,
        expected_position=cursor.position,
        position=position,
        attempts=0 if advanced else cursor.attempts,
        next_attempt_at=None if advanced else cursor.next_attempt_at,
        last_error="" if advanced else cursor.last_error,
    )


def _fail(
    sub: Subscription,
    update: LaneUpdate,
    failed: OutboundEvent,
    result: DeliveryResult,
    *,
    now: dt.datetime,
    waits: Backoff,
) -> _Failure:
    """Count the failed head; dead-letter it (webhooks, at ``max_attempts``) or let it wait."""
    attempts = update.attempts + 1
    if sub.kind == SubscriptionKind.WEBHOOK and attempts >= sub.max_attempts:
        update.position, update.attempts = failed.position, 0
        update.next_attempt_at, update.last_error = None, ""
        return _Failure(failed, attempts, dead=True)
    wait = backoff.delay(
        attempts, base_s=waits.base_s, cap_s=waits.cap_s, retry_after_s=result.retry_after_s
    )
    update.attempts = attempts
    update.next_attempt_at = now + dt.timedelta(seconds=wait)
    update.last_error = result.error[:_ERROR_LEN]
    return _Failure(failed, attempts, dead=False)


def _row(
    sub: Subscription, event: OutboundEvent, *, now: dt.datetime, relay: str, **fields: Any
) -> DeliveryAttempt:
    fields.setdefault("last_position", event.position)
    return DeliveryAttempt(
        subscription_id=sub.pk,
        event_id=event.event_id,
        event_type=event.event_type,
        position=event.position,
        attempted_at=now,
        relay=relay[:100],
        **fields,
    )


def _per_event_log(
    sub: Subscription,
    sent: Sequence[OutboundEvent],
    taken: int,
    result: DeliveryResult,
    failure: _Failure | None,
    prior: dict[int, int],
    *,
    now: dt.datetime,
    relay: str,
) -> list[DeliveryAttempt]:
    """Webhooks: one row per event tried (the transport's own log of status and time)."""
    by_position = {e.position: e for e in sent}
    delivered = {e.position for e in sent[:taken]}
    tried = taken + (1 if failure else 0)
    entries = result.log or [(e.position, None, 0) for e in sent[:tried]]
    rows = []
    for position, status, ms in entries:
        event = by_position.get(position)
        if event is None:
            continue
        if failure is not None and position == failure.event.position:
            outcome = DeliveryOutcome.DEAD if failure.dead else DeliveryOutcome.FAILED
            attempt, error = failure.attempts, result.error[:_ERROR_LEN]
        elif position in delivered:
            outcome, attempt, error = DeliveryOutcome.DELIVERED, prior.get(position, 0) + 1, ""
        else:
            continue
        rows.append(
            _row(
                sub,
                event,
                now=now,
                relay=relay,
                attempt=attempt,
                outcome=outcome,
                status_code=status,
                error=error,
                duration_ms=ms,
            )
        )
    return rows


def _per_batch_log(
    sub: Subscription,
    sent: Sequence[OutboundEvent],
    taken: int,
    result: DeliveryResult,
    failure: _Failure | None,
    *,
    now: dt.datetime,
    relay: str,
    ms: int,
) -> list[DeliveryAttempt]:
    """RabbitMQ: one row for the confirmed part of the batch, one for the part refused."""
    rows = []
    if taken:
        rows.append(
            _row(
                sub,
                sent[0],
                now=now,
                relay=relay,
                last_position=sent[taken - 1].position,
                event_count=taken,
                outcome=DeliveryOutcome.DELIVERED,
                duration_ms=ms,
            )
        )
    if failure is not None:
        rows.append(
            _row(
                sub,
                failure.event,
                now=now,
                relay=relay,
                last_position=sent[-1].position,
                event_count=len(sent) - taken,
                attempt=failure.attempts,
                outcome=DeliveryOutcome.FAILED,
                status_code=result.status_code,
                error=result.error[:_ERROR_LEN],
                duration_ms=0 if taken else ms,
            )
        )
    return rows
