"""The audit hash chain: sealing in commit order and verification (invariant 2; AT-07; ADR 0001).

Writers append :class:`AuditEntry` rows without any shared lock. The sealer, shortly after commit,
takes the committed entries not yet chained, in id order, and appends one :class:`AuditChainLink`
each, ``hash = SHA-256(prev_hash || canonical(entry))``. Verification walks the links in order,
recomputes every hash from the entry as stored and names the first entry that was altered,
removed, reordered or inserted.

Both walks are hot paths (a million entries must verify in seconds), so on PostgreSQL rows are
streamed with binary ``COPY`` and psycopg's C loaders, and the per-entry work is one JSON encode
and one SHA-256 in a tight loop. The bytes hashed are exactly :func:`canonical_entry`'s.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import time
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Exists, OuterRef

from mederp.core import clock
from mederp.core.locks import advisory_xact_lock
from mederp.core.models import AuditChainLink, AuditEntry

GENESIS = "0" * 64
SEALER_LOCK = "mederp.audit.sealer"
ENTRY_COLUMNS = (
    "id",
    "occurred_at",
    "actor_kind",
    "actor_id",
    "actor_name",
    "action",
    "record_type",
    "record_id",
    "record_label",
    "changes",
    "reason",
    "request_id",
    "client_ip",
)
LINK_COLUMNS = ("seq", "entry_id", "prev_hash", "hash", "sealed_at")
# PostgreSQL types of the streamed columns, which binary COPY needs to decode them.
_ENTRY_PG_TYPES = ("int8", "timestamptz", "text", "int8", *("text",) * 9)
_LINK_PG_TYPES = ("int8", "int8", "text", "text", "timestamptz")
_ENTRY_SELECT = ", ".join(f"e.{c}" for c in ENTRY_COLUMNS)
_LINK_SELECT = ", ".join(f"c.{c}" for c in LINK_COLUMNS)
_UTC_ZONES = frozenset({dt.UTC, ZoneInfo("UTC")})
_sha256 = hashlib.sha256


def _refuse(value: Any) -> Any:
    raise TypeError(f"{type(value).__name__} has no canonical form in an audit entry")


def _list_encoder() -> Any:
    """``encode(values, 0)`` -> chunks of ``json.dumps(values, ensure_ascii=False,
    separators=(",", ":"))``, built once (``JSONEncoder.encode`` rebuilds it per call)."""
    c_make_encoder = getattr(json.encoder, "c_make_encoder", None)
    if c_make_encoder is None:  # pure-Python json: same bytes, slower
        encoder = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
        return lambda values, _level: (encoder.encode(values),)
    return c_make_encoder(
        None, _refuse, json.encoder.encode_basestring, None, ":", ",", False, False, True
    )


_encode_list = _list_encoder()


def _as_utc(value: Any) -> dt.datetime:
    """A stored timestamp (aware, naive UTC as SQLite returns it, or ISO text) as aware UTC."""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    if value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    if value.tzinfo in _UTC_ZONES:
        return value
    return value.astimezone(dt.UTC)


def _iso(value: Any) -> str:
    return _as_utc(value).isoformat()


def canonical_entry(row: Iterable[Any]) -> str:
    """The text that is hashed for one entry row (columns in :data:`ENTRY_COLUMNS` order):
    a compact JSON array, UTF-8 kept, ``occurred_at`` as ISO 8601 UTC."""
    values = list(row)
    values[1] = _iso(values[1])
    return "".join(_encode_list(values, 0))


def link_hash(prev_hash: str, row: Iterable[Any]) -> str:
    return _sha256((prev_hash + canonical_entry(row)).encode()).hexdigest()


def chain_head() -> tuple[int, str]:
    head = AuditChainLink.objects.order_by("-seq").values_list("seq", "hash").first()
    return head if head else (0, GENESIS)


def _pg_cursor() -> Any:
    """A raw psycopg cursor on Django's connection (same transaction) with psycopg's C
    timestamptz loaders, not Django's Python ones (five times faster on big scans)."""
    import psycopg
    from psycopg.postgres import types
    from psycopg.pq import Format

    connection.ensure_connection()
    cur = connection.connection.cursor()
    oid = types["timestamptz"].oid
    for fmt in (Format.TEXT, Format.BINARY):
        loader = psycopg.adapters.get_loader(oid, fmt)
        if loader is not None:
            cur.adapters.register_loader(oid, loader)
    return cur


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


_UNSEALED_SQL = (
    f"SELECT {_ENTRY_SELECT} FROM core_auditentry e "
    "WHERE e.id > %s AND NOT EXISTS "
    "(SELECT 1 FROM core_auditchainlink c WHERE c.entry_id = e.id) "
    "ORDER BY e.id LIMIT %s"
)


