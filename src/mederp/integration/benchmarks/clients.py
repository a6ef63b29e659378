"""What the relay benchmark's database processes do (``core.benchmarks.workers.Worker``): each
runs with its own Django on the scratch database and answers one command at a time.

- ``prepare``: the pre-written events, bulk-inserted and sequenced (rows as ``outbox.emit``
  writes them: lane, per-aggregate number, a realistic payload);
- ``subscribe``: pause every subscription, then create the phase's own through the service,
  its lanes starting at a chosen feed position, in one transaction; answers the commit time;
- ``produce``: a lag-phase producer, one event per transaction at a fixed rate, answering
  each event's commit time;
- ``select_floor``, ``transport_floor``, ``blocking_floor``: the references (the events read with
  no delivery; delivered by the transports with no database; RabbitMQ one confirm at a time).
"""

from __future__ import annotations

import datetime as dt
import time
import uuid
from typing import Any

from mederp.core.benchmarks.workers import database_version, until

AGGREGATE = "bench.order"
READ_PAGE = 500
WEBHOOK_CHUNK = 25  # as the engine hands webhook events to the transport


def _payload(n: int) -> dict[str, Any]:
    """About what ``sales.order.shipped`` carries: numbers, a Chinese name, lines."""
    return {
        "order": f"SO-2026-{n:07d}",
        "customer": {"code": f"C{n % 997:04d}", "name": "上海某某医疗器械有限公司"},
        "shipped_at": "2026-11-26T09:00:00Z",
        "lines": [
            {"product": "P-100", "lot": f"L{n % 89:05d}", "quantity": "12.000"},
            {"product": "P-200", "lot": f"L{n % 83:05d}", "quantity": "3.000"},
        ],
    }


def prepare(_number: int, event_type: str, count: int, aggregates: int) -> dict[str, int]:
    """``count`` committed, sequenced events over ``aggregates`` orders; their feed range."""
    from django.db import transaction
    from django.db.models import Max

    from mederp.core import outbox
    from mederp.core.models import OutboxEvent

    seq = dict(
        OutboxEvent.objects.filter(aggregate_type=AGGREGATE)
        .values("aggregate_id")
        .annotate(m=Max("aggregate_seq"))
        .values_list("aggregate_id", "m")
    )
    occurred = dt.datetime.now(dt.UTC)
    rows = []
    for n in range(count):
        aggregate = f"{event_type}:{n % aggregates}"
        seq[aggregate] = seq.get(aggregate, 0) + 1
        rows.append(
            OutboxEvent(
                event_id=uuid.uuid4(),
                event_type=event_type,
                aggregate_type=AGGREGATE,
                aggregate_id=aggregate,
                aggregate_seq=seq[aggregate],
                payload=_payload(n),
                occurred_at=occurred,
                actor_name="bench",
                partition=outbox.partition_of(AGGREGATE, aggregate),
            )
        )
    first = (OutboxEvent.objects.aggregate(m=Max("position"))["m"] or 0) + 1
    for start in range(0, count, 2000):
        with transaction.atomic():
            OutboxEvent.objects.bulk_create(rows[start : start + 2000])
    outbox.assign_positions()
    last = OutboxEvent.objects.aggregate(m=Max("position"))["m"] or 0
    return {"first": first, "last": last}


def subscribe(
    _number: int, name: str, kind: str, url: str, exchange: str, pattern: str, start: int | None
) -> float:
    """Pause the other subscriptions; create ``name`` with its lanes after feed position
    ``start`` (None: the head, as the service's "now"). The wall-clock time of the commit."""
    from django.db import transaction

    from mederp.core.actors import Actor
    from mederp.integration import services
    from mederp.integration.models import RelayCursor, Subscription

    actor = Actor.system("bench")
    for sub_id in Subscription.objects.filter(active=True).values_list("pk", flat=True):
        services.set_active(actor, sub_id, active=False, reason="benchmark phase over")
    with transaction.atomic():
        created = services.create_subscription(
            actor, name=name, kind=kind, url=url, event_types=[pattern],
            exchange=exchange if kind == "amqp" else "",
            start="now" if start is None else "beginning",
        )  # fmt: skip
        if start:
            RelayCursor.objects.filter(subscription=created.subscription).update(position=start)
    return time.time()


