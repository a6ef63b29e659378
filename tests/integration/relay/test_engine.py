"""The relay engine end to end on the configured database, to a real webhook receiver on
127.0.0.1 (issue 7, 1 and 1a; invariant 3): at least once, in order per aggregate, wanted types
only, retried with backoff, dead-lettered after ``max_attempts``, replayed on request, logged."""

from __future__ import annotations

import datetime as dt
import io
import json
from collections import defaultdict
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.management import call_command
from django.db.models import Max
from tests.integration.relay.engine_support import (
    SECRET,
    Receiver,
    emit,
    make_due,
    serve_receiver,
    subscribe,
)

from mederp.core import clock, outbox
from mederp.integration.models import (
    DeadLetter,
    DeadLetterState,
    DeliveryAttempt,
    DeliveryOutcome,
    RelayCursor,
)
from mederp.integration.relay import engine, signing

pytestmark = pytest.mark.django_db


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    yield from serve_receiver()


def relay() -> engine.RunStats:
    return engine.run(relay_name="test-relay", once=True)


def cursor_of(sub: Any, event: Any) -> RelayCursor:
    return RelayCursor.objects.get(subscription=sub, partition=event.partition)


def test_events_arrive_once_each_in_order_per_aggregate_across_lanes(receiver: Receiver) -> None:
    sub = subscribe(receiver.url)
    emitted = [emit(aggregate_id=f"A{n % 7}", n=n) for n in range(40)]
    assert len({e.partition for e in emitted}) > 1

    stats = relay()

    got = receiver.events
    assert sorted(e["event_id"] for e in got) == sorted(str(e.event_id) for e in emitted)
    seqs: dict[str, list[int]] = defaultdict(list)
    for e in got:
        seqs[e["aggregate_id"]].append(e["aggregate_seq"])
    assert all(s == sorted(s) for s in seqs.values()), seqs
    assert stats.delivered == 40
    assert relay().delivered == 0
    assert len(receiver.requests) == 40
    for e in emitted:
        assert cursor_of(sub, e).position >= e.position


def test_every_delivery_is_signed_with_the_subscription_secret(receiver: Receiver) -> None:
    subscribe(receiver.url)
    emit()

    relay()

    (request,) = receiver.requests
    assert signing.verify(SECRET, request.headers, request.body)


def test_unwanted_event_types_are_skipped_and_passed(receiver: Receiver) -> None:
    sub = subscribe(receiver.url, patterns=["test.thing.shipped", "test.other.*"])
    skipped = emit("test.thing.happened", aggregate_id=1)
    wanted = emit("test.thing.shipped", aggregate_id=1)
    last = emit("test.thing.happened", aggregate_id=1)

    relay()

    assert [e["event_id"] for e in receiver.events] == [str(wanted.event_id)]
    assert cursor_of(sub, last).position == last.position
    assert skipped.partition == last.partition


def test_an_inactive_subscription_gets_nothing(receiver: Receiver) -> None:
    sub = subscribe(receiver.url, active=False)
    event = emit()

    assert relay().delivered == 0
    assert receiver.requests == []
    assert cursor_of(sub, event).position == 0


def test_a_subscription_with_no_patterns_gets_nothing(receiver: Receiver) -> None:
    subscribe(receiver.url, patterns=[])
    emit()

    relay()

    assert receiver.requests == []


def test_missing_lanes_are_created_from_the_beginning(receiver: Receiver) -> None:
    event = emit()
    sub = subscribe(receiver.url, lanes=False)

    relay()

    assert RelayCursor.objects.filter(subscription=sub).count() == outbox.PARTITIONS
    assert [e["event_id"] for e in receiver.events] == [str(event.event_id)]


def test_a_lane_resumes_after_its_cursor(receiver: Receiver) -> None:
    sub = subscribe(receiver.url)
    old = emit(aggregate_id=1)
    RelayCursor.objects.filter(subscription=sub).update(position=old.position)
    new = emit(aggregate_id=1)

    relay()

    assert [e["event_id"] for e in receiver.events] == [str(new.event_id)]


def test_each_delivery_is_logged(receiver: Receiver) -> None:
    sub = subscribe(receiver.url)
    events = [emit(aggregate_id=n) for n in range(3)]

    relay()

    rows = DeliveryAttempt.objects.filter(subscription=sub).order_by("position")
    assert [(r.event_id, r.outcome, r.status_code, r.attempt) for r in rows] == [
        (e.event_id, DeliveryOutcome.DELIVERED, 204, 1) for e in events
    ]
    assert all(r.relay == "test-relay" and r.event_count == 1 for r in rows)


