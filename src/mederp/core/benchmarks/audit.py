"""``mederp bench audit``: what the compliance kernel costs a writer, and how fast the chain checks.

Write throughput is measured with 1 and N concurrent writer *processes*, each with its own
connection to a scratch database, for a fixed time:

- ``audited``: a real kernel write, ``catalog.services.change_uom`` - row lock, update, audit
  entry, outbox event, one transaction - while a sealer process chains entries every second as
  ``mederp serve`` does;
- ``raw``: the floor, the same row update as one plain SQL statement in its own transaction;
- ``kernel``: the raw update plus what the kernel adds to every write - ``audit.record`` and
  ``outbox.emit`` - in one transaction, to separate the kernel's cost from the ORM service's.

Then at least ``--verify-entries`` audit entries are bulk-inserted and the time to seal them
(``core.chain.seal``) and to verify the whole chain (``core.chain.verify``) is taken.
"""

from __future__ import annotations

import contextlib
import multiprocessing as mp
import os
import time
import traceback
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any

from mederp.core.benchmarks import scratch

ROWS_PER_WRITER = 16
TARGETS = {"scaling": 1.5, "audited_over_raw": 0.40, "verify_entries_per_s": 200_000}


def add_arguments(parser: Any) -> None:
    parser.add_argument("--json", action="store_true", help="one compact JSON line on stdout")
    parser.add_argument("--quick", action="store_true", help="a run of under a minute")
    parser.add_argument(
        "--database-url",
        help="server on which to create the scratch database (default: DATABASE_URL)",
    )
    parser.add_argument("--writers", default="1,8", help="writer process counts, e.g. 1,8")
    parser.add_argument("--seconds", type=float, help="duration of each write phase")
    parser.add_argument("--verify-entries", type=int, help="chain length for seal and verify")


def run(options: dict[str, Any], progress: Callable[[str], None] = lambda _: None) -> dict:
    quick = bool(options.get("quick"))
    writer_counts = sorted({int(w) for w in str(options.get("writers") or "1,8").split(",") if w})
    if not writer_counts or writer_counts[0] < 1:
        raise ValueError("--writers needs positive counts, e.g. 1,8")
    seconds = float(options.get("seconds") or (3 if quick else 15))
    verify_entries = int(options.get("verify_entries") or (100_000 if quick else 1_000_000))
    server = options.get("database_url") or scratch.configured_url()

    result: dict[str, Any] = {
        "benchmark": "audit",
        "quick": quick,
        "seconds_per_phase": seconds,
        "writers": {},
    }
    load_before = _load_average()
    ctx = mp.get_context("spawn")
    with scratch.scratch_database(server) as url:
        progress(f"scratch database ready; starting {writer_counts[-1]} writers and a sealer")
        writers = [_Worker(ctx, url, i) for i in range(writer_counts[-1])]
        sealer = _Worker(ctx, url, -1)
        try:
            rows = _gather([w.send("prepare", ROWS_PER_WRITER) for w in writers])
            database = writers[0].call("database")
            for n in writer_counts:
                raw = _phase(writers[:n], rows, "raw", seconds)
                progress(f"{n} writer(s): raw floor {raw['per_s']:.0f}/s")
                kernel = _phase(writers[:n], rows, "kernel", seconds, sealer)
                progress(f"{n} writer(s): raw update + audit entry + event {kernel['per_s']:.0f}/s")
                audited = _phase(writers[:n], rows, "audited", seconds, sealer)
                progress(f"{n} writer(s): audited {audited['per_s']:.0f}/s")
                result["writers"][str(n)] = {
                    "audited_per_s": round(audited["per_s"], 1),
                    "raw_per_s": round(raw["per_s"], 1),
                    "kernel_per_s": round(kernel["per_s"], 1),
                    "audited_writes": audited["writes"],
                    "raw_writes": raw["writes"],
                    "kernel_writes": kernel["writes"],
                }
            progress(f"seal and verify {verify_entries:,} entries")
            chain_figures = writers[0].call("chain", verify_entries)
        finally:
            for worker in [*writers, sealer]:
                worker.stop()
    lo, hi = str(writer_counts[0]), str(writer_counts[-1])
    per = result["writers"]
    scaling = per[hi]["audited_per_s"] / max(per[lo]["audited_per_s"], 1e-9)
    share = per[hi]["audited_per_s"] / max(per[hi]["raw_per_s"], 1e-9)
    result[f"scaling_{hi}_over_{lo}"] = round(scaling, 3)
    result[f"audited_over_raw_{hi}"] = round(share, 3)
    result[f"kernel_over_raw_{hi}"] = round(
        per[hi]["kernel_per_s"] / max(per[hi]["raw_per_s"], 1e-9), 3
    )
    result.update(chain_figures)
    result["targets"] = {
        f"scaling_{hi}_over_{lo}": _target(scaling, TARGETS["scaling"]),
        f"audited_over_raw_{hi}": _target(share, TARGETS["audited_over_raw"]),
        "verify_entries_per_s": _target(
            chain_figures["verify_entries_per_s"], TARGETS["verify_entries_per_s"]
        ),
    }
    result["machine"] = {
        **scratch.machine(database),
        # Other work on the machine moves these figures a lot: report how busy it was.
        "load_average_before": load_before,
        "load_average_after": _load_average(),
    }
    return result


