"""Walking the audit hash chain: the pure, Django-free part of verification (AT-07; ADR 0001).

:func:`run` is the reference walk: links in ``seq`` order with their entries, every hash
recomputed with :func:`canonical_entry`. :func:`run_fast` is the PostgreSQL fast path over raw
UTF-8 bytes; whatever it cannot vouch for it hands to :func:`run`. :mod:`mederp.core.chain` feeds
them; for a long chain it also hands ``seq`` ranges to worker processes
(``python -m mederp.core.chainwalk`` -> :func:`walk_segment`) on their own connections inside the
same exported snapshot. The result is the serial walk's, because each link is judged only against
the links just before it, which a segment re-walks first (:func:`start_state`).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import itertools
import json
import queue
import re
import threading
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

GENESIS = "0" * 64
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
ENTRY_SELECT = ", ".join(f"e.{c}" for c in ENTRY_COLUMNS)
LINK_SELECT = ", ".join(f"c.{c}" for c in LINK_COLUMNS)
UTC_ZONES = frozenset({dt.UTC, ZoneInfo("UTC")})
sha256 = hashlib.sha256


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


encode_list = _list_encoder()


def as_utc(value: Any) -> dt.datetime:
    """A stored timestamp (aware, naive UTC as SQLite returns it, or ISO text) as aware UTC."""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    if value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    if value.tzinfo in UTC_ZONES:
        return value
    return value.astimezone(dt.UTC)


def iso_utc(value: Any) -> str:
    return as_utc(value).isoformat()


def canonical_entry(row: Iterable[Any]) -> str:
    """The text that is hashed for one entry row (columns in :data:`ENTRY_COLUMNS` order):
    a compact JSON array, UTF-8 kept, ``occurred_at`` as ISO 8601 UTC."""
    values = list(row)
    values[1] = iso_utc(values[1])
    return "".join(encode_list(values, 0))


def link_hash(prev_hash: str, row: Iterable[Any]) -> str:
    return sha256((prev_hash + canonical_entry(row)).encode()).hexdigest()


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


_WALK_FROM = (
    f"SELECT {LINK_SELECT}, {ENTRY_SELECT} "
    "FROM core_auditchainlink c LEFT JOIN core_auditentry e ON e.id = c.entry_id"
)
WALK_SQL = f"{_WALK_FROM} ORDER BY c.seq"
# For this transaction only: walk links in order and fetch each entry by key (no sort, nothing
# to spill), without parallel workers or JIT, which on a small machine take the cores the walk
# needs for hashing.
WALK_SETTINGS = (
    "SELECT set_config('jit', 'off', true), "
    "set_config('max_parallel_workers_per_gather', '0', true), "
    "set_config('enable_hashjoin', 'off', true), set_config('enable_mergejoin', 'off', true)"
)


@dataclass
class Walk:
    """The walk's state: what it found, and its memory of the links just behind it."""

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

    def result(self) -> dict[str, Any]:
        """What a segment worker sends back (plain data, picklable)."""
        problems = self.report.problems
        return {
            "checked": self.report.entries_checked,
            "present": self.present,
            "head": (self.report.head_seq, self.report.head_hash),
            "problems": [asdict(p) for p in problems],
            "pending": [(problems.index(p), prev) for p, prev in self.pending],
        }


def run(rows: Iterable[tuple[Any, ...]], walk: Walk) -> None:
    """The hot loop: each link's position, back-pointer, hash and seal delay, in one pass.

    Only a link that fails a check leaves the loop's fast path, for :func:`_diagnose`.
    """
    report, grace = walk.report, walk.grace
    encode, join, sha, utc_zones = encode_list, "".join, sha256, UTC_ZONES
    prev_hash, prev_prev_hash = walk.prev_hash, walk.prev_prev_hash
    prev_entry_id, expected_seq = walk.prev_entry_id, walk.expected_seq
    checked, present = report.entries_checked, walk.present
    seq, stored_hash = report.head_seq, report.head_hash
    for seq, entry_id, stored_prev, stored_hash, sealed_at, *entry in rows:
        checked += 1
        occurred = entry[1]
        if type(occurred) is dt.datetime and occurred.tzinfo in utc_zones:
            entry[1] = occurred.isoformat()
        elif occurred is not None:
            occurred, sealed_at = as_utc(occurred), as_utc(sealed_at)
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
    report.entries_checked, report.head_seq, report.head_hash = checked, seq, stored_hash
    walk.present = present
    walk.prev_hash, walk.prev_prev_hash = prev_hash, prev_prev_hash
    walk.prev_entry_id, walk.expected_seq = prev_entry_id, expected_seq


