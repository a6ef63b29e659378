"""The relay's status per subscription (issue 7: "relay lag is a metric"): lag is the age of
the oldest event a subscription still owes among those its patterns select, 0 when caught up;
with pending lanes, retrying lanes, dead letters and the last delivery, in a fixed number of
queries whatever the number of subscriptions."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from tests.integration.relay.subscription_support import (
    attempt,
    dead_letter,
    deliver_up_to,
    emit,
    retrying,
    webhook,
)

from mederp.core import clock, outbox
from mederp.core.actors import Actor
from mederp.integration.models import DeliveryOutcome
from mederp.integration.selectors import relay_status

pytestmark = pytest.mark.django_db
T0 = dt.datetime(2026, 11, 26, 8, 0, tzinfo=dt.UTC)


def status_of(name: str):
    return next(s for s in relay_status() if s.subscription.name == name)


def test_a_subscription_with_nothing_owed_has_zero_lag(admin):
    webhook()
    s = status_of("erp-b")
    assert (s.events_pending, s.lanes_pending, s.lag_seconds, s.caught_up) == (0, 0, 0.0, True)
    assert s.retrying == [] and s.dead_letters == 0 and s.last_delivery_at is None


def test_lag_is_the_age_of_the_oldest_owed_event_it_wants(admin):
    webhook(patterns=["sales.*"])
    with clock.frozen(T0):
        emit("capa.opened", 1)  # not wanted: never owed, however old
    with clock.frozen(T0 + dt.timedelta(minutes=1)):
        emit("sales.order.shipped", 1)
    with clock.frozen(T0 + dt.timedelta(minutes=2)):
        emit("sales.order.shipped", 2)

    with clock.frozen(T0 + dt.timedelta(minutes=3)):
        s = status_of("erp-b")

    assert s.events_pending == 2
    assert s.lag_seconds == 120.0
    assert s.oldest_pending_at == T0 + dt.timedelta(minutes=1)
    assert 1 <= s.lanes_pending <= 2


def test_delivered_events_are_no_longer_owed(admin):
    sub, _ = webhook()
    event = emit("sales.order.shipped", 7)
    deliver_up_to(sub, event)
    assert status_of("erp-b").events_pending == 0


def test_an_event_not_yet_sequenced_is_owed_too(admin):
    webhook()
    with clock.frozen(T0), transaction.atomic():
        outbox.emit(
            Actor.system("test"),
            "sales.order.shipped",
            aggregate_type="sales.order",
            aggregate_id=3,
            payload={},
        )
    with clock.frozen(T0 + dt.timedelta(seconds=30)):
        s = status_of("erp-b")
    assert (s.events_pending, s.lag_seconds) == (1, 30.0)


def test_retrying_lanes_dead_letters_and_the_last_delivery_are_shown(admin):
    sub, _ = webhook()
    first = emit("sales.order.shipped", 1)
    attempt(sub, first, attempted_at=T0)
    attempt(sub, first, DeliveryOutcome.FAILED, attempted_at=T0 + dt.timedelta(minutes=1))
    retrying(sub, first, attempts=3, error="HTTP 503")
    dead_letter(sub)
    dead_letter(sub, state="replay_requested")

    s = status_of("erp-b")

    assert s.last_delivery_at == T0
    assert s.last_attempt_at == T0 + dt.timedelta(minutes=1)
    assert (s.dead_letters, s.replays_requested) == (1, 1)
    assert [(r.partition, r.attempts, r.last_error) for r in s.retrying] == [
        (first.partition, 3, "HTTP 503")
    ]
    assert s.retrying[0].next_attempt_at is not None


def test_the_status_takes_two_queries_whatever_the_number_of_subscriptions(admin):
    before = emit("sales.order.shipped", 0)
    for n in range(5):
        sub, _ = webhook(f"erp-{n}")
        dead_letter(sub, before)
    for n in range(20):
        emit("sales.order.shipped", n)

    with CaptureQueriesContext(connection) as queries:
        statuses = relay_status()

    assert len(statuses) == 5
    assert {s.events_pending for s in statuses} == {20}
    assert len(queries) == 2


def test_a_subscription_can_be_asked_for_alone(admin):
    sub, _ = webhook("erp-b")
    webhook("erp-c")
    assert [s.subscription.name for s in relay_status([sub.pk])] == ["erp-b"]