def _load_average() -> float | None:
    try:
        return round(os.getloadavg()[0], 2)
    except OSError:
        return None


def _target(value: float, minimum: float) -> dict[str, Any]:
    return {"min": minimum, "met": value >= minimum}


def _phase(
    writers: list[_Worker], rows: list[list[int]], mode: str, seconds: float,
    sealer: _Worker | None = None,
) -> dict[str, Any]:  # fmt: skip
    start_at = time.time() + 0.5  # every process gets its order before the common start
    sealing = sealer.send("seal_loop", start_at, seconds) if sealer else None
    counts = _gather([w.send(mode, rows[i], start_at, seconds) for i, w in enumerate(writers)])
    if sealing is not None:
        _gather([sealing])
    return {
        "writes": sum(c["writes"] for c in counts),
        "per_s": sum(c["writes"] / c["elapsed"] for c in counts),
    }


def _gather(pending: list[_Worker]) -> list[Any]:
    return [worker.receive() for worker in pending]


class _Worker:
    """A spawned process with its own Django and connection, driven by messages over a pipe."""

    def __init__(self, ctx: Any, url: str, number: int) -> None:
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(target=_serve, args=(url, number, child), daemon=True)
        self.process.start()
        child.close()

    def send(self, *message: Any) -> _Worker:
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


def _serve(url: str, number: int, conn: Connection) -> None:
    """The worker's loop: one command at a time until told to stop."""
    try:
        scratch.setup_django_child(url)
        commands: dict[str, Callable[..., Any]] = {
            "prepare": _prepare,
            "database": _database,
            "raw": _raw_writes,
            "audited": _audited_writes,
            "kernel": _kernel_writes,
            "seal_loop": _seal_loop,
            "chain": _chain_figures,
        }
        while True:
            name, *args = conn.recv()
            if name == "stop":
                return
            try:
                conn.send(("ok", commands[name](number, *args)))
            except Exception:
                conn.send(("error", traceback.format_exc()))
    except (EOFError, KeyboardInterrupt):
        return
    finally:
        conn.close()


def _actor() -> Any:
    from mederp.core.actors import Actor

    return Actor.system("bench")


def _prepare(number: int, count: int) -> list[int]:
    from mederp.catalog import services

    actor = _actor()
    return [
        services.create_uom(
            actor, code=f"B{number}-{i}", name_zh=f"基准{i}", name_en=f"bench {i}"
        ).pk
        for i in range(count)
    ]


def _database(number: int) -> str:
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("SHOW server_version")
            return f"PostgreSQL {cur.fetchone()[0]}"
    import sqlite3

    return f"SQLite {sqlite3.sqlite_version}"


def _until(start_at: float) -> None:
    delay = start_at - time.time()
    if delay > 0:
        time.sleep(delay)


def _timed(start_at: float, seconds: float, write: Callable[[int], None]) -> dict[str, Any]:
    _until(start_at)
    started = time.perf_counter()
    deadline = started + seconds
    n = 0
    while time.perf_counter() < deadline:
        write(n)
        n += 1
    return {"writes": n, "elapsed": time.perf_counter() - started}


def _audited_writes(number: int, rows: list[int], start_at: float, seconds: float) -> dict:
    from mederp.catalog import services

    actor, reason = _actor(), "benchmark correction"

    def write(n: int) -> None:
        services.change_uom(actor, rows[n % len(rows)], reason=reason, name_en=f"a{number}-{n}")

    write(-1)  # warm caches (permissions, prepared paths) outside the clock
    return _timed(start_at, seconds, write)


def _raw_writes(number: int, rows: list[int], start_at: float, seconds: float) -> dict:
    from django.db import connection

    sql = "UPDATE catalog_unitofmeasure SET name_en = %s, version = version + 1 WHERE id = %s"
    cursor = connection.cursor()  # autocommit: each statement is its own transaction

    def write(n: int) -> None:
        cursor.execute(sql, [f"r{number}-{n}", rows[n % len(rows)]])

    write(-1)
    return _timed(start_at, seconds, write)


