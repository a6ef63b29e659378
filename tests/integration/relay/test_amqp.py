"""RabbitMQ delivery (issue 7, 1b; invariant 3) against the machine's broker at 127.0.0.1:5672.

Every test publishes to its own exchange and reads through exclusive queues (amqp_support), so
the suites several people run at once never see each other's messages.
"""

from __future__ import annotations

import json
import socket
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from tests.integration.relay.amqp_support import (
    URL,
    Exchange,
    Proxy,
    Received,
    events,
    needs_broker,
    private_exchange,
)

from mederp.integration.models import Subscription
from mederp.integration.relay.amqp import DEFAULT_EXCHANGE, AmqpTransport, exchange_of
from mederp.integration.relay.contract import DeliveryResult, OutboundEvent
from mederp.integration.relay.secrets import seal_secret

pytestmark = needs_broker


@pytest.fixture
def broker() -> Iterator[Exchange]:
    with private_exchange() as exchange:
        yield exchange


@pytest.fixture
def proxy() -> Iterator[Proxy]:
    forwarder = Proxy()
    yield forwarder
    forwarder.close()


@pytest.fixture
def transport() -> Iterator[Any]:
    made: list[AmqpTransport] = []

    def make(url: str, exchange: str, **options: Any) -> AmqpTransport:
        subscription = Subscription(
            name=f"test-{uuid.uuid4()}", kind="amqp", url=url, exchange=exchange,
            secret_encrypted=options.pop("secret_encrypted", ""),
        )  # fmt: skip
        made.append(AmqpTransport(subscription, **options))
        return made[-1]

    yield make
    for t in made:
        t.close()


def deliver_all(t: AmqpTransport, batch: list[OutboundEvent], tries: int = 20) -> list[str]:
    """What the engine does: deliver, and on a shortfall try again a little later from the first
    event not confirmed. Returns the errors met on the way."""
    errors = []
    while batch and tries:
        result = t.deliver(batch)
        batch = batch[result.delivered :]
        if result.error:
            errors.append(result.error)
            time.sleep(0.1)
        tries -= 1
    assert not batch, errors
    return errors


def ids(received: list[Received]) -> list[str]:
    return [m.properties.message_id for m in received]


def test_events_arrive_routed_by_event_type_as_persistent_json_with_their_aggregate(
    broker: Exchange, transport: Any
) -> None:
    orders = broker.queue("sales.order.*")
    lots = broker.queue("inventory.#")
    sent = events(3, aggregates=2)

    result = transport(URL, broker.name).deliver(sent)

    assert result == DeliveryResult(delivered=3)
    got = broker.take(orders, 3)
    assert ids(got) == [str(e.event_id) for e in sent]
    for message, event in zip(got, sent, strict=True):
        assert message.routing_key == "sales.order.changed"
        assert message.properties.delivery_mode == 2
        assert message.properties.content_type == "application/json"
        assert message.properties.type == event.event_type
        assert message.properties.timestamp == int(event.occurred_at.timestamp())
        assert message.properties.headers == {
            "aggregate_type": "sales.order",
            "aggregate_id": event.aggregate_id,
            "aggregate_seq": event.aggregate_seq,
            "position": event.position,
            "schema_version": 1,
        }
        assert message.body == event.message_body()
        assert json.loads(message.body)["payload"]["note"] == "订单 changed"
    assert broker.count(lots) == 0


def test_events_of_one_aggregate_arrive_in_their_order(broker: Exchange, transport: Any) -> None:
    queue = broker.queue()
    sent = events(3000, aggregates=7)
    t = transport(URL, broker.name)

    for start in range(0, len(sent), 500):
        assert t.deliver(sent[start : start + 500]).delivered == 500

    got = broker.take(queue, len(sent))
    assert ids(got) == [str(e.event_id) for e in sent]
    by_aggregate: dict[str, list[int]] = {}
    for message in got:
        headers = message.properties.headers
        by_aggregate.setdefault(headers["aggregate_id"], []).append(headers["aggregate_seq"])
    assert len(by_aggregate) == 7
    for seqs in by_aggregate.values():
        assert seqs == list(range(1, len(seqs) + 1))


def test_the_default_exchange_is_mederp_events(broker: Exchange, transport: Any) -> None:
    assert exchange_of(Subscription(exchange="")) == DEFAULT_EXCHANGE == "mederp.events"
    assert exchange_of(Subscription(exchange="  ")) == "mederp.events"
    assert exchange_of(Subscription(exchange="plant.events")) == "plant.events"
    # One probe with an event type nobody else binds, read through this test's own queue.
    probe = events(1, event_type=f"test.probe-{uuid.uuid4().hex}")
    broker.channel.exchange_declare("mederp.events", exchange_type="topic", durable=True)
    queue = broker.queue(probe[0].event_type, exchange="mederp.events")

    assert transport(URL, "").deliver(probe).delivered == 1

    assert ids(broker.take(queue, 1)) == [str(probe[0].event_id)]


def test_an_empty_batch_needs_no_broker(transport: Any) -> None:
    assert transport(f"amqp://guest:guest@127.0.0.1:{_closed_port()}/", "x").deliver([]) == (
        DeliveryResult(delivered=0)
    )