def _unsealed_rows(floor: int, limit: int) -> list[tuple[Any, ...]]:
    if connection.vendor == "postgresql":
        with _pg_cursor() as cur:
            cur.execute(_UNSEALED_SQL, [floor, limit])
            return cur.fetchall()
    with connection.cursor() as cur:
        cur.execute(_UNSEALED_SQL, [floor, limit])
        return cur.fetchall()


def _insert_links(links: list[tuple[int, int, str, str, dt.datetime]]) -> None:
    if connection.vendor == "postgresql":
        with _pg_cursor() as cur:
            copy_sql = f"COPY core_auditchainlink ({', '.join(LINK_COLUMNS)}) FROM STDIN"
            with cur.copy(copy_sql) as copy:
                for link in links:
                    copy.write_row(link)
        return
    AuditChainLink.objects.bulk_create([AuditChainLink(*link) for link in links])


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
    encode, join, sha, utc_zones = _encode_list, "".join, _sha256, _UTC_ZONES
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
                    values[1] = _iso(occurred)
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


@dataclass
class Problem:
    kind: str  # altered | removed | reordered | inserted | checkpoint
    seq: int | None
    entry_id: int | None
    detail: str


@dataclass
class VerifyReport:
    ok: bool = True
    entries_checked: int = 0
    head_seq: int = 0
    head_hash: str = GENESIS
    unsealed_entries: int = 0
    checkpoint: dict[str, Any] | None = None
    problems: list[Problem] = field(default_factory=list)

    @property
    def first_problem(self) -> Problem | None:
        return self.problems[0] if self.problems else None

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["first_problem"] = asdict(self.first_problem) if self.first_problem else None
        return data

    def add(self, problem: Problem) -> None:
        self.ok = False
        self.problems.append(problem)


_WALK_SQL = (
    f"SELECT {_LINK_SELECT}, {_ENTRY_SELECT} "
    "FROM core_auditchainlink c LEFT JOIN core_auditentry e ON e.id = c.entry_id "
    "ORDER BY c.seq"
)


def _iter_links(fetch: int = 20000) -> Iterator[tuple[Any, ...]]:
    """Every link in chain order with its entry's columns (``None`` when the entry is gone)."""
    if connection.vendor == "postgresql":
        # Binary COPY streams while we hash (the server works on the other core) and decodes in
        # C; it runs in the caller's transaction, so it sees what that transaction wrote.
        with _pg_cursor() as cur, cur.copy(f"COPY ({_WALK_SQL}) TO STDOUT (FORMAT BINARY)") as cp:
            cp.set_types([*_LINK_PG_TYPES, *_ENTRY_PG_TYPES])
            yield from cp.rows()
        return
    with connection.cursor() as cur:
        cur.execute(_WALK_SQL)
        while chunk := cur.fetchmany(fetch):
            yield from chunk


@dataclass
class _Walk:
    """The walk's memory of the links just behind the current one."""

    report: VerifyReport
    grace: dt.timedelta
    max_problems: int
    present: int = 0
    prev_hash: str = GENESIS
    prev_prev_hash: str | None = None
    prev_entry_id: int | None = None
    expected_seq: int = 1
    # (position, recomputed hash, problem) of the last link found altered
    altered: tuple[int, str, Problem] | None = None
    # problems whose cause needs a lookup once the stream has ended: (problem, stored prev_hash)
    pending: list[tuple[Problem, str]] = field(default_factory=list)


def verify(max_problems: int = 20) -> VerifyReport:
    """Walk the whole chain; report every broken link (up to ``max_problems``).

    Runs in one transaction (REPEATABLE READ on PostgreSQL when it is the outermost), so the
    walk and the count of unsealed entries see the same data.
    """
    report = VerifyReport()
    walk = _Walk(
        report,
        dt.timedelta(seconds=settings.MEDERP_AUDIT_MAX_TRANSACTION_SECONDS),
        max_problems,
    )
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if outermost and connection.vendor == "postgresql":
            with connection.cursor() as cur:
                cur.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        _walk(_iter_links(), walk)
        for problem, stored_prev in walk.pending:
            if AuditChainLink.objects.filter(hash=stored_prev).exists():
                problem.kind = "reordered"
                problem.detail = (
                    f"entry {problem.entry_id} no longer follows the entry it was sealed after"
                )
        _check_unsealed(report, walk.grace, walk.present)
    return report


