"""Outbound events under /api/v1/integration: subscriptions, their delivery log, dead letters
and their replay, and the relay's status with its lag metric (docs/relay.md).

The webhook secret is in the answer to the POST that made it (create, rotate-secret) and
nowhere else. A creating POST is idempotent (invariant 5) but its stored answer never holds the
secret: a replay with the same ``Idempotency-Key`` answers the same subscription with
``secret: null`` (rotate again if it was lost), as API keys are never kept to be shown twice
(AC-07).
"""

import datetime as dt
from typing import Annotated, Any, Literal

from django.http import HttpRequest
from ninja import Query, Schema
from ninja.responses import Status
from pydantic import Field

from mederp.core.actors import Actor
from mederp.core.apiperms import require_perm
from mederp.core.idempotency import run_idempotent
from mederp.core.schemas import DB_INT_MAX, ERRORS, Offset, StrictIn
from mederp.integration import selectors, services
from mederp.integration.api.common import router
from mederp.integration.errors import SubscriptionNotFound
from mederp.integration.models import DeadLetter, DeliveryAttempt, Subscription

VIEW = "integration.view_subscription"
ADD = "integration.add_subscription"
CHANGE = "integration.change_subscription"
VIEW_LOG = "integration.view_deliveryattempt"
VIEW_DEAD = "integration.view_deadletter"
REPLAY = "integration.replay_deadletter"

# A database id: positive and within a 64-bit integer (a larger one is refused, not a 500).
Id = Annotated[int, Field(ge=1, le=DB_INT_MAX)]

SHOWN_ONCE = (
    "The webhook signing secret, shown in this answer only (null in an idempotent replay, "
    "and for RabbitMQ)"
)


class SubscriptionOut(Schema):
    id: int
    name: str
    kind: str = Field(description="webhook or amqp")
    url: str = Field(description="Never holds a password")
    event_types: list[str] = Field(description="Patterns: sales.*, *.created, *")
    exchange: str
    max_attempts: int
    active: bool
    created_at: dt.datetime
    created_by: str
    version: int


class SubscriptionWithSecretOut(SubscriptionOut):
    secret: str | None = Field(description=SHOWN_ONCE)


class SubscriptionIn(StrictIn):
    name: str = Field(min_length=1, max_length=100)
    kind: Literal["webhook", "amqp"]
    url: str = Field(
        min_length=1,
        max_length=500,
        description="https://… (http only to localhost), or amqp(s)://user:password@host/vhost",
    )
    event_types: list[str] = Field(min_length=1, max_length=50)
    secret: str | None = Field(
        default=None, max_length=200, description="Webhook: your own secret (else generated)"
    )
    exchange: str = Field(default="", max_length=100, description="RabbitMQ only")
    max_attempts: int | None = Field(default=None, ge=1, le=100)
    start: Literal["now", "beginning"] = Field(
        default="now", description="Deliver events from now on, or the whole outbox"
    )


class SubscriptionPatch(StrictIn):
    event_types: list[str] | None = Field(default=None, min_length=1, max_length=50)
    url: str | None = Field(default=None, min_length=1, max_length=500)
    max_attempts: int | None = Field(default=None, ge=1, le=100)
    exchange: str | None = Field(default=None, max_length=100)
    reason: str = Field(max_length=2000, description="Why it changes (AT-04)")
    version: int | None = Field(default=None, description="The version you edited (409 if stale)")


class ReasonIn(StrictIn):
    reason: str = Field(max_length=2000, description="Why (AT-04)")


class AttemptOut(Schema):
    id: int
    event_id: str | None
    event_type: str
    position: int
    last_position: int
    event_count: int
    attempt: int
    outcome: str = Field(description="delivered, failed (will retry) or dead")
    status_code: int | None
    error: str
    duration_ms: int
    attempted_at: dt.datetime
    relay: str


class AttemptPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[AttemptOut]


