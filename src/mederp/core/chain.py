"""The audit hash chain: sealing in commit order and verification (invariant 2; AT-07; ADR 0001).

Writers append :class:`AuditEntry` rows without any shared lock. The sealer, shortly after commit,
takes the committed entries not yet chained, in id order, and appends one :class:`AuditChainLink`
each, ``hash = SHA-256(prev_hash || canonical(entry))``. Verification walks the links in order,
recomputes every hash from the entry as stored and names the first entry that was altered,
removed, reordered or inserted.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from typing import Any

from django.conf import settings
from django.db import connection, transaction

from mederp.core import clock
from mederp.core.locks import advisory_xact_lock
from mederp.core.models import AuditChainLink

GENESIS = "0" * 64
ENTRY_COLUMNS = (
    "id", "occurred_at", "actor_kind", "actor_id", "actor_name", "action", "record_type",
    "record_id", "record_label", "changes", "reason", "request_id", "client_ip",
)
_ENTRY_SELECT = ", ".join(f"e.{c}" for c in ENTRY_COLUMNS)
_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
_sha256 = hashlib.sha256


def _iso(value: Any) -> str:
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    elif value.utcoffset():
        value = value.astimezone(dt.UTC)
    return value.isoformat()


def canonical_entry(row: tuple[Any, ...]) -> str:
    """The bytes that are hashed for one entry row (columns in :data:`ENTRY_COLUMNS` order)."""
    values = list(row)
    values[1] = _iso(values[1])
    return _dumps(values)


def link_hash(prev_hash: str, row: tuple[Any, ...]) -> str:
    return _sha256((prev_hash + canonical_entry(row)).encode()).hexdigest()


def chain_head() -> tuple[int, str]:
    head = AuditChainLink.objects.order_by("-seq").values_list("seq", "hash").first()
    return head if head else (0, GENESIS)


def _seal_floor() -> int:
    """Entries at or below this id were all chained by earlier runs (or are long-lost writes).

    It is the last entry chained more than ``MEDERP_AUDIT_SEAL_LOOKBACK_SECONDS`` ago, so entries
    from transactions still open at an earlier run are picked up when they commit.
    """
    lookback = dt.timedelta(seconds=getattr(settings, "MEDERP_AUDIT_SEAL_LOOKBACK_SECONDS", 300))
    row = (
        AuditChainLink.objects.filter(sealed_at__lt=clock.now() - lookback)
        .order_by("-seq")
        .values_list("entry_id", flat=True)
        .first()
    )
    return row or 0


def seal(batch_size: int | None = None, max_batches: int | None = None) -> int:
    """Chain every committed, unchained entry; return how many were chained.

    Each batch is its own short transaction holding the sealer lock, so only sealers wait for
    each other: business writers never do.
    """
    batch_size = batch_size or settings.MEDERP_AUDIT_SEAL_BATCH
    total, floor, batches = 0, _seal_floor(), 0
    while max_batches is None or batches < max_batches:
        with transaction.atomic():
            advisory_xact_lock("mederp.audit.sealer")
            seq, prev = chain_head()
            with connection.cursor() as cur:
                cur.execute(
                    f"SELECT {_ENTRY_SELECT} FROM core_auditentry e "
                    "WHERE e.id > %s AND NOT EXISTS "
                    "(SELECT 1 FROM core_auditchainlink c WHERE c.entry_id = e.id) "
                    "ORDER BY e.id LIMIT %s",
                    [floor, batch_size],
                )
                rows = cur.fetchall()
            if not rows:
                break
            now = clock.now()
            links = []
            for row in rows:
                seq += 1
                digest = link_hash(prev, row)
                links.append(
                    AuditChainLink(seq=seq, entry_id=row[0], prev_hash=prev, hash=digest,
                                   sealed_at=now)
                )
                prev = digest
            AuditChainLink.objects.bulk_create(links)
            total += len(rows)
            floor = rows[-1][0]
            batches += 1
            if len(rows) < batch_size:
                break
    return total


@dataclass
class Problem:
    kind: str  # altered | removed | reordered | inserted
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


def _iter_links(fetch: int = 20000) -> Iterator[tuple[Any, ...]]:
    sql = (
        f"SELECT c.seq, c.entry_id, c.prev_hash, c.hash, c.sealed_at, {_ENTRY_SELECT} "
        "FROM core_auditchainlink c LEFT JOIN core_auditentry e ON e.id = c.entry_id "
        "ORDER BY c.seq"
    )
    if connection.vendor == "postgresql":
        # A server-side cursor streams millions of rows without holding them in memory.
        with transaction.atomic():
            connection.ensure_connection()
            raw = connection.connection
            with raw.cursor(name="mederp_audit_verify") as cur:
                cur.itersize = fetch
                cur.execute(sql)
                yield from cur
    else:
        with connection.cursor() as cur:
            cur.execute(sql)
            while chunk := cur.fetchmany(fetch):
                yield from chunk


def _hash_exists(digest: str) -> bool:
    return AuditChainLink.objects.filter(hash=digest).exists()


def verify(max_problems: int = 20) -> VerifyReport:
    """Walk the whole chain; report every broken link (up to ``max_problems``)."""
    report = VerifyReport()
    prev_hash, prev_prev_hash, expected_seq = GENESIS, None, 1
    grace = dt.timedelta(seconds=settings.MEDERP_AUDIT_MAX_TRANSACTION_SECONDS)
    n_entry = len(ENTRY_COLUMNS)
    for row in _iter_links():
        seq, entry_id, stored_prev, stored_hash, sealed_at = row[:5]
        entry = row[5 : 5 + n_entry]
        report.entries_checked += 1
        if len(report.problems) < max_problems:
            _check_link(
                report, seq, entry_id, stored_prev, stored_hash, sealed_at, entry,
                prev_hash, prev_prev_hash, expected_seq, grace,
            )
        prev_prev_hash, prev_hash, expected_seq = prev_hash, stored_hash, seq + 1
        report.head_seq, report.head_hash = seq, stored_hash
    _check_unsealed(report, grace)
    return report


def _check_link(
    report: VerifyReport, seq: int, entry_id: int, stored_prev: str, stored_hash: str,
    sealed_at: Any, entry: tuple[Any, ...], prev_hash: str, prev_prev_hash: str | None,
    expected_seq: int, grace: dt.timedelta,
) -> None:
    if seq != expected_seq:
        report.add(Problem("removed", expected_seq, None,
                           f"chain positions {expected_seq}..{seq - 1} are missing"))
        return
    if entry[0] is None:
        report.add(Problem("removed", seq, entry_id, f"entry {entry_id} is missing"))
        return
    if stored_prev != prev_hash:
        if prev_prev_hash is not None and stored_prev == prev_prev_hash:
            report.add(Problem("inserted", seq - 1, None,
                               f"the entry at position {seq - 1} was not in the sealed chain"))
        elif _hash_exists(stored_prev):
            report.add(Problem("reordered", seq, entry_id,
                               f"entry {entry_id} no longer follows the entry it was sealed after"))
        else:
            report.add(Problem("removed", seq, entry_id,
                               f"the entry sealed before entry {entry_id} is gone"))
        return
    if link_hash(stored_prev, entry) != stored_hash:
        report.add(Problem("altered", seq, entry_id,
                           f"entry {entry_id} differs from what was sealed"))
        return
    occurred = dt.datetime.fromisoformat(_iso(entry[1]))
    sealed = dt.datetime.fromisoformat(_iso(sealed_at))
    if sealed - occurred > grace:
        report.add(Problem("inserted", seq, entry_id,
                           f"entry {entry_id} is dated {occurred.isoformat()} but reached the "
                           f"chain only at {sealed.isoformat()} (back-dated insertion)"))


def _check_unsealed(report: VerifyReport, grace: dt.timedelta) -> None:
    with connection.cursor() as cur:
        cur.execute(
            "SELECT e.id, e.occurred_at FROM core_auditentry e WHERE NOT EXISTS "
            "(SELECT 1 FROM core_auditchainlink c WHERE c.entry_id = e.id) ORDER BY e.id"
        )
        rows = cur.fetchall()
    report.unsealed_entries = len(rows)
    last_sealed = AuditChainLink.objects.order_by("-seq").values_list("sealed_at", flat=True).first()
    if last_sealed is None:
        return
    for entry_id, occurred_at in rows:
        occurred = dt.datetime.fromisoformat(_iso(occurred_at))
        if last_sealed - occurred > grace:
            report.add(Problem("inserted", None, entry_id,
                               f"entry {entry_id} is dated {occurred.isoformat()}, before chain "
                               "positions sealed since, yet is not in the chain"))
            break
