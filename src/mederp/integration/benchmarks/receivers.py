"""The other ends of the relay benchmark, in the benchmark's own process: a RabbitMQ consumer
and a webhook receiver that note when each event id first arrived, and the relay processes.

- :class:`AmqpCounter`: a queue of its own (exclusive, auto-deleted) bound ``#`` to the bench
  exchange, consumed by a thread with pika's ``BlockingConnection`` (no-ack, prefetch 2,000);
- :class:`WebhookReceiver`: ``http.server.ThreadingHTTPServer`` on 127.0.0.1, HTTP/1.1
  keep-alive (one thread per relay connection), answering 204 after reading ``event_id`` from
  the JSON body; the signature is not checked (the receiver's cost is not the relay's);
- :class:`Relays`: ``mederp relay`` subprocesses on the scratch database, started before the
  phase's subscription exists so their start-up is not timed, stopped with SIGTERM.
"""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pika

from mederp.core.benchmarks import scratch
from mederp.integration.relay.amqp import connection_parameters


class _Arrivals:
    """First arrival time of each event id (wall clock), thread-safe."""

    def __init__(self) -> None:
        self.first: dict[str, float] = {}
        self.total = 0
        self._lock = threading.Lock()

    def note(self, event_id: str) -> None:
        now = time.time()
        with self._lock:
            self.total += 1
            self.first.setdefault(event_id, now)

    def distinct(self) -> int:
        return len(self.first)

    def wait_for(self, count: int, timeout: float) -> float | None:
        """The time the ``count``-th distinct event arrived, or None after ``timeout``."""
        deadline = time.monotonic() + timeout
        while self.distinct() < count:
            if time.monotonic() > deadline:
                return None
            time.sleep(0.02)
        with self._lock:
            return max(self.first.values())


class AmqpCounter(_Arrivals):
    def __init__(self, url: str, exchange: str) -> None:
        super().__init__()
        self._stop = threading.Event()
        self._connection = pika.BlockingConnection(connection_parameters(url, name="bench"))
        channel = self._connection.channel()
        channel.exchange_declare(exchange, exchange_type="topic", durable=True)
        self.queue = str(channel.queue_declare("", exclusive=True, auto_delete=True).method.queue)
        channel.queue_bind(self.queue, exchange, routing_key="#")
        channel.basic_qos(prefetch_count=2000)
        self._channel = channel
        self._thread = threading.Thread(target=self._consume, daemon=True)
        self._thread.start()

    def _consume(self) -> None:
        for method, properties, _body in self._channel.consume(
            self.queue, auto_ack=True, inactivity_timeout=0.2
        ):
            if self._stop.is_set():
                break
            if method is not None:
                self.note(properties.message_id)
        with contextlib.suppress(Exception):
            self._channel.cancel()
            self._connection.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(10)


class WebhookReceiver(_Arrivals):
    def __init__(self) -> None:
        super().__init__()
        arrivals = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                arrivals.note(json.loads(body)["event_id"])
                self.send_response(204)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/mederp/events"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


class Relays:
    """``count`` relay processes on the database at ``url``; ``stop()`` answers what each
    said when it stopped (its delivered/failed/batches line)."""

    def __init__(self, url: str, count: int, label: str) -> None:
        env = scratch.child_environment(url)
        self.lines: list[list[str]] = []
        self.processes = []
        for i in range(count):
            lines: list[str] = []
            process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
                [sys.executable, "-m", "mederp.config.cli", "relay", "--name", f"{label}-{i}"],
                env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
            )  # fmt: skip
            threading.Thread(target=_read, args=(process, lines), daemon=True).start()
            self.processes.append(process)
            self.lines.append(lines)

    def wait_started(self, timeout: float = 120.0) -> None:
        deadline = time.monotonic() + timeout
        for process, lines in zip(self.processes, self.lines, strict=True):
            while not any(" started " in line for line in lines):
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("a relay did not start:\n" + "".join(lines[-30:]))
                time.sleep(0.05)

    def stop(self) -> list[str]:
        for process in self.processes:
            if process.poll() is None:
                process.terminate()
        for process in self.processes:
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(5)
        time.sleep(0.1)  # the readers take the last lines
        return [
            next((ln.strip() for ln in reversed(lines) if " stopped: " in ln), "") or "?"
            for lines in self.lines
        ]


def _read(process: subprocess.Popen[str], lines: list[str]) -> None:
    assert process.stderr is not None
    for line in process.stderr:
        lines.append(line)