class LogQuery(Schema):
    outcome: Literal["", "delivered", "failed", "dead"] = ""
    limit: int = Field(default=50, ge=1, le=500)
    offset: Offset = 0


class DeadLetterOut(Schema):
    id: int
    subscription_id: int
    subscription: str
    event_id: str
    event_type: str
    aggregate_type: str
    aggregate_id: str
    position: int | None
    attempts: int
    last_error: str
    last_status_code: int | None
    dead_at: dt.datetime
    state: str = Field(description="dead, replay_requested or replayed")
    replay_requested_at: dt.datetime | None
    replay_requested_by: str
    replayed_at: dt.datetime | None


class DeadLetterPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[DeadLetterOut]


class DeadLetterQuery(Schema):
    state: Literal["", "dead", "replay_requested", "replayed"] = ""
    subscription: Id | None = Field(default=None, description="A subscription id")
    limit: int = Field(default=50, ge=1, le=500)
    offset: Offset = 0


class ReplayIn(StrictIn):
    ids: list[Id] = Field(default_factory=list, max_length=1000, description="Dead letter ids")
    subscription: Id | None = Field(
        default=None, description="Alone: every dead letter of this subscription"
    )
    reason: str = Field(max_length=2000, description="Why (AT-04)")


class ReplayOut(Schema):
    replay_requested: list[DeadLetterOut]


class RetryingLaneOut(Schema):
    partition: int
    position: int
    attempts: int
    next_attempt_at: dt.datetime | None
    last_error: str


class StatusOut(Schema):
    id: int
    name: str
    kind: str
    active: bool
    events_pending: int = Field(description="Owed events its patterns select")
    lanes_pending: int = Field(description="Lanes (of 16) with owed events")
    lag_seconds: float = Field(description="Age of the oldest owed event; 0 when caught up")
    oldest_pending_at: dt.datetime | None
    last_delivery_at: dt.datetime | None
    last_attempt_at: dt.datetime | None
    dead_letters: int = Field(description="Waiting in state dead")
    replays_requested: int
    retrying: list[RetryingLaneOut]


def subscription_body(s: Subscription) -> dict[str, Any]:
    return SubscriptionOut.model_validate(
        {
            "id": s.pk,
            "name": s.name,
            "kind": s.kind,
            "url": s.url,
            "event_types": list(s.event_types),
            "exchange": s.exchange,
            "max_attempts": s.max_attempts,
            "active": s.active,
            "created_at": s.created_at,
            "created_by": s.created_by,
            "version": s.version,
        }
    ).model_dump(mode="json")


def dead_letter_body(d: DeadLetter) -> dict[str, Any]:
    return DeadLetterOut.model_validate(
        {
            "id": d.pk,
            "subscription_id": d.subscription_id,
            "subscription": d.subscription.name,
            "event_id": str(d.event.event_id),
            "event_type": d.event.event_type,
            "aggregate_type": d.event.aggregate_type,
            "aggregate_id": d.event.aggregate_id,
            "position": d.event.position,
            "attempts": d.attempts,
            "last_error": d.last_error,
            "last_status_code": d.last_status_code,
            "dead_at": d.dead_at,
            "state": d.state,
            "replay_requested_at": d.replay_requested_at,
            "replay_requested_by": d.replay_requested_by,
            "replayed_at": d.replayed_at,
        }
    ).model_dump(mode="json")


def _attempt_body(a: DeliveryAttempt) -> dict[str, Any]:
    return {
        "id": a.pk,
        "event_id": str(a.event_id) if a.event_id else None,
        "event_type": a.event_type,
        "position": a.position,
        "last_position": a.last_position,
        "event_count": a.event_count,
        "attempt": a.attempt,
        "outcome": a.outcome,
        "status_code": a.status_code,
        "error": a.error,
        "duration_ms": a.duration_ms,
        "attempted_at": a.attempted_at,
        "relay": a.relay,
    }


