"""The audit hash chain: sealing in commit order and verification (invariant 2; AT-07; ADR 0001).

Writers append :class:`AuditEntry` rows without any shared lock. The sealer, shortly after commit,
takes the committed entries not yet chained, in id order, and appends one :class:`AuditChainLink`
each, ``hash = SHA-256(prev_hash || canonical(entry))``. Verification walks the links in order,
recomputes every hash from the entry as stored and names the first entry that was altered,
removed, reordered or inserted.

Both walks are hot paths (a million entries must verify in seconds). The walk itself lives in
:mod:`mederp.core.chainwalk` (no Django, so worker processes can run it); this module seals,
orchestrates verification and owns the queries. The bytes hashed are always exactly
:func:`canonical_entry`'s.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Exists, OuterRef

from mederp.core import clock
from mederp.core.chainwalk import (
    ENTRY_COLUMNS,
    ENTRY_SELECT,
    GENESIS,
    LINK_COLUMNS,
    UTC_ZONES,
    WALK_SETTINGS,
    WALK_SQL,
    Problem,
    VerifyReport,
    Walk,
    canonical_entry,
    encode_list,
    iso_utc,
    link_hash,
    pg_loaders,
    pg_walk,
    run,
    sha256,
)
from mederp.core.locks import advisory_xact_lock
from mederp.core.models import AuditChainLink, AuditEntry

__all__ = [
    "ENTRY_COLUMNS",
    "GENESIS",
    "Problem",
    "VerifyReport",
    "canonical_entry",
    "chain_head",
    "link_hash",
    "seal",
    "verify",
]

SEALER_LOCK = "mederp.audit.sealer"
# Below this many links a second process costs more than it saves.
PARALLEL_MIN_LINKS = 200_000


def chain_head() -> tuple[int, str]:
    head = AuditChainLink.objects.order_by("-seq").values_list("seq", "hash").first()
    return head if head else (0, GENESIS)


def _pg_cursor() -> Any:
    """A raw psycopg cursor on Django's connection (same transaction) with psycopg's C
    timestamptz loaders, not Django's Python ones (five times faster on big scans)."""
    connection.ensure_connection()
    return pg_loaders(connection.connection.cursor())


# Sealing


_last_sweep: float | None = None


def _lookback_seconds(sweep: bool) -> int:
    """How far back (by seal time) the sealer looks for entries committed late.

    A late entry comes from a transaction that was open when a later entry was sealed; it can
    only be as late as the longest transaction (``MEDERP_AUDIT_MAX_TRANSACTION_SECONDS``). Each
    run looks back ``MEDERP_AUDIT_SEAL_LOOKBACK_SECONDS`` (cheap); a *sweep* looks back the full
    transaction limit and runs once per lookback period, and before every verify and checkpoint.
    """
    short = int(getattr(settings, "MEDERP_AUDIT_SEAL_LOOKBACK_SECONDS", 300))
    longest = int(settings.MEDERP_AUDIT_MAX_TRANSACTION_SECONDS)
    return max(short, longest) if sweep else short


def _sweep_due() -> bool:
    if _last_sweep is None:
        return True
    return time.monotonic() - _last_sweep >= _lookback_seconds(False)


def _seal_floor(lookback_seconds: int) -> int:
    """Entries at or below this id were all chained by earlier runs (or are long-lost writes).

    It is the last entry chained more than ``lookback_seconds`` ago, so entries from
    transactions still open at an earlier run are picked up when they commit.
    """
    cutoff = clock.now() - dt.timedelta(seconds=lookback_seconds)
    row = (
        AuditChainLink.objects.filter(sealed_at__lt=cutoff)
        .order_by("-seq")
        .values_list("entry_id", flat=True)
        .first()
    )
    return row or 0


_LATE_SQL = (
    f"SELECT {ENTRY_SELECT} FROM core_auditentry e "
    "WHERE e.id > %s AND e.id <= %s AND NOT EXISTS "
    "(SELECT 1 FROM core_auditchainlink c WHERE c.entry_id = e.id) "
    "ORDER BY e.id LIMIT %s"
)
_NEW_SQL = f"SELECT {ENTRY_SELECT} FROM core_auditentry e WHERE e.id > %s ORDER BY e.id LIMIT %s"
_WINDOW_COUNTS_SQL = (
    "SELECT (SELECT COUNT(*) FROM core_auditentry WHERE id > %s AND id <= %s), "
    "(SELECT COUNT(*) FROM core_auditchainlink WHERE entry_id > %s AND entry_id <= %s)"
)


