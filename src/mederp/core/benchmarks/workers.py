"""Benchmark client processes: spawned, each with its own Django and database connection.

Threads would share one interpreter lock and measure Python, not the database: a benchmark's
concurrent clients are real processes (spawned, so nothing is inherited from the parent's
connections). A :class:`Worker` runs commands from a module's ``COMMANDS`` table, one at a time,
sent over a pipe; :func:`gather` waits for a batch of them, so phases start and end together.
"""

from __future__ import annotations

import contextlib
import multiprocessing as mp
import os
import time
import traceback
from collections.abc import Callable
from importlib import import_module
from multiprocessing.connection import Connection
from typing import Any

from mederp.core.benchmarks import scratch


class Worker:
    """A spawned process serving ``commands`` (a module with a ``COMMANDS`` dict) against the
    database at ``url``; each command is called as ``COMMANDS[name](number, *args)``."""

    def __init__(self, url: str, number: int, commands: str) -> None:
        ctx = mp.get_context("spawn")
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(target=_serve, args=(url, number, commands, child), daemon=True)
        self.process.start()
        child.close()

    def send(self, *message: Any) -> Worker:
        self.conn.send(message)
        return self

    def receive(self) -> Any:
        status, value = self.conn.recv()
        if status == "error":
            raise RuntimeError(f"benchmark worker failed:\n{value}")
        return value

    def call(self, *message: Any) -> Any:
        return self.send(*message).receive()

    def stop(self) -> None:
        with contextlib.suppress(BrokenPipeError, OSError):
            self.conn.send(("stop",))
        self.process.join(10)
        if self.process.is_alive():
            self.process.terminate()
            self.process.join(5)


def gather(pending: list[Worker]) -> list[Any]:
    """The answers of workers that were each sent one command, in order."""
    return [worker.receive() for worker in pending]


def until(start_at: float) -> None:
    """Sleep until the wall-clock ``start_at`` (a common start for every client of a phase)."""
    delay = start_at - time.time()
    if delay > 0:
        time.sleep(delay)


def timed(start_at: float, seconds: float, write: Callable[[int], None]) -> dict[str, Any]:
    """Call ``write(n)`` for n = 0, 1, ... from ``start_at`` for ``seconds``."""
    until(start_at)
    started = time.perf_counter()
    deadline = started + seconds
    n = 0
    while time.perf_counter() < deadline:
        write(n)
        n += 1
    return {"writes": n, "elapsed": time.perf_counter() - started}


def load_average() -> float | None:
    try:
        return round(os.getloadavg()[0], 2)
    except OSError:
        return None


def database_version() -> str:
    """The engine and version of this process's default database."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("SHOW server_version")
            return f"PostgreSQL {cur.fetchone()[0]}"
    import sqlite3

    return f"SQLite {sqlite3.sqlite_version}"


def _serve(url: str, number: int, commands: str, conn: Connection) -> None:
    try:
        scratch.setup_django_child(url)
        table: dict[str, Callable[..., Any]] = import_module(commands).COMMANDS
        while True:
            name, *args = conn.recv()
            if name == "stop":
                return
            try:
                conn.send(("ok", table[name](number, *args)))
            except Exception:
                conn.send(("error", traceback.format_exc()))
    except (EOFError, KeyboardInterrupt):
        return
    finally:
        conn.close()