def _walk(rows: Iterable[tuple[Any, ...]], walk: _Walk) -> None:
    """The hot loop: each link's position, back-pointer, hash and seal delay, in one pass.

    Only a link that fails a check leaves the loop's fast path, for :func:`_diagnose`.
    """
    report, grace = walk.report, walk.grace
    encode, join, sha, utc_zones = _encode_list, "".join, _sha256, _UTC_ZONES
    prev_hash, prev_prev_hash, prev_entry_id, expected_seq = GENESIS, None, None, 1
    checked = present = 0
    seq, stored_hash = 0, GENESIS
    for seq, entry_id, stored_prev, stored_hash, sealed_at, *entry in rows:
        checked += 1
        occurred = entry[1]
        if type(occurred) is dt.datetime and occurred.tzinfo in utc_zones:
            entry[1] = occurred.isoformat()
        elif occurred is not None:
            occurred, sealed_at = _as_utc(occurred), _as_utc(sealed_at)
            entry[1] = occurred.isoformat()
        if (
            seq == expected_seq
            and stored_prev == prev_hash
            and entry[0] is not None
            and sha((stored_prev + join(encode(entry, 0))).encode()).hexdigest() == stored_hash
            and sealed_at - occurred <= grace
        ):
            present += 1
        else:
            if entry[0] is not None:
                present += 1
            if len(report.problems) < walk.max_problems:
                walk.prev_hash, walk.prev_prev_hash = prev_hash, prev_prev_hash
                walk.prev_entry_id, walk.expected_seq = prev_entry_id, expected_seq
                _diagnose(walk, seq, entry_id, stored_prev, stored_hash, sealed_at, entry)
        prev_prev_hash, prev_hash, prev_entry_id = prev_hash, stored_hash, entry_id
        expected_seq = seq + 1
    report.entries_checked = checked
    report.head_seq, report.head_hash = (seq, stored_hash) if checked else (0, GENESIS)
    walk.present = present


def _diagnose(
    walk: _Walk,
    seq: int,
    entry_id: int,
    stored_prev: str,
    stored_hash: str,
    sealed_at: dt.datetime,
    entry: list[Any],
) -> None:
    """Name what is wrong with one link (the slow path, taken only for broken links)."""
    report, prev_hash = walk.report, walk.prev_hash
    if seq != walk.expected_seq:
        missing = f"{walk.expected_seq}..{seq - 1}"
        report.add(
            Problem("removed", walk.expected_seq, None, f"chain positions {missing} are missing")
        )
        return
    if entry[0] is None:
        report.add(Problem("removed", seq, entry_id, f"entry {entry_id} is missing"))
        return
    digest = _hash_of(stored_prev, entry)
    if stored_prev != prev_hash:
        altered = walk.altered
        if altered is not None and altered[0] == seq - 1 and stored_prev == altered[1]:
            # The link before pointed here with its true hash: only its stored hash was edited.
            altered[2].detail = (
                f"the hash stored at position {seq - 1} was altered "
                f"(entry {altered[2].entry_id} is intact)"
            )
        elif _hash_of(prev_hash, entry) == stored_hash:
            report.add(
                Problem(
                    "altered",
                    seq,
                    entry_id,
                    f"the back-pointer stored at position {seq} was altered "
                    f"(entry {entry_id} is intact)",
                )
            )
            return
        elif walk.prev_prev_hash is not None and stored_prev == walk.prev_prev_hash:
            report.add(
                Problem(
                    "inserted",
                    seq - 1,
                    walk.prev_entry_id,
                    f"entry {walk.prev_entry_id} at position {seq - 1} was not in the sealed chain",
                )
            )
            return
        else:
            problem = Problem(
                "removed", seq, entry_id, f"the entry sealed before entry {entry_id} is gone"
            )
            report.add(problem)
            walk.pending.append((problem, stored_prev))
            return
    if digest != stored_hash:
        problem = Problem(
            "altered", seq, entry_id, f"entry {entry_id} differs from what was sealed"
        )
        report.add(problem)
        walk.altered = (seq, digest, problem)
        return
    occurred = _as_utc(entry[1])
    if sealed_at - occurred > walk.grace:
        report.add(
            Problem(
                "inserted",
                seq,
                entry_id,
                f"entry {entry_id} is dated {occurred.isoformat()} but reached the chain "
                f"only at {_iso(sealed_at)} (back-dated insertion)",
            )
        )


def _hash_of(prev_hash: str, entry: list[Any]) -> str:
    """:func:`link_hash` of a row whose timestamp is already canonical text."""
    return _sha256((prev_hash + "".join(_encode_list(entry, 0))).encode()).hexdigest()


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
                f"entry {entry_id} is dated {_iso(occurred)}, before chain positions "
                "sealed since, yet is not in the chain",
            )
        )
