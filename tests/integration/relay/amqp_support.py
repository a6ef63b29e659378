"""The machine's RabbitMQ for relay tests, shared safely by everyone testing at once.

Each test publishes to its OWN exchange (``mederp.events.test-<uuid>``) and reads through
exclusive, auto-deleted queues; :class:`Exchange` deletes what it declared. :class:`Proxy` sits
between a transport and the broker so a test can cut or stall *its own* connection (a broker
restart, a network fault) without touching anybody else's.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pika
import pytest

from mederp.integration.relay.contract import OutboundEvent

HOST = os.environ.get("MEDERP_TEST_AMQP_HOST", "127.0.0.1")
PORT = int(os.environ.get("MEDERP_TEST_AMQP_PORT", "5672"))
URL = f"amqp://guest:guest@{HOST}:{PORT}/%2F"


def broker_answers() -> bool:
    with contextlib.suppress(OSError), socket.create_connection((HOST, PORT), timeout=2):
        return True
    return False


needs_broker = pytest.mark.skipif(
    not broker_answers(), reason=f"RabbitMQ is not answering on {HOST}:{PORT} (.ci/run starts it)"
)


@dataclass
class Received:
    routing_key: str
    properties: Any
    body: bytes
    redelivered: bool


class Exchange:
    """A private durable topic exchange (as the transport declares it) and queues bound to it."""

    def __init__(self) -> None:
        self.name = f"mederp.events.test-{uuid.uuid4()}"
        self.connection = pika.BlockingConnection(pika.URLParameters(URL))
        self.channel = self.connection.channel()
        self.channel.exchange_declare(self.name, exchange_type="topic", durable=True)

    def queue(self, *patterns: str, exchange: str | None = None, **arguments: Any) -> str:
        """An exclusive auto-deleted queue bound with ``patterns`` (default ``#``: everything)."""
        declared = self.channel.queue_declare(
            "", exclusive=True, auto_delete=True, arguments=arguments or None
        )
        name = str(declared.method.queue)
        for pattern in patterns or ("#",):
            self.channel.queue_bind(name, exchange or self.name, routing_key=pattern)
        return name

    def count(self, queue: str) -> int:
        return int(self.channel.queue_declare(queue, passive=True).method.message_count)

    def take(self, queue: str, expected: int, timeout: float = 20.0) -> list[Received]:
        """Consume until ``expected`` distinct events (message ids) arrived, duplicates
        included in the answer, or ``timeout`` passed (then fewer)."""
        got: list[Received] = []
        seen: set[str] = set()
        deadline = time.monotonic() + timeout
        while len(seen) < expected and time.monotonic() < deadline:
            method, properties, body = self.channel.basic_get(queue, auto_ack=True)
            if method is None:
                self.connection.sleep(0.05)
                continue
            got.append(Received(method.routing_key, properties, body, method.redelivered))
            seen.add(properties.message_id)
        return got

    def drain(self, queue: str) -> list[Received]:
        """Every message waiting in ``queue`` now."""
        got: list[Received] = []
        while True:
            method, properties, body = self.channel.basic_get(queue, auto_ack=True)
            if method is None:
                return got
            got.append(Received(method.routing_key, properties, body, method.redelivered))

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.channel.exchange_delete(self.name)
        with contextlib.suppress(Exception):
            self.connection.close()


@contextlib.contextmanager
def private_exchange() -> Iterator[Exchange]:
    exchange = Exchange()
    try:
        yield exchange
    finally:
        exchange.close()


def events(count: int, *, aggregates: int = 10, event_type: str = "sales.order.changed",
           start: int = 1) -> list[OutboundEvent]:  # fmt: skip
    """``count`` events spread round-robin over ``aggregates`` orders, in feed order."""
    seq: dict[str, int] = {}
    made = []
    occurred = dt.datetime(2026, 11, 26, 9, 0, tzinfo=dt.UTC)
    for i in range(count):
        aggregate = f"SO-{i % aggregates}"
        seq[aggregate] = seq.get(aggregate, 0) + 1
        made.append(
            OutboundEvent(
                position=start + i,
                event_id=uuid.uuid4(),
                event_type=event_type,
                aggregate_type="sales.order",
                aggregate_id=aggregate,
                aggregate_seq=seq[aggregate],
                schema_version=1,
                occurred_at=occurred,
                payload={"n": i, "note": "订单 changed"},
            )
        )
    return made


class Proxy:
    """A TCP forwarder in front of the broker that the test controls.

    ``cut()`` closes every connection through it (what a broker restart does to a client),
    ``refuse()``/``admit()`` make new connections fail or succeed, ``stall()`` stops passing the
    broker's frames to the client (confirms never come), ``cut_after(n)`` cuts and
    ``stall_after(n)`` stalls once ``n`` more bytes went from the client to the broker
    (mid-batch, deterministically); ``stalled`` says whether it is stalling now.
    """

    def __init__(self) -> None:
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.url = f"amqp://guest:guest@127.0.0.1:{self.port}/%2F"
        self.refusing = False
        self.flowing = threading.Event()
        self.flowing.set()
        self._budget: int | None = None
        self._then = "cut"
        self._lock = threading.Lock()
        self._sockets: list[socket.socket] = []
        self.connections = 0
        threading.Thread(target=self._accept, daemon=True).start()

    def cut(self) -> None:
        with self._lock:
            doomed, self._sockets = self._sockets, []
            self._budget = None
        for sock in doomed:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    def refuse(self) -> None:
        self.refusing = True

    def admit(self) -> None:
        self.refusing = False

    def stall(self) -> None:
        self.flowing.clear()

    def flow(self) -> None:
        self.flowing.set()

    @property
    def stalled(self) -> bool:
        return not self.flowing.is_set()

    def cut_after(self, client_bytes: int) -> None:
        with self._lock:
            self._budget, self._then = client_bytes, "cut"

    def stall_after(self, client_bytes: int) -> None:
        with self._lock:
            self._budget, self._then = client_bytes, "stall"

    def close(self) -> None:
        self.flow()
        self.cut()
        self.server.close()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.server.accept()
            except OSError:
                return
            if self.refusing:
                client.close()
                continue
            try:
                upstream = socket.create_connection((HOST, PORT), timeout=5)
            except OSError:
                client.close()
                continue
            upstream.settimeout(None)
            with self._lock:
                self._sockets += [client, upstream]
                self.connections += 1
            threading.Thread(target=self._pipe, args=(client, upstream, True), daemon=True).start()
            threading.Thread(target=self._pipe, args=(upstream, client, False), daemon=True).start()

    def _pipe(self, source: socket.socket, sink: socket.socket, from_client: bool) -> None:
        try:
            while True:
                data = source.recv(65536)
                if not data:
                    break
                if not from_client:
                    self.flowing.wait()
                elif self._spend(len(data)):
                    if self._then == "cut":
                        self.cut()
                        return
                    self.stall()
                sink.sendall(data)
        except OSError:
            pass
        for sock in (source, sink):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def _spend(self, size: int) -> bool:
        with self._lock:
            if self._budget is None:
                return False
            self._budget -= size
            if self._budget > 0:
                return False
            self._budget = None
            return True