def test_an_unreachable_broker_is_an_error_in_the_result_not_an_exception(
    transport: Any,
) -> None:
    result = transport(f"amqp://guest:guest@127.0.0.1:{_closed_port()}/%2F", "x").deliver(events(2))

    assert result.delivered == 0
    assert result.error.startswith("RabbitMQ: ")


def test_a_refused_login_waits_for_the_backoff_before_trying_again(
    proxy: Proxy, transport: Any
) -> None:
    url = proxy.url.replace("guest:guest@", "guest:wrong@")
    t = transport(url, f"mederp.events.test-{uuid.uuid4()}", backoff_base_s=60)

    first = t.deliver(events(1))
    second = t.deliver(events(1))

    assert first.delivered == second.delivered == 0
    assert "guest:wrong" not in first.error and "wrong" not in first.error
    assert "next connection attempt in" in second.error
    assert proxy.connections == 1  # the second delivery did not knock on the broker's door


def test_the_broker_password_is_read_from_the_encrypted_secret(
    broker: Exchange, transport: Any
) -> None:
    queue = broker.queue()
    url = URL.replace("guest:guest@", "guest@")
    sent = events(2)

    good = transport(url, broker.name, secret_encrypted=seal_secret("guest")).deliver(sent)
    bad = transport(url, broker.name, secret_encrypted="not a sealed secret").deliver(sent)
    no_url = transport("https://broker.example/", broker.name).deliver(sent)

    assert good.delivered == 2 and ids(broker.take(queue, 2)) == [str(e.event_id) for e in sent]
    assert bad.delivered == 0 and "cannot be decrypted" in bad.error
    assert no_url.delivered == 0 and "amqp://" in no_url.error


def test_an_exchange_of_another_type_is_reported_not_raised(transport: Any) -> None:
    with private_exchange() as other:
        other.channel.exchange_delete(other.name)
        other.channel.exchange_declare(other.name, exchange_type="fanout", durable=True)

        result = transport(URL, other.name).deliver(events(1))

    assert result.delivered == 0
    assert "PRECONDITION_FAILED" in result.error or "406" in result.error


def test_an_event_no_queue_binds_is_confirmed_and_does_not_hold_the_lane(
    broker: Exchange, transport: Any
) -> None:
    """Consumers choose their bindings; an event type nobody binds must not stop the events
    after it (they may be the ones a consumer wants)."""
    queue = broker.queue("sales.#")
    sent = events(2) + events(1, event_type="inventory.lot.released") + events(1)

    result = transport(URL, broker.name).deliver(sent)

    assert result == DeliveryResult(delivered=4)
    got = [m.properties.type for m in broker.take(queue, 3)]
    assert got == ["sales.order.changed"] * 3


def test_a_message_the_broker_refuses_stops_the_batch_and_is_not_counted(
    broker: Exchange, transport: Any
) -> None:
    queue = broker.queue(**{"x-max-length": 2, "x-overflow": "reject-publish"})
    sent = events(4)
    t = transport(URL, broker.name)

    result = t.deliver(sent)
    broker.take(queue, 2)
    retried = t.deliver(sent[2:])

    assert result.delivered == 2
    assert "nack" in result.error
    assert retried == DeliveryResult(delivered=2)


def test_reconnects_after_the_connection_is_closed_under_it(
    broker: Exchange, proxy: Proxy, transport: Any
) -> None:
    queue = broker.queue()
    before, after = events(5), events(5, start=6)
    t = transport(proxy.url, broker.name, backoff_base_s=0.05)
    assert t.deliver(before).delivered == 5

    proxy.cut()
    deliver_all(t, after)

    assert proxy.connections == 2
    assert set(ids(broker.take(queue, 10))) == {str(e.event_id) for e in before + after}


def test_a_connection_cut_mid_batch_loses_no_event_and_keeps_each_aggregate_in_order(
    broker: Exchange, proxy: Proxy, transport: Any
) -> None:
    queue = broker.queue()
    sent = events(2000, aggregates=13)
    t = transport(proxy.url, broker.name, backoff_base_s=0.05)
    assert t.deliver(sent[:1]).delivered == 1  # connected

    proxy.cut_after(200_000)  # about a third of the next batch's bytes
    cut = t.deliver(sent[1:])
    assert cut.delivered < 1999 and cut.error
    errors = deliver_all(t, sent[1 + cut.delivered :])

    got = broker.take(queue, len(sent), timeout=10)
    first_seen: dict[str, None] = dict.fromkeys(ids(got))
    assert list(first_seen) == [str(e.event_id) for e in sent]  # each at least once, in order
    assert len(errors) <= 3


def test_no_confirm_in_time_is_an_error_and_the_next_delivery_uses_a_new_connection(
    broker: Exchange, proxy: Proxy, transport: Any
) -> None:
    queue = broker.queue()
    sent = events(3)
    t = transport(proxy.url, broker.name, confirm_timeout_s=1, backoff_base_s=0.05)
    assert t.deliver(sent[:1]).delivered == 1

    proxy.stall()
    late = t.deliver(sent[1:])
    proxy.flow()
    deliver_all(t, sent[1:])

    assert late.delivered == 0 and "confirm" in late.error
    assert proxy.connections == 2
    assert set(ids(broker.take(queue, 3))) == {str(e.event_id) for e in sent}


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