def test_a_failed_head_waits_with_backoff_and_holds_only_its_lane(receiver: Receiver) -> None:
    sub = subscribe(receiver.url)
    failing = emit(aggregate_id="stuck")
    behind = emit(aggregate_id="stuck")
    other = next(emit(aggregate_id=f"o{n}") for n in range(50) if _lane_differs(n, failing))
    receiver.decide = lambda r: (500, {}) if r.event["aggregate_id"] == "stuck" else (204, {})
    before = clock.now()

    stats = relay()

    lane = cursor_of(sub, failing)
    assert stats.failed == 1
    assert lane.position < failing.position and lane.attempts == 1
    assert lane.last_error.startswith("HTTP 500")
    base = dt.timedelta(seconds=2)  # MEDERP_RELAY["BACKOFF_BASE_SECONDS"]
    assert before <= lane.next_attempt_at <= clock.now() + base
    assert str(other.event_id) in [e["event_id"] for e in receiver.events]
    assert str(behind.event_id) not in [e["event_id"] for e in receiver.events]
    failed = DeliveryAttempt.objects.get(subscription=sub, outcome=DeliveryOutcome.FAILED)
    assert (failed.event_id, failed.status_code, failed.attempt) == (failing.event_id, 500, 1)


def _lane_differs(n: int, event: Any) -> bool:
    return outbox.partition_of("test.thing", f"o{n}") != event.partition


def test_a_lane_waiting_for_its_retry_is_not_tried_early(receiver: Receiver) -> None:
    subscribe(receiver.url)
    emit()
    receiver.fail_next(1)
    relay()

    assert relay().batches == 0
    assert len(receiver.requests) == 1


def test_the_head_is_retried_once_due_and_then_the_lane_moves_on(receiver: Receiver) -> None:
    sub = subscribe(receiver.url)
    first, second = emit(aggregate_id=1), emit(aggregate_id=1)
    receiver.fail_next(2)
    relay()
    make_due(sub)
    relay()
    make_due(sub)

    relay()

    assert [e["event_id"] for e in receiver.events] == [str(first.event_id)] * 3 + [
        str(second.event_id)
    ]
    lane = cursor_of(sub, first)
    assert (lane.position, lane.attempts, lane.next_attempt_at, lane.last_error) == (
        second.position,
        0,
        None,
        "",
    )
    attempts = DeliveryAttempt.objects.filter(subscription=sub).order_by("id")
    assert [(a.position, a.outcome, a.attempt) for a in attempts] == [
        (first.position, DeliveryOutcome.FAILED, 1),
        (first.position, DeliveryOutcome.FAILED, 2),
        (first.position, DeliveryOutcome.DELIVERED, 3),
        (second.position, DeliveryOutcome.DELIVERED, 1),
    ]


def test_after_max_attempts_the_event_is_dead_lettered_and_the_lane_moves_on(
    receiver: Receiver,
) -> None:
    sub = subscribe(receiver.url, max_attempts=3)
    doomed, after = emit(aggregate_id=1), emit(aggregate_id=1)
    receiver.decide = lambda r: (
        (500, {}) if r.event["event_id"] == str(doomed.event_id) else (204, {})
    )
    stats = engine.RunStats()
    for _ in range(3):
        ran = relay()
        stats.failed += ran.failed
        stats.dead_lettered += ran.dead_lettered
        make_due(sub)

    letter = DeadLetter.objects.get(subscription=sub)
    assert (letter.event_id, letter.attempts, letter.state) == (doomed.pk, 3, DeadLetterState.DEAD)
    assert letter.last_status_code == 500 and letter.last_error.startswith("HTTP 500")
    assert (stats.failed, stats.dead_lettered) == (2, 1)
    assert [e["event_id"] for e in receiver.events][-1] == str(after.event_id)
    lane = cursor_of(sub, doomed)
    assert (lane.position, lane.attempts) == (after.position, 0)
    outcomes = DeliveryAttempt.objects.filter(subscription=sub, position=doomed.position)
    assert sorted((a.attempt, a.outcome) for a in outcomes) == [
        (1, DeliveryOutcome.FAILED),
        (2, DeliveryOutcome.FAILED),
        (3, DeliveryOutcome.DEAD),
    ]


def test_retry_after_of_a_429_is_a_floor_for_the_wait(receiver: Receiver) -> None:
    sub = subscribe(receiver.url)
    event = emit()
    receiver.fail_next(1, 429, **{"Retry-After": "600"})
    before = clock.now()

    relay()

    lane = cursor_of(sub, event)
    assert lane.next_attempt_at >= before + dt.timedelta(seconds=600)
    assert DeliveryAttempt.objects.get(subscription=sub).status_code == 429


def test_a_replay_requested_dead_letter_is_delivered_once_and_marked_replayed(
    receiver: Receiver,
) -> None:
    sub = subscribe(receiver.url)
    event = emit()
    RelayCursor.objects.filter(subscription=sub).update(position=event.position)
    letter = _dead(sub, event, state=DeadLetterState.REPLAY_REQUESTED)

    stats = relay()
    relay()

    assert [e["event_id"] for e in receiver.events] == [str(event.event_id)]
    letter.refresh_from_db()
    assert letter.state == DeadLetterState.REPLAYED and letter.replayed_at is not None
    assert stats.replayed == 1
    log = DeliveryAttempt.objects.get(subscription=sub)
    assert (log.outcome, log.attempt, log.status_code) == (DeliveryOutcome.DELIVERED, 9, 204)


