"""The webhook transport against a real HTTP receiver on 127.0.0.1 (issue 7, 1a): each event
POSTed with its signed headers, in order, stopping at the first one not taken."""

from __future__ import annotations

import datetime as dt
import email.utils
import json
import socket
import uuid
from collections.abc import Iterator

import pytest
from tests.integration.relay.engine_support import SECRET, Receiver, serve_receiver

from mederp.core import clock
from mederp.integration.models import Subscription
from mederp.integration.relay import signing
from mederp.integration.relay.contract import OutboundEvent
from mederp.integration.relay.secrets import seal_secret
from mederp.integration.relay.webhook import WebhookTransport, parse_retry_after

NOW = dt.datetime(2026, 11, 26, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    yield from serve_receiver()


def event(position: int, event_type: str = "test.thing.happened") -> OutboundEvent:
    return OutboundEvent(
        position=position,
        event_id=uuid.uuid4(),
        event_type=event_type,
        aggregate_type="test.thing",
        aggregate_id="7",
        aggregate_seq=position,
        schema_version=1,
        occurred_at=NOW,
        payload={"n": position, "名": "无菌注射器"},
    )


def transport(url: str, secret: str | None = SECRET) -> WebhookTransport:
    sub = Subscription(
        name="t",
        kind="webhook",
        url=url,
        secret_encrypted=seal_secret(secret) if secret is not None else "",
    )
    return WebhookTransport(sub)


def test_each_event_is_posted_in_order_with_its_headers(receiver: Receiver) -> None:
    events = [event(1), event(2), event(3)]
    hook = transport(receiver.url)
    with clock.frozen(NOW):
        result = hook.deliver(events)
    hook.close()

    assert result.delivered == 3 and result.error == ""
    assert [r.body for r in receiver.requests] == [e.message_body() for e in events]
    first = receiver.requests[0].headers
    assert first["Content-Type"] == "application/json"
    assert first["User-Agent"] == "MedERP-Relay/1"
    assert first["MedERP-Event-Id"] == str(events[0].event_id)
    assert first["MedERP-Event-Type"] == "test.thing.happened"
    assert first["MedERP-Timestamp"] == str(int(NOW.timestamp()))
    assert json.loads(receiver.requests[0].body)["payload"]["名"] == "无菌注射器"
    assert [(p, s) for p, s, _ms in result.log] == [(1, 204), (2, 204), (3, 204)]


def test_the_receiver_can_verify_each_signature(receiver: Receiver) -> None:
    hook = transport(receiver.url)
    with clock.frozen(NOW):
        hook.deliver([event(1), event(2)])
    hook.close()

    for request in receiver.requests:
        assert signing.verify(SECRET, request.headers, request.body, now=NOW)
        assert not signing.verify("whsec_wrong-secret", request.headers, request.body, now=NOW)


def test_the_batch_stops_at_the_first_event_not_taken(receiver: Receiver) -> None:
    receiver.script = [(200, {}), (500, {})]
    hook = transport(receiver.url)
    result = hook.deliver([event(1), event(2), event(3)])
    hook.close()

    assert result.delivered == 1
    assert result.status_code == 500
    assert result.error.startswith("HTTP 500")
    assert len(receiver.requests) == 2
    assert [(p, s) for p, s, _ms in result.log] == [(1, 200), (2, 500)]


def test_a_redirect_is_not_a_delivery(receiver: Receiver) -> None:
    receiver.script = [(302, {"Location": "http://127.0.0.1:1/elsewhere"})]
    hook = transport(receiver.url)
    result = hook.deliver([event(1)])
    hook.close()

    assert result.delivered == 0 and result.status_code == 302
    assert len(receiver.requests) == 1


def test_429_passes_retry_after_seconds_back(receiver: Receiver) -> None:
    receiver.fail_next(1, 429, **{"Retry-After": "120"})
    hook = transport(receiver.url)
    result = hook.deliver([event(1)])
    hook.close()

    assert result.delivered == 0 and result.status_code == 429
    assert result.retry_after_s == 120


def test_503_passes_a_retry_after_date_back(receiver: Receiver) -> None:
    later = email.utils.format_datetime(NOW + dt.timedelta(seconds=90), usegmt=True)
    receiver.fail_next(1, 503, **{"Retry-After": later})
    hook = transport(receiver.url)
    with clock.frozen(NOW):
        result = hook.deliver([event(1)])
    hook.close()

    assert result.retry_after_s == 90


def test_retry_after_is_ignored_on_other_failures(receiver: Receiver) -> None:
    receiver.fail_next(1, 500, **{"Retry-After": "120"})
    hook = transport(receiver.url)
    result = hook.deliver([event(1)])
    hook.close()

    assert result.retry_after_s is None


def test_a_receiver_that_is_not_listening_is_a_failure_without_status() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    hook = transport(f"http://127.0.0.1:{port}/hook")
    result = hook.deliver([event(1), event(2)])
    hook.close()

    assert result.delivered == 0
    assert result.status_code is None
    assert "Connect" in result.error
    assert [(p, s) for p, s, _ms in result.log] == [(1, None)]


def test_a_subscription_without_a_secret_sends_nothing(receiver: Receiver) -> None:
    hook = transport(receiver.url, secret=None)
    result = hook.deliver([event(1)])
    hook.close()

    assert result.delivered == 0 and "secret" in result.error
    assert receiver.requests == []


@pytest.mark.parametrize(
    ("value", "seconds"),
    [("5", 5.0), (" 30 ", 30.0), ("", None), (None, None), ("soon", None), ("-3", None)],
)
def test_retry_after_values(value: str | None, seconds: float | None) -> None:
    assert parse_retry_after(value) == seconds


def test_a_retry_after_date_in_the_past_means_now() -> None:
    past = email.utils.format_datetime(NOW - dt.timedelta(minutes=5), usegmt=True)
    with clock.frozen(NOW):
        assert parse_retry_after(past) == 0