def _unsealed_rows(floor: int, limit: int) -> list[tuple[Any, ...]]:
    """Up to ``limit`` unchained entries above ``floor``, in id order.

    Entries above the newest chained one are all new. Below it, an unchained entry is a late
    commit; those are rare, so the costly anti-join runs only when the window's entry and link
    counts disagree (two index-only counts instead of a probe per entry on every run).
    """
    with _pg_cursor() if connection.vendor == "postgresql" else connection.cursor() as cur:
        cur.execute("SELECT MAX(entry_id) FROM core_auditchainlink")
        newest = cur.fetchone()[0] or 0
        rows: list[tuple[Any, ...]] = []
        if newest > floor:
            cur.execute(_WINDOW_COUNTS_SQL, [floor, newest, floor, newest])
            entries, links = cur.fetchone()
            if entries != links:
                cur.execute(_LATE_SQL, [floor, newest, limit])
                rows = cur.fetchall()
        if len(rows) < limit:
            cur.execute(_NEW_SQL, [max(floor, newest), limit - len(rows)])
            rows += cur.fetchall()
        return rows


def _insert_links(links: list[tuple[int, int, str, str, dt.datetime]]) -> None:
    if connection.vendor == "postgresql":
        # COPY text built directly: ints, hex digests and one ISO timestamp need no escaping.
        at = links[0][4].isoformat()
        lines = [
            f"{seq}\t{entry}\t{prev}\t{digest}\t{at}\n" for seq, entry, prev, digest, _ in links
        ]
        copy_sql = f"COPY core_auditchainlink ({', '.join(LINK_COLUMNS)}) FROM STDIN"
        with _pg_cursor() as cur, cur.copy(copy_sql) as copy:
            copy.write("".join(lines))
        return
    AuditChainLink.objects.bulk_create(
        [AuditChainLink(**dict(zip(LINK_COLUMNS, link, strict=True))) for link in links]
    )


def seal(
    batch_size: int | None = None, max_batches: int | None = None, *, sweep: bool | None = None
) -> int:
    """Chain every committed, unchained entry; return how many were chained.

    Each batch is its own short transaction holding the sealer lock, so only sealers wait for
    each other: business writers never do. ``sweep`` (default: when one is due) looks back the
    whole transaction limit for late commits; see :func:`_lookback_seconds`.
    """
    global _last_sweep
    batch_size = batch_size or settings.MEDERP_AUDIT_SEAL_BATCH
    if sweep is None:
        sweep = _sweep_due()
    started = time.monotonic()
    total, floor, batches = 0, _seal_floor(_lookback_seconds(sweep)), 0
    encode, join, sha, utc_zones = encode_list, "".join, sha256, UTC_ZONES
    while max_batches is None or batches < max_batches:
        with transaction.atomic():
            advisory_xact_lock(SEALER_LOCK)
            seq, prev = chain_head()
            rows = _unsealed_rows(floor, batch_size)
            if not rows:
                break
            now = clock.now()
            links = []
            for row in rows:
                values = list(row)
                occurred = values[1]
                if type(occurred) is dt.datetime and occurred.tzinfo in utc_zones:
                    values[1] = occurred.isoformat()
                else:
                    values[1] = iso_utc(occurred)
                digest = sha((prev + join(encode(values, 0))).encode()).hexdigest()
                seq += 1
                links.append((seq, row[0], prev, digest, now))
                prev = digest
            _insert_links(links)
        total += len(rows)
        floor = rows[-1][0]
        batches += 1
        if len(rows) < batch_size:
            break
    if sweep and (max_batches is None or batches < max_batches):
        _last_sweep = started
    return total


# Verification


def _sqlite_rows(fetch: int = 10000) -> Iterator[tuple[Any, ...]]:
    """Every link in chain order with its entry's columns (``None`` when the entry is gone)."""
    with connection.cursor() as cur:
        cur.execute(WALK_SQL)
        while chunk := cur.fetchmany(fetch):
            yield from chunk