def _kernel_writes(number: int, rows: list[int], start_at: float, seconds: float) -> dict:
    from django.db import connection, transaction

    from mederp.core import audit, outbox

    actor, reason = _actor(), "benchmark correction"
    sql = "UPDATE catalog_unitofmeasure SET name_en = %s, version = version + 1 WHERE id = %s"
    cursor = connection.cursor()

    def write(n: int) -> None:
        row, name = rows[n % len(rows)], f"k{number}-{n}"
        with transaction.atomic():
            cursor.execute(sql, [name, row])
            audit.record(
                actor, action=audit.UPDATE, record_type="catalog.unitofmeasure", record_id=row,
                changes={"name_en": [None, name]}, reason=reason,
            )  # fmt: skip
            outbox.emit(
                actor, "catalog.uom.changed", aggregate_type="catalog.unitofmeasure",
                aggregate_id=row, payload={"id": row, "name_en": name},
            )  # fmt: skip

    write(-1)
    return _timed(start_at, seconds, write)


def _seal_loop(number: int, start_at: float, seconds: float) -> dict:
    """Seal every second, as ``mederp serve`` does, for the length of the phase."""
    from mederp.core import chain

    _until(start_at)
    deadline, sealed = time.perf_counter() + seconds, 0
    while time.perf_counter() < deadline:
        sealed += chain.seal()
        time.sleep(min(1.0, max(0.0, deadline - time.perf_counter())))
    return {"sealed": sealed + chain.seal()}


def _chain_figures(number: int, entries: int) -> dict[str, Any]:
    """Grow the trail to ``entries`` rows, then time sealing and verifying all of it."""
    from django.db import connection

    from mederp.core import chain
    from mederp.core.models import AuditEntry

    chain.seal(sweep=True)
    # Always leave a fresh batch to seal: a fast writer phase can already exceed ``entries``.
    missing = max(entries - AuditEntry.objects.count(), entries // 5)
    started = time.perf_counter()
    _bulk_insert_entries(missing)
    insert_s = time.perf_counter() - started

    started = time.perf_counter()
    sealed = chain.seal(sweep=True)
    seal_s = time.perf_counter() - started
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:  # what autovacuum would have done by now
            cur.execute("ANALYZE core_auditentry, core_auditchainlink")

    started = time.perf_counter()
    report = chain.verify()
    verify_s = time.perf_counter() - started
    if not report.ok:
        raise RuntimeError(f"the benchmark chain does not verify: {report.first_problem}")
    return {
        "verify_entries": report.entries_checked,
        "verify_seconds": round(verify_s, 3),
        "verify_entries_per_s": round(report.entries_checked / verify_s),
        "seal_entries": sealed,
        "seal_seconds": round(seal_s, 3),
        "seal_entries_per_s": round(sealed / seal_s) if sealed else None,
        "insert_seconds": round(insert_s, 3),
        "verify_ok": report.ok,
    }


_PG_BULK = """
INSERT INTO core_auditentry (occurred_at, actor_kind, actor_id, actor_name, action, record_type,
                             record_id, record_label, changes, reason, request_id, client_ip)
SELECT clock_timestamp(), 'user', 1 + g %% 40, '质量经理 QA Manager (qa' || g %% 40 || ')',
       'update', 'catalog.product', (g %% 20000)::text,
       'P-' || g %% 20000 || ' 一次性使用无菌注射器',
       '{"name_en":["syringe ' || g || '","Syringe ' || g || '"],"version":[' || g || ','
           || g + 1 || ']}',
       '更正 correction #' || g, md5(g::text), '10.0.0.' || g %% 250
FROM generate_series(1, %s) AS g
"""

_SQLITE_BULK = """
WITH RECURSIVE g(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM g WHERE x < %s)
INSERT INTO core_auditentry (occurred_at, actor_kind, actor_id, actor_name, action, record_type,
                             record_id, record_label, changes, reason, request_id, client_ip)
SELECT strftime('%%Y-%%m-%%d %%H:%%M:%%f', 'now'), 'user', 1 + x %% 40,
       '质量经理 QA Manager (qa' || x %% 40 || ')', 'update', 'catalog.product',
       CAST(x %% 20000 AS TEXT), 'P-' || x %% 20000 || ' 一次性使用无菌注射器',
       '{"name_en":["syringe ' || x || '","Syringe ' || x || '"],"version":[' || x || ','
           || (x + 1) || ']}',
       '更正 correction #' || x, hex(randomblob(16)), '10.0.0.' || x %% 250
FROM g
"""


def _bulk_insert_entries(count: int) -> None:
    from django.db import connection, transaction

    if count <= 0:
        return
    sql = _PG_BULK if connection.vendor == "postgresql" else _SQLITE_BULK
    step = 200_000
    for done in range(0, count, step):
        with transaction.atomic(), connection.cursor() as cur:
            cur.execute(sql, [min(step, count - done)])