def produce(
    number: int, event_type: str, rate: float, count: int, start_at: float
) -> dict[str, float]:
    """``count`` events, one per transaction through ``outbox.emit``, at ``rate`` per second
    from ``start_at``; each event id with the wall-clock time its transaction committed. Each
    producer writes its own aggregates (concurrent writers of one aggregate would hold its
    lock in a real service)."""
    from django.db import transaction

    from mederp.core import outbox
    from mederp.core.actors import Actor

    actor = Actor.system("bench")
    committed: dict[str, float] = {}
    until(start_at)
    for n in range(count):
        delay = start_at + n / rate - time.time()
        if delay > 0:
            time.sleep(delay)
        with transaction.atomic():
            event = outbox.emit(
                actor, event_type, aggregate_type=AGGREGATE,
                aggregate_id=f"lag:{number}:{n % 50}", payload=_payload(n),
            )  # fmt: skip
        committed[str(event.event_id)] = time.time()
    return committed


def _events(first: int, last: int) -> list[Any]:
    from mederp.core.models import OutboxEvent
    from mederp.integration.relay.contract import OutboundEvent

    rows = OutboxEvent.objects.filter(position__gte=first, position__lte=last).order_by("position")
    return [OutboundEvent.from_row(row) for row in rows.iterator(chunk_size=2000)]


def select_floor(_number: int, first: int, last: int) -> dict[str, float]:
    """Read the range in feed order, a page at a time, and build each message body: what the
    relay must do per event whatever the destination."""
    from mederp.core.models import OutboxEvent
    from mederp.integration.relay.contract import OutboundEvent

    started = time.perf_counter()
    after, count = first - 1, 0
    while after < last:
        page = list(
            OutboxEvent.objects.filter(position__gt=after, position__lte=last).order_by("position")[
                :READ_PAGE
            ]
        )
        if not page:
            break
        for row in page:
            OutboundEvent.from_row(row).message_body()
        count += len(page)
        after = int(page[-1].position or 0)
    return {"events": count, "seconds": time.perf_counter() - started}


def transport_floor(_number: int, name: str, first: int, last: int, batch: int) -> float:
    """Deliver the range through the subscription's transport with no database in between
    (events read beforehand); the wall-clock time delivery started."""
    from mederp.integration.models import Subscription
    from mederp.integration.relay.transports import default_transport

    events = _events(first, last)
    sub = Subscription.objects.get(name=name)
    transport = default_transport(sub)
    step = WEBHOOK_CHUNK if sub.kind == "webhook" else batch
    started = time.time()
    try:
        for start in range(0, len(events), step):
            part = events[start : start + step]
            while part:
                result = transport.deliver(part)
                part = part[result.delivered :]
                if result.error:
                    time.sleep(0.05)
    finally:
        transport.close()
    return started


def blocking_floor(_number: int, url: str, exchange: str, first: int, last: int) -> dict[str, Any]:
    """pika's BlockingChannel in confirm mode (each publish waits for its own confirm)."""
    import pika

    from mederp.integration.relay.amqp import connection_parameters, properties_of

    events = _events(first, last)
    connection = pika.BlockingConnection(connection_parameters(url, name="mederp bench"))
    try:
        channel = connection.channel()
        channel.confirm_delivery()
        started = time.perf_counter()
        for event in events:
            channel.basic_publish(
                exchange, event.event_type, event.message_body(), properties_of(event),
                mandatory=True,
            )  # fmt: skip
        seconds = time.perf_counter() - started
    finally:
        connection.close()
    return {"events": len(events), "seconds": seconds}


def database(_number: int) -> str:
    return database_version()


COMMANDS = {
    "prepare": prepare,
    "subscribe": subscribe,
    "produce": produce,
    "select_floor": select_floor,
    "transport_floor": transport_floor,
    "blocking_floor": blocking_floor,
    "database": database,
}
