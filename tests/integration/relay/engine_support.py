"""Arranging relay-engine tests: a real webhook receiver on 127.0.0.1 (``http.server`` in a
thread), outbox events of made-up aggregates, and subscriptions with their lanes."""

from __future__ import annotations

import datetime as dt
import http.server
import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from mederp.core import clock, outbox
from mederp.core.actors import Actor
from mederp.core.models import OutboxEvent
from mederp.integration.models import RelayCursor, Subscription
from mederp.integration.relay.secrets import seal_secret

SECRET = "whsec_test-secret-of-enough-length"


@dataclass
class Request:
    headers: dict[str, str]
    body: bytes

    @property
    def event(self) -> dict[str, Any]:
        return dict(json.loads(self.body))


# (status, extra headers) to answer; the receiver answers 204 once the script runs out.
Answer = tuple[int, dict[str, str]]


@dataclass
class Receiver:
    """A webhook receiver that records every request and answers from a script."""

    script: list[Answer] = field(default_factory=list)
    requests: list[Request] = field(default_factory=list)
    decide: Callable[[Request], Answer] | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)
    url: str = ""

    def answer(self, request: Request) -> Answer:
        with self.lock:
            self.requests.append(request)
            if self.decide is not None:
                return self.decide(request)
            return self.script.pop(0) if self.script else (204, {})

    @property
    def events(self) -> list[dict[str, Any]]:
        with self.lock:
            return [r.event for r in self.requests]

    def fail_next(self, times: int, status: int = 500, **headers: str) -> None:
        self.script.extend([(status, headers)] * times)


def serve_receiver() -> Iterator[Receiver]:
    receiver = Receiver()

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length)
            status, headers = receiver.answer(Request(dict(self.headers.items()), body))
            payload = b"" if status == 204 else b"receiver says no"
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name.replace("_", "-"), value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()


def emit(event_type: str = "test.thing.happened", aggregate_id: Any = 1, **payload: Any) -> Any:
    """One committed, sequenced outbox event of a made-up aggregate type ``test.thing``."""
    with transaction.atomic():
        event = outbox.emit(
            Actor.system("test"),
            event_type,
            aggregate_type="test.thing",
            aggregate_id=aggregate_id,
            payload=payload or {"n": 1},
        )
    outbox.assign_positions()
    return OutboxEvent.objects.get(pk=event.pk)


def subscribe(
    url: str,
    *,
    name: str = "receiver",
    patterns: list[str] | None = None,
    lanes: bool = True,
    **fields: Any,
) -> Subscription:
    """A webhook subscription (made as the subscription service would), with its 16 lanes at
    the current end of the feed unless ``lanes`` is False."""
    fields.setdefault("kind", "webhook")
    fields.setdefault("secret_encrypted", seal_secret(SECRET))
    sub = Subscription.objects.create(
        name=name,
        url=url,
        event_types=["test.*"] if patterns is None else patterns,
        created_at=clock.now(),
        created_by="test",
        **fields,
    )
    if lanes:
        RelayCursor.objects.bulk_create(
            RelayCursor(subscription=sub, partition=p, position=0) for p in range(outbox.PARTITIONS)
        )
    return sub


def make_due(sub: Subscription) -> None:
    """Let every waiting lane of ``sub`` be retried now (instead of sleeping through backoff)."""
    RelayCursor.objects.filter(subscription=sub).update(
        next_attempt_at=clock.now() - dt.timedelta(seconds=1)
    )