# The PostgreSQL fast path. Entry text arrives as raw UTF-8 bytes (``convert_to``, loaded by
# psycopg's C bytea loader) and the canonical JSON is assembled from them: a string with no quote,
# backslash or control character is its own JSON body, and quotes and backslashes are escaped
# with two byte replaces - exactly what json.dumps(..., ensure_ascii=False) writes for such text.
# A row with a control character, or any row that does not check out, is converted back and
# judged by :func:`run`, the reference, so this path can only ever be faster, never different.
# The ten text columns arrive as one value, joined by NUL (which PostgreSQL text cannot hold),
# and are escaped together.
_TEXT_COLUMNS = [c for c in ENTRY_COLUMNS if c not in ("id", "occurred_at", "actor_id")]
_FAST_FROM = (
    f"SELECT {LINK_SELECT}, convert_to(e.id::text, 'UTF8'), e.occurred_at, "
    "convert_to(e.actor_id::text, 'UTF8'), "
    + " || '\\x00'::bytea || ".join(f"convert_to(e.{c}, 'UTF8')" for c in _TEXT_COLUMNS)
    + " FROM core_auditchainlink c LEFT JOIN core_auditentry e ON e.id = c.entry_id"
)
_CONTROL = re.compile(rb"[\x01-\x1f]").search


def _reference_row(row: tuple[Any, ...]) -> tuple[Any, ...]:
    """A fast-path row in :data:`WALK_SQL`'s shape and types, for :func:`run`."""
    seq, entry_id, stored_prev, stored_hash, sealed_at, eid, occurred, actor, blob = row
    if eid is None:
        entry: list[Any] = [None] * len(ENTRY_COLUMNS)
    else:
        actor_id = None if actor is None else int(actor)
        texts = [b.decode() for b in blob.split(b"\x00")]
        entry = [int(eid), occurred, texts[0], actor_id, *texts[1:]]
    return (seq, entry_id, stored_prev, stored_hash, sealed_at, *entry)


def run_fast(rows: Iterable[tuple[Any, ...]], walk: Walk) -> None:
    """:func:`run` for rows of :data:`_FAST_FROM`: the same result, less work per entry."""
    report, grace = walk.report, walk.grace
    sha, utc_zones, control, sep = sha256, UTC_ZONES, _CONTROL, b"\x00"
    prev_hash, expected_seq = walk.prev_hash, walk.expected_seq
    prev_prev_hash, prev_entry_id = walk.prev_prev_hash, walk.prev_entry_id
    checked, present = report.entries_checked, walk.present
    for row in rows:
        seq, entry_id, stored_prev, stored_hash, sealed_at, eid, occurred, actor, blob = row
        if (
            seq == expected_seq
            and stored_prev == prev_hash
            and eid is not None
            and occurred.tzinfo in utc_zones
            and sealed_at - occurred <= grace
            and control(blob) is None
        ):
            kind, rest = blob.replace(b"\\", b"\\\\").replace(b'"', b'\\"').split(sep, 1)
            canonical = b"".join((
                b"[", eid, b',"', occurred.isoformat().encode(), b'","', kind, b'",',
                actor or b"null", b',"', rest.replace(sep, b'","'), b'"]',
            ))  # fmt: skip
            if sha(stored_prev.encode() + canonical).hexdigest() == stored_hash:
                checked += 1
                present += 1
                prev_prev_hash, prev_hash, prev_entry_id = prev_hash, stored_hash, entry_id
                expected_seq = seq + 1
                continue
        walk.prev_hash, walk.prev_prev_hash = prev_hash, prev_prev_hash
        walk.prev_entry_id, walk.expected_seq = prev_entry_id, expected_seq
        report.entries_checked, walk.present = checked, present
        run((_reference_row(row),), walk)
        prev_hash, prev_prev_hash = walk.prev_hash, walk.prev_prev_hash
        prev_entry_id, expected_seq = walk.prev_entry_id, walk.expected_seq
        checked, present = report.entries_checked, walk.present
    report.entries_checked, walk.present = checked, present
    if checked:
        report.head_seq, report.head_hash = expected_seq - 1, prev_hash
    walk.prev_hash, walk.prev_prev_hash = prev_hash, prev_prev_hash
    walk.prev_entry_id, walk.expected_seq = prev_entry_id, expected_seq