def _subscription(subscription_id: int) -> Subscription:
    sub = selectors.get_subscription(subscription_id)
    if sub is None:
        raise SubscriptionNotFound(subscription=subscription_id)
    return sub


def _with_secret(request: HttpRequest, body: Any, status: int, work: Any) -> Any:
    """Run ``work`` idempotently; the secret it returns goes into this answer only, after the
    stored (replayable) answer was written without it."""
    shown: dict[str, str | None] = {}

    def execute() -> tuple[int, Any]:
        sub, secret = work()
        shown["secret"] = secret
        return status, {**subscription_body(sub), "secret": None}

    answer = run_idempotent(request, body, execute)
    if isinstance(answer, Status) and isinstance(answer.value, dict):
        answer.value["secret"] = shown.get("secret")
    return answer


@router.get("/subscriptions", response={200: list[SubscriptionOut], **ERRORS})
@require_perm(VIEW)
def list_subscriptions(request: HttpRequest) -> Any:
    """Every event subscription, by name (never a secret)."""
    return [subscription_body(s) for s in selectors.subscriptions()]


@router.post("/subscriptions", response={201: SubscriptionWithSecretOut, **ERRORS})
@require_perm(ADD)
def create_subscription(request: HttpRequest, payload: SubscriptionIn) -> Any:
    """A webhook or RabbitMQ subscription, delivering from now on (or from the beginning).
    The webhook secret is in this answer only. Refused, writing nothing:
    ``integration.subscription_name_taken`` (409), ``integration.subscription_url_invalid``,
    ``integration.subscription_url_insecure``, ``integration.subscription_patterns_invalid``,
    ``integration.subscription_invalid`` (422)."""
    body = payload.model_dump(mode="json")
    return _with_secret(
        request,
        body,
        201,
        lambda: services.create_subscription(Actor.from_request(request), **payload.model_dump()),
    )


@router.get("/subscriptions/{subscription_id}", response={200: SubscriptionOut, **ERRORS})
@require_perm(VIEW)
def get_subscription(request: HttpRequest, subscription_id: int) -> Any:
    """One subscription; 404 ``integration.subscription_not_found``."""
    return subscription_body(_subscription(subscription_id))


@router.patch("/subscriptions/{subscription_id}", response={200: SubscriptionOut, **ERRORS})
@require_perm(CHANGE)
def change_subscription(
    request: HttpRequest, subscription_id: int, payload: SubscriptionPatch
) -> Any:
    """Change patterns, URL, attempts or exchange, with a reason; omitted fields stay. A new
    RabbitMQ password may come in the URL. 409 ``stale_record`` on an old ``version``."""
    sub = services.update_subscription(
        Actor.from_request(request),
        subscription_id,
        reason=payload.reason,
        event_types=payload.event_types,
        url=payload.url,
        max_attempts=payload.max_attempts,
        exchange=payload.exchange,
        expected_version=payload.version,
    )
    return subscription_body(sub)


def _set_active(request: HttpRequest, subscription_id: int, payload: ReasonIn, active: bool) -> Any:
    def execute() -> tuple[int, Any]:
        sub = services.set_active(
            Actor.from_request(request), subscription_id, active=active, reason=payload.reason
        )
        return 200, subscription_body(sub)

    return run_idempotent(request, payload.model_dump(mode="json"), execute)


@router.post("/subscriptions/{subscription_id}/pause", response={200: SubscriptionOut, **ERRORS})
@require_perm(CHANGE)
def pause_subscription(request: HttpRequest, subscription_id: int, payload: ReasonIn) -> Any:
    """Stop delivering; the lanes keep their place. 409
    ``integration.subscription_state_unchanged`` when already paused."""
    return _set_active(request, subscription_id, payload, False)


@router.post("/subscriptions/{subscription_id}/resume", response={200: SubscriptionOut, **ERRORS})
@require_perm(CHANGE)
def resume_subscription(request: HttpRequest, subscription_id: int, payload: ReasonIn) -> Any:
    """Deliver again from where it stopped. 409 when already active."""
    return _set_active(request, subscription_id, payload, True)


