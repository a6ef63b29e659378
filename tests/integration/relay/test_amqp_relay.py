"""The relay engine with the real RabbitMQ transport (issue 7, 1b): a subscription made through
the service (its broker password sealed), events committed through ``outbox.emit``, one pass
of ``engine.run``; the machine's broker, this test's own exchange."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest
from django.db import transaction
from tests.integration.relay.amqp_support import URL, Exchange, needs_broker, private_exchange

from mederp.core import outbox
from mederp.core.actors import Actor
from mederp.integration import services
from mederp.integration.models import DeliveryAttempt, DeliveryOutcome, RelayCursor
from mederp.integration.relay import engine

pytestmark = [pytest.mark.django_db, needs_broker]


@pytest.fixture
def broker() -> Iterator[Exchange]:
    with private_exchange() as exchange:
        yield exchange


def subscribe(url: str, exchange: str) -> int:
    made = services.create_subscription(
        Actor.system("test"), name="bus", kind="amqp", url=url, event_types=["sales.*"],
        exchange=exchange,
    )  # fmt: skip
    return made.subscription.pk


def emit(count: int, aggregates: int) -> list[tuple[str, str, int]]:
    made = []
    with transaction.atomic():
        for n in range(count):
            event = outbox.emit(
                Actor.system("test"), "sales.order.shipped", aggregate_type="sales.order",
                aggregate_id=f"SO-{n % aggregates}", payload={"n": n},
            )  # fmt: skip
            made.append((str(event.event_id), event.aggregate_id, event.aggregate_seq))
    return made


def test_the_relay_publishes_committed_events_to_the_exchange_in_aggregate_order(
    broker: Exchange,
) -> None:
    queue = broker.queue("sales.order.*")
    sub = subscribe(URL, broker.name)  # the password comes out of the URL, sealed
    sent = emit(40, aggregates=4)
    with transaction.atomic():  # an event the subscription does not want is not published
        outbox.emit(Actor.system("test"), "inventory.lot.released", aggregate_type="inventory.lot",
                    aggregate_id="L1", payload={})  # fmt: skip

    engine.run(relay_name="t", once=True)

    got = broker.take(queue, 40, timeout=10)
    arrived = [
        (m.properties.message_id, m.properties.headers["aggregate_id"],
         m.properties.headers["aggregate_seq"]) for m in got
    ]  # fmt: skip
    assert sorted(arrived) == sorted(sent)
    for aggregate in {a for _, a, _ in sent}:
        assert [seq for _, a, seq in arrived if a == aggregate] == list(range(1, 11))
    rows = DeliveryAttempt.objects.filter(subscription_id=sub)
    assert {r.outcome for r in rows} == {DeliveryOutcome.DELIVERED}
    assert sum(r.event_count for r in rows) == 40


def test_a_broker_that_is_down_leaves_the_lane_waiting_with_the_error(broker: Exchange) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]
    sub = subscribe(f"amqp://guest:guest@127.0.0.1:{closed}/%2F", broker.name)
    emit(1, aggregates=1)

    engine.run(relay_name="t", once=True)

    lane = RelayCursor.objects.get(subscription_id=sub, attempts__gt=0)
    assert lane.position == 0 and lane.next_attempt_at is not None
    assert lane.last_error.startswith("RabbitMQ: ")
    failed = DeliveryAttempt.objects.get(subscription_id=sub)
    assert failed.outcome == DeliveryOutcome.FAILED and failed.error.startswith("RabbitMQ: ")
