"""Crash safety of the relay (issue 7 point 2; invariant 3): ``mederp relay`` is SIGKILLed in
the middle of a stream and started again.

A few thousand events of many aggregates are committed through ``outbox.emit``; a real relay
process (``mederp relay``, the test database as its own) delivers them to RabbitMQ (this test's
own exchange, through a :class:`Proxy` that stops passing confirms at a chosen byte) or to a
webhook receiver (which stops answering at a chosen request). When the destination has taken
some but not all events and the relay waits for its answer, the relay is killed with SIGKILL,
the destination is released and a second relay finishes. Then: every event arrived at least
once; a consumer that dedupes by event id sees each exactly once, and per aggregate in
``aggregate_seq`` order; and the kill really was mid-batch (something arrived twice).
"""

from __future__ import annotations

import contextlib
import json
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from django.db import connection, transaction
from tests.integration.relay.amqp_support import Proxy, needs_broker, private_exchange

from mederp.core import outbox
from mederp.core.actors import Actor
from mederp.core.benchmarks.scratch import child_environment
from mederp.integration import services

pytestmark = [pytest.mark.django_db(transaction=True), needs_broker]

# Webhooks go one POST at a time, so fewer of them keep the test near 30 s on a busy machine.
EVENTS = {"rabbitmq": 3000, "webhook": 1200}
AGGREGATES = 150
PER_TRANSACTION = 30
EVENT_TYPE = "crash.order.changed"
WAIT_S = 25.0

Arrival = tuple[str, str, int]  # event id, aggregate id, aggregate_seq


@pytest.fixture
def on_postgres() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("the PostgreSQL variant (the relay's transaction spans the delivery)")


@pytest.fixture
def on_sqlite() -> None:
    if connection.vendor != "sqlite":
        pytest.skip("the SQLite variant (single-relay lease, no transaction across delivery)")


@pytest.mark.postgres
@pytest.mark.parametrize("destination", ["rabbitmq", "webhook"])
def test_a_relay_killed_mid_stream_loses_nothing_and_dedupes_to_each_event_once_in_order(
    on_postgres: None, destination: str, tmp_path: Path
) -> None:
    _kill_and_restart(destination, tmp_path)


@pytest.mark.parametrize("destination", ["rabbitmq", "webhook"])
def test_on_sqlite_a_relay_killed_mid_stream_loses_nothing_and_dedupes_to_each_once_in_order(
    on_sqlite: None, destination: str, tmp_path: Path
) -> None:
    _kill_and_restart(destination, tmp_path)


def _kill_and_restart(destination: str, tmp_path: Path) -> None:
    count = EVENTS[destination]
    with _destination(destination, count) as (url, extra, arrivals, stuck, release):
        services.create_subscription(
            Actor.system("crash-test"), name=f"crash-{destination}", kind=_kind(destination),
            url=url, event_types=["crash.*"], **extra,
        )  # fmt: skip
        written = _write_events(count)

        first = _Relay("crash-1", tmp_path)
        try:
            _wait(lambda: stuck() and len(arrivals()) > 0, "a stall mid-stream", first)
            time.sleep(0.3)  # let what is on the wire land
        finally:
            first.kill()
        before = {event_id for event_id, _, _ in arrivals()}
        release()

        second = _Relay("crash-2", tmp_path)
        try:
            _wait(lambda: len({a[0] for a in arrivals()}) >= count, "every event", second)
        finally:
            second.stop()
        seen = arrivals()

    assert 0 < len(before) < count, "the relay was not killed mid-stream"
    assert len(seen) > len({a[0] for a in seen}), "nothing was sent twice: not killed mid-batch"
    deduped: dict[str, Arrival] = {}  # what a consumer that dedupes by event id keeps
    for arrival in seen:
        deduped.setdefault(arrival[0], arrival)
    assert sorted(deduped) == sorted(written)
    by_aggregate: dict[str, list[int]] = {}
    for _, aggregate, seq in deduped.values():
        by_aggregate.setdefault(aggregate, []).append(seq)
    assert len(by_aggregate) == AGGREGATES
    for aggregate, seqs in by_aggregate.items():
        assert seqs == list(range(1, len(seqs) + 1)), aggregate


