"""Arranging relay state for the subscription, dead-letter and status tests: outbox events,
webhook subscriptions made through the service, and dead letters and log rows as the relay
would have written them."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction

from mederp.core import clock, outbox
from mederp.core.actors import Actor
from mederp.core.models import OutboxEvent
from mederp.integration import services
from mederp.integration.models import (
    DeadLetter,
    DeliveryAttempt,
    DeliveryOutcome,
    RelayCursor,
    Subscription,
)

HOOK = "https://hooks.example.com/mederp"


def emit(event_type: str = "sales.order.shipped", aggregate_id: Any = 1, **payload: Any) -> Any:
    """One committed outbox event of a made-up aggregate, sequenced (``position`` set)."""
    with transaction.atomic():
        event = outbox.emit(
            Actor.system("test"),
            event_type,
            aggregate_type=event_type.rsplit(".", 1)[0],
            aggregate_id=aggregate_id,
            payload=payload or {"n": 1},
        )
    outbox.assign_positions()
    return OutboxEvent.objects.get(pk=event.pk)


def webhook(
    name: str = "erp-b", patterns: list[str] | None = None, **kwargs: Any
) -> services.WithSecret:
    kwargs.setdefault("url", HOOK)
    return services.create_subscription(
        Actor.system("test"),
        name=name,
        kind="webhook",
        event_types=patterns or ["sales.*"],
        **kwargs,
    )


def dead_letter(sub: Subscription, event: Any = None, *, state: str = "dead") -> DeadLetter:
    """A dead letter as the relay leaves one after ``max_attempts`` failures."""
    event = event or emit()
    return DeadLetter.objects.create(
        subscription=sub,
        event=event,
        attempts=sub.max_attempts,
        last_error="HTTP 500 from receiver",
        last_status_code=500,
        dead_at=clock.now(),
        state=state,
    )


def attempt(
    sub: Subscription, event: Any, outcome: str = DeliveryOutcome.DELIVERED, **kwargs: Any
) -> DeliveryAttempt:
    kwargs.setdefault("attempted_at", clock.now())
    return DeliveryAttempt.objects.create(
        subscription=sub,
        event_id=event.event_id,
        event_type=event.event_type,
        position=event.position,
        last_position=event.position,
        outcome=outcome,
        status_code=200 if outcome == DeliveryOutcome.DELIVERED else 500,
        **kwargs,
    )


def deliver_up_to(sub: Subscription, event: Any) -> None:
    """Move the event's lane cursor past it, as a delivery would."""
    RelayCursor.objects.filter(subscription=sub, partition=event.partition).update(
        position=event.position
    )


def retrying(sub: Subscription, event: Any, *, attempts: int, error: str) -> None:
    RelayCursor.objects.filter(subscription=sub, partition=event.partition).update(
        attempts=attempts,
        last_error=error,
        next_attempt_at=clock.now() + dt.timedelta(minutes=5),
    )
