"""Delivery to RabbitMQ (issue 7, 1b): a durable topic exchange, routing key = event type,
persistent messages, publisher confirms, reconnection with exponential backoff.

Why a connection thread: pika's ``BlockingChannel`` in confirm mode waits for each message's
confirm before sending the next one, and RabbitMQ confirms a persistent message to a durable
queue only after writing it to disk: measured on the project's 2-core machine, about 490
messages/s. Here a batch is published in one go and the transport waits once for all its
confirms, which the broker sends for many messages at a time (``multiple``) after one disk
write. The connection is a ``SelectConnection`` whose I/O loop runs in a daemon thread, which
also answers heartbeats between batches; the caller hands it a batch through
``add_callback_threadsafe``, the one pika call made to cross threads.

Messages are not published ``mandatory``: the subscription's event types decide what is
published, and which queues bind to what is the consumers' business. With ``mandatory`` an event
type no queue happens to bind would come back for ever and hold its lane, and with it every
other aggregate in that lane, because of a binding choice. The broker confirms an unroutable
message like any other; a deployment that must keep such events gives the exchange an alternate
exchange by broker policy (docs/relay.md). A message that is returned all the same (a
``mandatory`` policy) still stops the batch.

At least once: whatever was not confirmed when the connection broke, or the process died, is
sent again by the next attempt; consumers dedupe by ``message_id`` (the event id).
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Sequence
from typing import Any
from urllib.parse import unquote, urlsplit, urlunsplit

import pika
from pika.spec import Basic

from mederp.integration.relay import backoff
from mederp.integration.relay.contract import DeliveryResult, OutboundEvent
from mederp.integration.relay.secrets import SecretUnreadable, open_secret

DEFAULT_EXCHANGE = "mederp.events"
CONNECT_TIMEOUT_S = 10.0
CONFIRM_TIMEOUT_S = 30.0
BACKOFF_BASE_S = 0.5
BACKOFF_MAX_S = 30.0

_PENDING, _ACKED, _NACKED, _RETURNED = range(4)


def exchange_of(subscription: Any) -> str:
    """The exchange a subscription publishes to: its own, else ``mederp.events``."""
    return (getattr(subscription, "exchange", "") or "").strip() or DEFAULT_EXCHANGE


def connection_parameters(url: str, password: str | None = None, name: str = "") -> Any:
    """pika parameters for ``amqp[s]://user[:password]@host[:port]/vhost[?options]``.

    The password normally comes from the subscription's encrypted secret (``password``); one
    embedded in the URL is accepted too. pika's own URL parser refuses a user without a password,
    so the credentials are taken out of the URL here.
    """
    parts = urlsplit(url)
    if parts.scheme not in {"amqp", "amqps"} or not parts.hostname:
        raise ValueError("an AMQP URL looks like amqp://user@host:5672/vhost")
    user = unquote(parts.username or "guest")
    if password is None:
        password = unquote(parts.password or "")
    netloc = parts.netloc.rpartition("@")[2]
    params = pika.URLParameters(urlunsplit((parts.scheme, netloc, parts.path, parts.query, "")))
    params.credentials = pika.PlainCredentials(user, password)
    params.connection_attempts = 1
    params.socket_timeout = CONNECT_TIMEOUT_S / 2
    params.stack_timeout = CONNECT_TIMEOUT_S
    # A broker that blocks publishers (memory or disk alarm) for this long is treated as down.
    params.blocked_connection_timeout = CONFIRM_TIMEOUT_S
    params.client_properties = {"connection_name": name or "mederp relay", "product": "MedERP"}
    return params


def properties_of(event: OutboundEvent) -> Any:
    """Persistent, typed, with the aggregate in the headers so consumers can route on them."""
    return pika.BasicProperties(
        delivery_mode=pika.DeliveryMode.Persistent,
        content_type="application/json",
        content_encoding="utf-8",
        message_id=str(event.event_id),
        type=event.event_type,
        timestamp=int(event.occurred_at.timestamp()),
        app_id="mederp",
        headers={
            "aggregate_type": event.aggregate_type,
            "aggregate_id": event.aggregate_id,
            "aggregate_seq": event.aggregate_seq,
            "position": event.position,
            "schema_version": event.schema_version,
        },
    )


class _Unavailable(Exception):
    """The broker cannot be reached now; the message says why (never the password)."""


class _Batch:
    """One ``deliver`` call: its messages and what the broker said about each, in order.

    The batch is done when the broker has answered for every message (or the link broke), even
    after an early refusal: no confirm or return of it can then arrive during the next batch.
    """

    def __init__(self, events: Sequence[OutboundEvent]) -> None:
        self.messages = [(e.event_type, e.message_body(), properties_of(e)) for e in events]
        self.index_of = {str(e.event_id): i for i, e in enumerate(events)}
        self.state = [_PENDING] * len(events)
        self.unsettled = len(events)
        self.reasons: dict[int, str] = {}
        self.first_tag = 0  # delivery tag of the first message, once published
        self.prefix = 0  # how many leading messages are confirmed
        self.failure = ""  # the connection or channel broke under the batch
        self.done = threading.Event()
        self._lock = threading.Lock()

    def settle(self, index: int, state: int, reason: str = "", *, upto: bool = False) -> None:
        """Record a confirm (or nack, or return) of message ``index``, or of all up to it."""
        with self._lock:
            for i in range(self.prefix if upto else index, index + 1):
                if 0 <= i < len(self.state) and self.state[i] == _PENDING:
                    self.state[i] = state
                    self.unsettled -= 1
                    if reason:
                        self.reasons[i] = reason
            while self.prefix < len(self.state) and self.state[self.prefix] == _ACKED:
                self.prefix += 1
            if self.unsettled == 0:
                self.done.set()

    def fail(self, reason: str) -> None:
        with self._lock:
            self.failure = self.failure or reason
            self.done.set()

    def outcome(self) -> tuple[int, str, bool]:
        """(leading messages confirmed, why the next one was not, whether the link broke)."""
        with self._lock:
            delivered = self.prefix
            if delivered == len(self.state):
                return delivered, "", False
            if self.state[delivered] != _PENDING:
                return delivered, self.reasons.get(delivered, "refused by the broker"), False
            return delivered, self.failure or "no publisher confirm in time", True


class _Link:
    """One connection with one confirm-mode channel, driven by its own I/O loop thread."""

    def __init__(self, params: Any, exchange: str, timeout: float) -> None:
        self.exchange = exchange
        self.ready = threading.Event()
        self.closed = ""  # why the link is gone; empty while it lives
        self.batch: _Batch | None = None
        self.channel: Any = None
        self.next_tag = 1
        self.connection = pika.SelectConnection(
            params,
            on_open_callback=self._on_open,
            on_open_error_callback=self._on_gone,
            on_close_callback=self._on_gone,
        )
        self.thread = threading.Thread(target=self._run, name="mederp-amqp", daemon=True)
        self.thread.start()
        if not self.ready.wait(timeout):
            self.close(wait=0.5)
            raise _Unavailable(f"no connection to the broker within {timeout:.0f}s")
        if self.closed:
            raise _Unavailable(self.closed)

    @property
    def alive(self) -> bool:
        return not self.closed and self.thread.is_alive()

    def submit(self, batch: _Batch) -> None:
        self.batch = batch
        try:
            self.connection.ioloop.add_callback_threadsafe(lambda: self._publish(batch))
        except Exception as exc:  # the loop is already closed
            batch.fail(f"connection lost: {exc}")

    def close(self, wait: float = 5.0) -> None:
        """Close the connection; wait for the broker's goodbye at most ``wait`` seconds (a
        broken link may never answer: its daemon thread ends when the socket does)."""
        if self.thread.is_alive():
            with contextlib.suppress(Exception):  # the loop may be gone already
                self.connection.ioloop.add_callback_threadsafe(self._close)
            self.thread.join(wait)
        self.closed = self.closed or "closed"

    def _run(self) -> None:
        try:
            self.connection.ioloop.start()
        except Exception as exc:
            self._lost(f"connection loop failed: {exc}")
        finally:
            self._lost("connection closed")

    def _lost(self, reason: str) -> None:
        self.closed = self.closed or reason
        if self.batch is not None:
            self.batch.fail(f"connection lost: {self.closed}")
        self.ready.set()

    # Everything below runs in the I/O thread.

    def _on_open(self, connection: Any) -> None:
        connection.channel(on_open_callback=self._on_channel)

    def _on_channel(self, channel: Any) -> None:
        self.channel = channel
        channel.add_on_close_callback(self._on_channel_closed)
        channel.add_on_return_callback(self._on_return)
        channel.confirm_delivery(ack_nack_callback=self._on_confirm, callback=self._on_confirming)

    def _on_confirming(self, _frame: Any) -> None:
        self.channel.exchange_declare(
            self.exchange, exchange_type="topic", durable=True, callback=self._on_declared
        )

    def _on_declared(self, _frame: Any) -> None:
        self.ready.set()

    def _on_gone(self, _connection: Any, exception: Any) -> None:
        self._lost(_describe(exception))
        self.connection.ioloop.stop()

    def _on_channel_closed(self, _channel: Any, exception: Any) -> None:
        # A channel error (exchange of another type, access refused) ends the whole link.
        self.closed = self.closed or _describe(exception)
        if not (self.connection.is_closing or self.connection.is_closed):
            self.connection.close()

    def _close(self) -> None:
        if not (self.connection.is_closing or self.connection.is_closed):
            self.connection.close()
        else:
            self.connection.ioloop.stop()

    def _publish(self, batch: _Batch) -> None:
        if self.closed or self.channel is None or not self.channel.is_open:
            batch.fail(f"connection lost: {self.closed or 'channel closed'}")
            return
        batch.first_tag = self.next_tag
        try:
            for routing_key, body, properties in batch.messages:
                self.channel.basic_publish(
                    self.exchange, routing_key, body, properties, mandatory=False
                )
                self.next_tag += 1
        except Exception as exc:
            batch.fail(f"publishing failed: {_describe(exc)}")

    def _on_confirm(self, frame: Any) -> None:
        batch, method = self.batch, frame.method
        if batch is None or not batch.first_tag or method.delivery_tag < batch.first_tag:
            return  # not this batch's (earlier batches were answered in full)
        state = _ACKED if isinstance(method, Basic.Ack) else _NACKED
        reason = "" if state == _ACKED else "the broker refused the message (nack)"
        batch.settle(method.delivery_tag - batch.first_tag, state, reason, upto=method.multiple)

    def _on_return(self, _channel: Any, method: Any, properties: Any, _body: bytes) -> None:
        batch = self.batch
        index = batch.index_of.get(properties.message_id) if batch else None
        if batch is not None and index is not None:
            reason = (
                f"unroutable: no queue is bound for {method.routing_key!r} on "
                f"{method.exchange!r} ({method.reply_code} {method.reply_text})"
            )
            batch.settle(index, _RETURNED, reason)


def _describe(exception: Any) -> str:
    text = f"{type(exception).__name__}: {exception}" if exception else "connection closed"
    return text[:400]


class AmqpTransport:
    """The :class:`~mederp.integration.relay.contract.Transport` of an ``amqp`` subscription.

    One connection per transport, opened on the first delivery and again after it breaks,
    with exponential backoff and jitter between failed attempts (the engine also backs off the
    lane). ``deliver`` never raises for a broker fault: it answers how many leading events were
    confirmed and why the next was not.
    """

    def __init__(
        self,
        subscription: Any,
        *,
        password: str | None = None,
        confirm_timeout_s: float = CONFIRM_TIMEOUT_S,
        connect_timeout_s: float = CONNECT_TIMEOUT_S,
        backoff_base_s: float = BACKOFF_BASE_S,
        backoff_max_s: float = BACKOFF_MAX_S,
    ) -> None:
        self.exchange = exchange_of(subscription)
        self._params: Any = None
        self._config_error = ""
        try:
            if password is None and subscription.secret_encrypted:
                password = open_secret(subscription.secret_encrypted)
            self._params = connection_parameters(
                subscription.url, password, name=f"mederp relay: {subscription.name}"
            )
        except (ValueError, SecretUnreadable) as exc:
            # A configuration fault is reported by every delivery, like a broker fault.
            self._config_error = str(exc)
        self._confirm_timeout = confirm_timeout_s
        self._connect_timeout = connect_timeout_s
        self._backoff = (backoff_base_s, backoff_max_s)
        self._link: _Link | None = None
        self._failures = 0
        self._retry_at = 0.0
        self._last_error = ""
        self._lock = threading.Lock()

    def deliver(self, events: Sequence[OutboundEvent]) -> DeliveryResult:
        if not events:
            return DeliveryResult(delivered=0)
        if self._config_error:
            return DeliveryResult(delivered=0, error=f"RabbitMQ: {self._config_error}"[:500])
        with self._lock:
            try:
                link = self._connected()
            except _Unavailable as exc:
                return DeliveryResult(delivered=0, error=f"RabbitMQ: {exc}"[:500])
            batch = _Batch(events)
            link.submit(batch)
            batch.done.wait(self._confirm_timeout)
            delivered, error, broken = batch.outcome()
            link.batch = None
            if broken:
                self._drop(wait=0.5)
                if delivered == 0:
                    self._failed(error)
            if delivered:
                self._failures = 0
            return DeliveryResult(
                delivered=delivered, error=f"RabbitMQ: {error}"[:500] if error else ""
            )

    def close(self) -> None:
        with self._lock:
            self._drop()

    def _connected(self) -> _Link:
        if self._link is not None and self._link.alive:
            return self._link
        self._drop(wait=0.5)
        wait = self._retry_at - time.monotonic()
        if wait > 0:
            raise _Unavailable(f"{self._last_error} (next connection attempt in {wait:.1f}s)")
        try:
            self._link = _Link(self._params, self.exchange, self._connect_timeout)
        except _Unavailable as exc:
            self._failed(str(exc))
            raise
        return self._link

    def _failed(self, error: str) -> None:
        """Count a failure and push the next connection attempt back (exponential, capped, full
        jitter, so relays do not all reconnect at once after a broker restart)."""
        self._failures += 1
        base, cap = self._backoff
        self._retry_at = time.monotonic() + backoff.delay(self._failures, base_s=base, cap_s=cap)
        self._last_error = error

    def _drop(self, wait: float = 5.0) -> None:
        link, self._link = self._link, None
        if link is not None:
            link.close(wait)