def _kind(destination: str) -> str:
    return "amqp" if destination == "rabbitmq" else "webhook"


def _write_events(count: int) -> list[str]:
    """``count`` events over AGGREGATES aggregates, committed PER_TRANSACTION at a time."""
    actor = Actor.system("crash-test")
    written = []
    for start in range(0, count, PER_TRANSACTION):
        with transaction.atomic():
            for n in range(start, min(start + PER_TRANSACTION, count)):
                event = outbox.emit(
                    actor, EVENT_TYPE, aggregate_type="crash.order",
                    aggregate_id=f"A{n % AGGREGATES}", payload={"n": n, "note": "订单"},
                )  # fmt: skip
                written.append(str(event.event_id))
    return written


class _Relay:
    """``mederp relay`` as a child process on the test database."""

    def __init__(self, name: str, folder: Path) -> None:
        env = child_environment(_database_url())
        env.update(
            MEDERP_RELAY_POLL_SECONDS="0.05",
            MEDERP_RELAY_BACKOFF_BASE="0.1",
            MEDERP_RELAY_BACKOFF_MAX="1",
            MEDERP_RELAY_LEASE_SECONDS="2",  # the killed relay's SQLite lease runs out soon
            MEDERP_RELAY_WEBHOOK_TIMEOUT="20",
        )
        self.log = folder / f"{name}.log"
        with self.log.open("w") as err:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "mederp.config.cli", "relay", "--name", name],
                env=env, stdout=err, stderr=subprocess.STDOUT,
            )  # fmt: skip

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()

    def tail(self) -> str:
        return self.log.read_text(errors="replace")[-3000:]


def _database_url() -> str:
    """The test database, as the child's ``DATABASE_URL``."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{Path(db['NAME']).resolve()}"
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def _wait(condition: Callable[[], bool], what: str, relay: _Relay) -> None:
    deadline = time.monotonic() + WAIT_S
    while not condition():
        if time.monotonic() > deadline or relay.process.poll() is not None:
            raise AssertionError(f"no {what} within {WAIT_S:.0f}s; relay said:\n{relay.tail()}")
        time.sleep(0.05)


Destination = tuple[str, dict[str, Any], Callable[[], list[Arrival]], Callable[[], bool],
                    Callable[[], None]]  # fmt: skip


def _destination(kind: str, count: int) -> Any:
    return _rabbitmq(count) if kind == "rabbitmq" else _webhook(count)


@contextlib.contextmanager
def _rabbitmq(count: int) -> Iterator[Destination]:
    """This test's own exchange behind a proxy that stops passing confirms about a third of the
    way in; the relay then waits for confirms of messages the broker has already queued."""
    with private_exchange() as broker:
        queue = broker.queue("crash.#")
        proxy = Proxy()
        proxy.stall_after(count * 650 // 3)  # a message is about 650 bytes on the wire
        got: list[Arrival] = []

        def arrivals() -> list[Arrival]:
            for message in broker.drain(queue):
                headers = message.properties.headers
                got.append((message.properties.message_id, headers["aggregate_id"],
                            headers["aggregate_seq"]))  # fmt: skip
            return list(got)

        try:
            yield proxy.url, {"exchange": broker.name}, arrivals, lambda: proxy.stalled, proxy.flow
        finally:
            proxy.close()


@contextlib.contextmanager
def _webhook(count: int) -> Iterator[Destination]:
    """A receiver on 127.0.0.1 that records every POST and, at the ``count // 3``-th, stops
    answering (the relay waits for it) until released."""
    got: list[Arrival] = []
    lock = threading.Lock()
    stuck, released = threading.Event(), threading.Event()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as the relay's client expects

        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            with lock:
                got.append((body["event_id"], body["aggregate_id"], body["aggregate_seq"]))
                hold = len(got) == count // 3
            if hold:
                stuck.set()
                released.wait(WAIT_S)
            try:
                self.send_response(204)
                self.send_header("Content-Length", "0")
                self.end_headers()
            except OSError:
                pass  # the relay was killed while we held its request

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()

    def arrivals() -> list[Arrival]:
        with lock:
            return list(got)

    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/hook"
        yield url, {}, arrivals, stuck.is_set, released.set
    finally:
        released.set()
        server.shutdown()
        server.server_close()