def _diagnose(
    walk: Walk,
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
    occurred = as_utc(entry[1])
    if sealed_at - occurred > walk.grace:
        report.add(
            Problem(
                "inserted",
                seq,
                entry_id,
                f"entry {entry_id} is dated {occurred.isoformat()} but reached the chain "
                f"only at {iso_utc(sealed_at)} (back-dated insertion)",
            )
        )


def _hash_of(prev_hash: str, entry: list[Any]) -> str:
    """:func:`link_hash` of a row whose timestamp is already canonical text."""
    return sha256((prev_hash + "".join(encode_list(entry, 0))).encode()).hexdigest()


def pg_loaders(cur: Any) -> Any:
    """Give a psycopg cursor psycopg's C timestamptz loaders (Django installs Python ones)."""
    import psycopg
    from psycopg.postgres import types
    from psycopg.pq import Format

    oid = types["timestamptz"].oid
    for fmt in (Format.TEXT, Format.BINARY):
        loader = psycopg.adapters.get_loader(oid, fmt)
        if loader is not None:
            cur.adapters.register_loader(oid, loader)
    return cur


def segment_sql(lo: int | None, hi: int | None, fast: bool = False) -> tuple[str, list[int]]:
    """The walk query for links with ``lo < seq <= hi`` (open ends when ``None``); ``fast``
    gives the row shape of :func:`run_fast`."""
    where, params = [], []
    if lo is not None:
        where.append("c.seq > %s")
        params.append(lo)
    if hi is not None:
        where.append("c.seq <= %s")
        params.append(hi)
    clause = f" WHERE {' AND '.join(where)}" if where else ""
    return f"{_FAST_FROM if fast else _WALK_FROM}{clause} ORDER BY c.seq", params


def pg_walk(conn: Any, lo: int | None, hi: int | None, walk: Walk) -> None:
    """Walk links ``lo < seq <= hi`` on a PostgreSQL connection (the fast path)."""
    sql, params = segment_sql(lo, hi, fast=True)
    run_fast(itertools.chain.from_iterable(pg_chunks(conn, sql, params)), walk)


def pg_chunks(conn: Any, sql: str, params: list[Any], fetch: int = 10000) -> Iterator[list[Any]]:
    """Rows of ``sql`` through a server-side binary cursor in ``conn``'s transaction, the next
    chunk fetched by a helper thread while the caller checks this one: PostgreSQL produces rows
    on one core while Python hashes on the other."""
    cur = pg_loaders(conn.cursor(name=f"mederp_walk_{threading.get_ident()}", binary=True))
    chunks: queue.Queue[Any] = queue.Queue(maxsize=2)
    stop = threading.Event()

    def fetch_ahead() -> None:
        try:
            cur.execute(sql, params)
            while not stop.is_set():
                rows = cur.fetchmany(fetch)
                chunks.put(rows)
                if not rows:
                    return
        except BaseException as exc:  # re-raised in the consuming thread
            chunks.put(exc)

    fetcher = threading.Thread(target=fetch_ahead, name="mederp-walk-fetch", daemon=True)
    fetcher.start()
    try:
        while True:
            item = chunks.get()
            if isinstance(item, BaseException):
                raise item
            if not item:
                return
            yield item
    finally:
        stop.set()
        while fetcher.is_alive():  # unblock a fetcher waiting to put, then let it finish
            with contextlib.suppress(queue.Empty):
                chunks.get(timeout=0.05)
        cur.close()


def start_state(cur: Any, lo: int | None, walk: Walk) -> Problem | None:
    """Put ``walk`` where the serial walk is just after the last link at or below ``lo``.

    That link is walked again here as context (its problems belong to the previous segment),
    so the first link of this segment is judged exactly as the serial walk judges it. Returns
    the context link's problem, whose detail this segment may refine.
    """
    if lo is None:
        return None
    cur.execute(
        "SELECT seq, hash, entry_id FROM core_auditchainlink WHERE seq <= %s "
        "ORDER BY seq DESC LIMIT 3",
        [lo],
    )
    before = cur.fetchall()
    if not before:
        return None
    if len(before) > 1:
        walk.expected_seq = before[1][0] + 1
        walk.prev_hash, walk.prev_entry_id = before[1][1], before[1][2]
        walk.prev_prev_hash = before[2][1] if len(before) > 2 else GENESIS
    sql, params = segment_sql(before[1][0] if len(before) > 1 else None, before[0][0])
    cur.execute(sql, params)
    context = Walk(VerifyReport(), walk.grace, 1, prev_hash=walk.prev_hash,
                   prev_prev_hash=walk.prev_prev_hash, prev_entry_id=walk.prev_entry_id,
                   expected_seq=walk.expected_seq)  # fmt: skip
    run(cur.fetchall(), context)
    walk.expected_seq, walk.prev_hash = context.expected_seq, context.prev_hash
    walk.prev_prev_hash, walk.prev_entry_id = context.prev_prev_hash, context.prev_entry_id
    walk.altered = context.altered
    return context.report.first_problem


def walk_segment(
    conninfo: str, snapshot: str, lo: int | None, hi: int | None, grace_seconds: float,
    max_problems: int,
) -> dict[str, Any]:  # fmt: skip
    """Worker process: walk links ``lo < seq <= hi`` inside the exported ``snapshot``."""
    import psycopg
    from psycopg import sql

    walk = Walk(VerifyReport(), dt.timedelta(seconds=grace_seconds), max_problems)
    with psycopg.connect(conninfo) as conn:
        conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        conn.execute(sql.SQL("SET TRANSACTION SNAPSHOT {}").format(sql.Literal(snapshot)))
        conn.execute("SET TIME ZONE 'UTC'")
        conn.execute(WALK_SETTINGS)
        with pg_loaders(conn.cursor()) as cur:
            context = start_state(cur, lo, walk)
            before = context.detail if context else None
        pg_walk(conn, lo, hi, walk)
        conn.rollback()
    result = walk.result()
    if context is not None and context.detail != before:
        result["refine"] = [context.seq, context.detail]
    return result


def main() -> None:
    """``python -m mederp.core.chainwalk``: one segment job as JSON on stdin, result on stdout."""
    import sys

    job = json.loads(sys.stdin.read())
    result = walk_segment(
        job["conninfo"], job["snapshot"], job["lo"], job["hi"], job["grace_seconds"],
        job["max_problems"],
    )  # fmt: skip
    sys.stdout.write(json.dumps(result))


if __name__ == "__main__":
    main()
