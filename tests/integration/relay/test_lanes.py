"""Several relays at once (issue 7, 1; invariant 10): on PostgreSQL they share the lanes with
``FOR UPDATE SKIP LOCKED`` and deliver every event exactly once between them, a lane never held
by two; on SQLite one relay works at a time, under the lease, and another takes over when it
expires."""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections import defaultdict
from collections.abc import Iterator, Sequence
from typing import Any

import pytest
from django.db import connection, connections, transaction
from tests.integration.relay.engine_support import Receiver, emit, serve_receiver, subscribe

from mederp.core import clock, outbox
from mederp.integration.models import DeliveryAttempt, RelayLease, Subscription
from mederp.integration.relay import engine, lanes
from mederp.integration.relay.contract import DeliveryResult, OutboundEvent
from mederp.integration.relay.webhook import WebhookTransport

WAIT = 60


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    yield from serve_receiver()


def sqlite_only() -> None:
    if connection.vendor == "postgresql":
        pytest.skip("PostgreSQL relays share lanes by SKIP LOCKED, not by the lease")


def postgres_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("concurrent relays are proved on PostgreSQL")


@pytest.mark.django_db
def test_a_lease_is_renewed_by_its_holder_and_refused_to_others() -> None:
    now = clock.now()
    assert lanes.take_lease("a", now=now, seconds=30)
    assert lanes.take_lease("a", now=now + dt.timedelta(seconds=10), seconds=30)
    assert not lanes.take_lease("b", now=now + dt.timedelta(seconds=39), seconds=30)
    assert RelayLease.objects.get().holder == "a"


@pytest.mark.django_db
def test_an_expired_lease_is_taken_over() -> None:
    now = clock.now()
    lanes.take_lease("a", now=now, seconds=30)

    assert lanes.take_lease("b", now=now + dt.timedelta(seconds=31), seconds=30)
    assert RelayLease.objects.get().holder == "b"


@pytest.mark.django_db
def test_releasing_a_lease_held_by_another_does_nothing() -> None:
    lanes.take_lease("a", now=clock.now(), seconds=30)

    lanes.release_lease("b")

    assert RelayLease.objects.get().holder == "a"


@pytest.mark.django_db
def test_on_sqlite_a_second_relay_does_nothing_while_the_first_holds_the_lease(
    receiver: Receiver,
) -> None:
    sqlite_only()
    subscribe(receiver.url)
    emit()
    RelayLease.objects.create(
        name="relay", holder="first", expires_at=clock.now() + dt.timedelta(seconds=30)
    )

    stats = engine.run(relay_name="second", once=True)

    assert (stats.batches, stats.delivered) == (0, 0)
    assert receiver.requests == []
    assert RelayLease.objects.get().holder == "first"


@pytest.mark.django_db
def test_on_sqlite_a_second_relay_takes_over_once_the_lease_expired(receiver: Receiver) -> None:
    sqlite_only()
    subscribe(receiver.url)
    event = emit()
    RelayLease.objects.create(
        name="relay", holder="first", expires_at=clock.now() - dt.timedelta(seconds=1)
    )

    stats = engine.run(relay_name="second", once=True)

    assert stats.delivered == 1
    assert [e["event_id"] for e in receiver.events] == [str(event.event_id)]
    assert DeliveryAttempt.objects.get().relay == "second"


@pytest.mark.django_db
def test_on_sqlite_a_relay_gives_its_lease_up_when_it_stops(receiver: Receiver) -> None:
    sqlite_only()
    subscribe(receiver.url)
    emit()

    engine.run(relay_name="first", once=True)

    assert not RelayLease.objects.exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_on_postgresql_a_claimed_lane_is_skipped_by_another_relay() -> None:
    postgres_only()
    subscribe("http://127.0.0.1:9/unused")
    for n in range(64):
        emit(aggregate_id=n)
    claimed, release = threading.Event(), threading.Event()
    first: list[int] = []

    def hold() -> None:
        try:
            with transaction.atomic():
                first.extend(c.pk for c in lanes.claim_lanes(now=clock.now(), limit=4))
                claimed.set()
                release.wait(WAIT)
        finally:
            claimed.set()
            connections.close_all()

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert claimed.wait(WAIT)
        with transaction.atomic():
            second = [c.pk for c in lanes.claim_lanes(now=clock.now(), limit=16)]
    finally:
        release.set()
        holder.join(WAIT)

    assert len(first) == 4
    assert second and not set(first) & set(second)
    assert len(set(first) | set(second)) == outbox.PARTITIONS


class Watched:
    """A real webhook transport that records which relay holds which lane while delivering,
    so a lane delivered by two relays at once would be seen."""

    def __init__(self, sub: Subscription, relay: str, board: Board) -> None:
        self.inner, self.relay, self.board = WebhookTransport(sub), relay, board

    def deliver(self, events: Sequence[OutboundEvent]) -> DeliveryResult:
        held = {outbox.partition_of(e.aggregate_type, e.aggregate_id) for e in events}
        self.board.enter(self.relay, held)
        try:
            time.sleep(0.005)  # widen the window in which the other relay could collide
            return self.inner.deliver(events)
        finally:
            self.board.leave(self.relay, held)

    def close(self) -> None:
        self.inner.close()


class Board:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.holders: dict[int, str] = {}
        self.collisions: list[tuple[int, str, str]] = []
        self.lanes_by_relay: dict[str, set[int]] = defaultdict(set)

    def enter(self, relay: str, held: set[int]) -> None:
        with self.lock:
            for lane in held:
                other = self.holders.get(lane)
                if other is not None and other != relay:
                    self.collisions.append((lane, other, relay))
                self.holders[lane] = relay
                self.lanes_by_relay[relay].add(lane)

    def leave(self, relay: str, held: set[int]) -> None:
        with self.lock:
            for lane in held:
                if self.holders.get(lane) == relay:
                    del self.holders[lane]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_on_postgresql_two_relays_deliver_every_event_exactly_once_between_them(
    receiver: Receiver,
) -> None:
    postgres_only()
    subscribe(receiver.url)
    emitted = [emit(aggregate_id=f"A{n % 40}", n=n) for n in range(400)]
    board, stop = Board(), threading.Event()
    stats: dict[str, Any] = {}

    def relay(name: str) -> None:
        try:
            stats[name] = engine.run(
                relay_name=name,
                stop=stop,
                batch=10,
                transports=lambda sub: Watched(sub, name, board),
            )
        except Exception as exc:
            stats[name] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=relay, args=(n,)) for n in ("r1", "r2")]
    for t in threads:
        t.start()
    deadline = time.monotonic() + WAIT
    while len(receiver.requests) < len(emitted) and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.3)  # a duplicate would arrive now
    stop.set()
    for t in threads:
        t.join(WAIT)

    assert all(isinstance(s, engine.RunStats) for s in stats.values()), stats
    got = receiver.events
    assert sorted(e["event_id"] for e in got) == sorted(str(e.event_id) for e in emitted)
    assert board.collisions == []
    assert stats["r1"].delivered > 0 and stats["r2"].delivered > 0
    assert stats["r1"].delivered + stats["r2"].delivered == len(emitted)
    seqs: dict[str, list[int]] = defaultdict(list)
    for e in got:
        seqs[e["aggregate_id"]].append(e["aggregate_seq"])
    assert all(s == sorted(s) for s in seqs.values())