def test_a_failed_replay_goes_back_to_dead_with_one_more_attempt(receiver: Receiver) -> None:
    sub = subscribe(receiver.url)
    event = emit()
    RelayCursor.objects.filter(subscription=sub).update(position=event.position)
    letter = _dead(sub, event, state=DeadLetterState.REPLAY_REQUESTED)
    receiver.fail_next(1, 502)

    relay()

    letter.refresh_from_db()
    assert (letter.state, letter.attempts, letter.last_status_code) == (
        DeadLetterState.DEAD,
        9,
        502,
    )
    assert len(receiver.requests) == 1
    assert DeliveryAttempt.objects.get(subscription=sub).outcome == DeliveryOutcome.DEAD


def test_a_dead_letter_not_asked_for_is_left_alone(receiver: Receiver) -> None:
    sub = subscribe(receiver.url)
    event = emit()
    RelayCursor.objects.filter(subscription=sub).update(position=event.position)
    _dead(sub, event, state=DeadLetterState.DEAD)

    relay()

    assert receiver.requests == []


def _dead(sub: Any, event: Any, *, state: str) -> DeadLetter:
    return DeadLetter.objects.create(
        subscription=sub,
        event=event,
        attempts=8,
        last_error="HTTP 500",
        last_status_code=500,
        dead_at=clock.now(),
        state=state,
    )


def test_a_transport_that_raises_is_a_failed_attempt(receiver: Receiver) -> None:
    sub = subscribe(receiver.url)
    event = emit()

    class Broken:
        def deliver(self, events: Any) -> Any:
            raise RuntimeError("transport bug")

        def close(self) -> None:
            pass

    stats = engine.run(relay_name="t", once=True, transports=lambda s: Broken())

    lane = cursor_of(sub, event)
    assert stats.failed == 1 and lane.attempts == 1 and "transport bug" in lane.last_error


def test_the_relay_command_prints_its_statistics_as_json(receiver: Receiver) -> None:
    subscribe(receiver.url)
    emit(), emit(aggregate_id=2)
    out, err = io.StringIO(), io.StringIO()

    call_command("relay", "--once", "--json", "--name", "cli", stdout=out, stderr=err)

    stats = json.loads(out.getvalue())
    assert stats["delivered"] == 2 and stats["failed"] == 0
    assert DeliveryAttempt.objects.aggregate(m=Max("id"))["m"] is not None
    assert set(DeliveryAttempt.objects.values_list("relay", flat=True)) == {"cli"}


class Broker:
    """A stand-in RabbitMQ destination (the real one is tested in test_amqp.py): takes the
    first ``take`` events of each batch and refuses the rest, as a broker without confirms."""

    def __init__(self, take: int | None = None) -> None:
        self.take = take
        self.batches: list[list[int]] = []

    def deliver(self, events: Any) -> Any:
        from mederp.integration.relay.contract import DeliveryResult

        self.batches.append([e.position for e in events])
        n = len(events) if self.take is None else min(self.take, len(events))
        return DeliveryResult(delivered=n, error="" if n == len(events) else "broker down")

    def close(self) -> None:
        pass


def test_a_rabbitmq_batch_is_logged_as_one_row() -> None:
    sub = subscribe("amqp://guest@127.0.0.1:5672/%2F", kind="amqp", secret_encrypted="")
    events = [emit(aggregate_id=n % 3) for n in range(6)]
    broker = Broker()

    engine.run(relay_name="t", once=True, transports=lambda s: broker)

    delivered = sorted(p for batch in broker.batches for p in batch)
    assert delivered == [e.position for e in events]
    rows = DeliveryAttempt.objects.filter(subscription=sub)
    assert sum(r.event_count for r in rows) == 6
    assert all(r.outcome == DeliveryOutcome.DELIVERED for r in rows)
    assert len(rows) == len(broker.batches)
    assert all(r.last_position >= r.position for r in rows)


def test_a_rabbitmq_failure_never_dead_letters() -> None:
    sub = subscribe("amqp://guest@127.0.0.1:5672/%2F", kind="amqp", max_attempts=2)
    event = emit()
    broker = Broker(take=0)

    for _ in range(4):
        engine.run(relay_name="t", once=True, transports=lambda s: broker)
        make_due(sub)

    assert not DeadLetter.objects.exists()
    lane = cursor_of(sub, event)
    assert (lane.position, lane.attempts, lane.last_error) == (0, 4, "broker down")
    failed = DeliveryAttempt.objects.filter(subscription=sub).order_by("id")
    assert [(r.outcome, r.attempt) for r in failed] == [
        (DeliveryOutcome.FAILED, n) for n in (1, 2, 3, 4)
    ]