@router.post(
    "/subscriptions/{subscription_id}/rotate-secret",
    response={200: SubscriptionWithSecretOut, **ERRORS},
)
@require_perm(CHANGE)
def rotate_secret(request: HttpRequest, subscription_id: int, payload: ReasonIn) -> Any:
    """A new webhook signing secret, in this answer only; the old one stops at once. 422
    ``integration.secret_rotation_webhook_only`` for RabbitMQ."""
    return _with_secret(
        request,
        payload.model_dump(mode="json"),
        200,
        lambda: services.rotate_secret(
            Actor.from_request(request), subscription_id, reason=payload.reason
        ),
    )


@router.get("/subscriptions/{subscription_id}/deliveries", response={200: AttemptPage, **ERRORS})
@require_perm(VIEW_LOG)
def delivery_log(request: HttpRequest, subscription_id: int, q: Query[LogQuery]) -> Any:
    """The subscription's delivery log, newest first: one row per webhook attempt, one per
    RabbitMQ batch."""
    _subscription(subscription_id)
    rows = selectors.delivery_log(subscription_id, outcome=q.outcome)
    return {
        "count": rows.count(),
        "limit": q.limit,
        "offset": q.offset,
        "items": [_attempt_body(a) for a in rows[q.offset : q.offset + q.limit]],
    }


@router.get("/dead-letters", response={200: DeadLetterPage, **ERRORS})
@require_perm(VIEW_DEAD)
def list_dead_letters(request: HttpRequest, q: Query[DeadLetterQuery]) -> Any:
    """Dead letters, newest first, by state and subscription."""
    rows = selectors.dead_letters(state=q.state, subscription_id=q.subscription)
    return {
        "count": rows.count(),
        "limit": q.limit,
        "offset": q.offset,
        "items": [dead_letter_body(d) for d in rows[q.offset : q.offset + q.limit]],
    }


@router.post("/dead-letters/replay", response={200: ReplayOut, **ERRORS})
@require_perm(REPLAY)
def replay_dead_letters(request: HttpRequest, payload: ReplayIn) -> Any:
    """Ask the relay to deliver dead letters again (``ids``, or every dead one of
    ``subscription``), with a reason. Refused, writing nothing:
    ``integration.dead_letter_not_dead`` (409), ``integration.dead_letter_not_found`` (404),
    ``integration.nothing_to_replay`` (409), ``integration.replay_target_required``,
    ``audit.reason_required`` (422)."""

    def execute() -> tuple[int, Any]:
        letters = services.request_replay(
            Actor.from_request(request),
            dead_letter_ids=payload.ids,
            subscription=payload.subscription,
            reason=payload.reason,
        )
        return 200, {"replay_requested": [dead_letter_body(d) for d in letters]}

    return run_idempotent(request, payload.model_dump(mode="json"), execute)


@router.get("/relay/status", response={200: list[StatusOut], **ERRORS})
@require_perm(VIEW)
def relay_status(request: HttpRequest) -> Any:
    """Per subscription: owed events and lanes, **lag** (seconds since the oldest owed event
    it wants occurred; 0 when caught up), last delivery, dead letters, retrying lanes."""
    return [
        {
            "id": s.subscription.pk,
            "name": s.subscription.name,
            "kind": s.subscription.kind,
            "active": s.subscription.active,
            "events_pending": s.events_pending,
            "lanes_pending": s.lanes_pending,
            "lag_seconds": round(s.lag_seconds, 3),
            "oldest_pending_at": s.oldest_pending_at,
            "last_delivery_at": s.last_delivery_at,
            "last_attempt_at": s.last_attempt_at,
            "dead_letters": s.dead_letters,
            "replays_requested": s.replays_requested,
            "retrying": [vars(r) for r in s.retrying],
        }
        for s in selectors.relay_status()
    ]
