"""Two deliveries of one inbound event at the same moment, on two database connections: the
harness of the MES, LIMS and WMS race tests (invariant 5)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from django.db import connections

WAIT = 20


def in_thread(results: dict[str, Any], key: str, call: Callable[[], Any]) -> threading.Thread:
    """A thread that stores ``call()``'s answer (or its exception) under ``key`` and closes its
    own database connection, so the test database can be dropped afterwards."""

    def run() -> None:
        try:
            results[key] = call()
        except Exception as exc:
            results[key] = exc
        finally:
            connections.close_all()

    return threading.Thread(target=run)


def delivered_twice_at_once(send: Callable[[], Any]) -> dict[str, Any]:
    """``send()`` (an HTTP post) from two threads released together; each answer as
    ``(status, json)`` under "a" and "b"."""
    start = threading.Barrier(2)
    results: dict[str, Any] = {}

    def deliver() -> Any:
        start.wait(WAIT)
        r = send()
        return r.status_code, r.json()

    threads = [in_thread(results, key, deliver) for key in ("a", "b")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(WAIT)
    return results