def verify(max_problems: int = 20, workers: int | None = None) -> VerifyReport:
    """Walk the whole chain; report every broken link (up to ``max_problems``).

    Runs in one transaction (REPEATABLE READ on PostgreSQL when it is the outermost), so the
    walk and the count of unsealed entries see the same data. A long chain on PostgreSQL is
    split by position over ``workers`` processes (default: one per CPU) that share that
    snapshot; the result is the same as one process walking it all.
    """
    report = VerifyReport()
    grace = dt.timedelta(seconds=settings.MEDERP_AUDIT_MAX_TRANSACTION_SECONDS)
    walk = Walk(report, grace, max_problems)
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if outermost and connection.vendor == "postgresql":
            with connection.cursor() as cur:
                cur.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
                cur.execute(WALK_SETTINGS)
            _walk_parallel(walk, workers)
        else:
            if connection.vendor == "postgresql":
                with connection.cursor() as cur:
                    cur.execute(WALK_SETTINGS)
                pg_walk(connection.connection, None, None, walk)
            else:
                run(_sqlite_rows(), walk)
        for problem, stored_prev in walk.pending:
            if AuditChainLink.objects.filter(hash=stored_prev).exists():
                problem.kind = "reordered"
                problem.detail = (
                    f"entry {problem.entry_id} no longer follows the entry it was sealed after"
                )
        _check_unsealed(report, grace, walk.present)
    return report


def _walk_parallel(walk: Walk, workers: int | None) -> None:
    """Walk the first share here and hand the others to worker processes (same snapshot)."""
    workers = workers or int(getattr(settings, "MEDERP_AUDIT_VERIFY_WORKERS", 0) or 0)
    workers = max(1, workers or (os.cpu_count() or 1))
    head = chain_head()[0]
    connection.ensure_connection()
    if workers == 1 or head < PARALLEL_MIN_LINKS:
        pg_walk(connection.connection, None, None, walk)
        return
    with connection.cursor() as cur:
        cur.execute("SELECT pg_export_snapshot()")
        snapshot = cur.fetchone()[0]
    bounds = [head * i // workers for i in range(1, workers)]  # ranges (lo, hi]
    ranges = list(zip([None, *bounds], [*bounds, None], strict=True))
    raw = connection.connection
    from psycopg.conninfo import make_conninfo

    conninfo = make_conninfo(raw.info.dsn, password=raw.info.password or None)
    job = {"conninfo": conninfo, "snapshot": snapshot, "grace_seconds": walk.grace.total_seconds()}
    job["max_problems"] = walk.max_problems
    # Plain subprocesses (not multiprocessing): nothing re-imports the caller's main module, and
    # the job, password included, travels on stdin rather than the command line.
    procs = []
    for lo, hi in ranges[1:]:
        proc = subprocess.Popen(
            [sys.executable, "-m", "mederp.core.chainwalk"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert proc.stdin is not None
        proc.stdin.write(json.dumps({**job, "lo": lo, "hi": hi}))
        proc.stdin.close()
        procs.append(proc)
    try:
        lo, hi = ranges[0]
        pg_walk(raw, lo, hi, walk)
        for proc in procs:
            out = proc.stdout.read() if proc.stdout else ""
            if proc.wait() != 0:
                raise RuntimeError("an audit chain walker process failed")
            _merge(walk, json.loads(out))
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()


def _merge(walk: Walk, part: dict[str, Any]) -> None:
    report = walk.report
    if part.get("refine"):  # the segment learnt more about the previous segment's last link
        seq, detail = part["refine"]
        for problem in report.problems:
            if problem.seq == seq and problem.kind == "altered":
                problem.detail = detail
    offset = len(report.problems)
    for data in part["problems"]:
        if len(report.problems) < walk.max_problems:
            report.add(Problem(**data))
    for index, stored_prev in part["pending"]:
        if offset + index < len(report.problems):
            walk.pending.append((report.problems[offset + index], stored_prev))
    report.entries_checked += part["checked"]
    walk.present += part["present"]
    if part["checked"]:
        report.head_seq, report.head_hash = part["head"]


def _check_unsealed(report: VerifyReport, grace: dt.timedelta, present: int) -> None:
    """Count entries not in the chain; flag one dated well before the chain's newest seal."""
    report.unsealed_entries = max(0, AuditEntry.objects.count() - present)
    if not report.unsealed_entries:
        return
    last_sealed = (
        AuditChainLink.objects.order_by("-seq").values_list("sealed_at", flat=True).first()
    )
    if last_sealed is None:
        return
    linked = AuditChainLink.objects.filter(entry_id=OuterRef("pk"))
    first = (
        AuditEntry.objects.filter(occurred_at__lt=last_sealed - grace)
        .filter(~Exists(linked))
        .order_by("id")
        .values_list("id", "occurred_at")
        .first()
    )
    if first is not None:
        entry_id, occurred = first
        report.add(
            Problem(
                "inserted",
                None,
                entry_id,
                f"entry {entry_id} is dated {iso_utc(occurred)}, before chain positions "
                "sealed since, yet is not in the chain",
            )
        )
