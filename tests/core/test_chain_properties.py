"""Properties of the audit chain over random histories (invariant 2; AT-02, AT-07).

For any sequence of audited writes - Chinese text, None, Decimal-like strings, odd characters -
sealed in any batch sizes, the chain verifies; change any one field of any one entry and verify
names exactly that entry as altered.
"""

from __future__ import annotations

import datetime as dt
import decimal
import json

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from kernel_support import drop_triggers

from mederp.catalog import services
from mederp.core import audit, canonical, chain, chainwalk
from mederp.core.models import AuditEntry

pytestmark = pytest.mark.django_db

PROPERTY = settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# PostgreSQL text cannot hold NUL; everything else is fair game.
text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=12
)
chinese = st.text(alphabet=st.characters(min_codepoint=0x4E00, max_codepoint=0x4FFF), max_size=8)
names = st.one_of(chinese, text).map(str.strip).filter(bool)
decimal_like = st.decimals(allow_nan=False, allow_infinity=False, places=3).map(str)
values = st.one_of(st.none(), st.booleans(), st.integers(), chinese, text, decimal_like)
change_maps = st.dictionaries(st.sampled_from(["qty", "名称", "note", "temp"]), values, max_size=4)

create_op = st.tuples(st.just("create"), names, names)
any_op = st.one_of(
    create_op,
    st.tuples(st.just("change"), names, st.integers(0, 10)),
    st.tuples(st.just("record"), change_maps, text),
)
operations = st.builds(lambda first, rest: [first, *rest], create_op, st.lists(any_op, max_size=7))


class Rollback(Exception):
    """Ends an example: its savepoint rolls back, so examples do not see each other."""


def apply(system, ops):
    uoms = []
    for n, op in enumerate(ops):
        if op[0] == "create":
            uoms.append(services.create_uom(system, code=f"P{n}", name_zh=op[1], name_en=op[2]))
        elif op[0] == "change" and uoms:
            uom = uoms[op[2] % len(uoms)]
            services.change_uom(system, uom.pk, reason="property", name_en=f"{op[1]}{n}"[:100])
        elif op[0] == "record":
            with transaction.atomic():
                audit.record(
                    system, action=audit.UPDATE, record_type="test.thing", record_id=n,
                    changes={k: [None, v] for k, v in op[1].items()}, reason=op[2].strip() or "why",
                )  # fmt: skip


def seal_in(batches):
    sizes = iter(batches)
    while chain.seal(batch_size=next(sizes, 3), max_batches=1):
        pass


def tampered(value):
    """A different value of the same kind, as a careful forger would write."""
    if isinstance(value, dt.datetime):
        return value + dt.timedelta(microseconds=1)
    if value is None:
        return 1
    if isinstance(value, int):
        return value + 1
    return value + "·" if value else "x"


@PROPERTY
@given(ops=operations, batches=st.lists(st.integers(1, 5), max_size=6), data=st.data())
def test_any_history_verifies_and_any_single_edit_is_named(system, ops, batches, data):
    with pytest.raises(Rollback), transaction.atomic():
        apply(system, ops)
        seal_in(batches)
        report = chain.verify()
        assert report.ok and report.unsealed_entries == 0
        assert report.entries_checked == AuditEntry.objects.count()

        entry = data.draw(st.sampled_from(list(AuditEntry.objects.order_by("id"))))
        column = data.draw(st.sampled_from(chain.ENTRY_COLUMNS[1:]))
        drop_triggers()  # as a DBA could; rolled back with the example
        AuditEntry.objects.filter(id=entry.id).update(**{column: tampered(getattr(entry, column))})
        problems = chain.verify().problems
        assert [(p.kind, p.entry_id) for p in problems] == [("altered", entry.id)]
        raise Rollback


@settings(max_examples=200, deadline=None)
@given(row=st.tuples(st.integers(), values, st.none() | st.integers(), text, chinese))
def test_the_fast_canonical_form_is_exactly_compact_json(row):
    """The chain's pre-built encoder gives the bytes ``json.dumps`` would (ADR 0001)."""
    when = dt.datetime(2026, 1, 2, 3, 4, 5, 6789, tzinfo=dt.UTC)
    full = (row[0], when, *row[1:])
    expected = json.dumps(
        [row[0], when.isoformat(), *row[1:]], ensure_ascii=False, separators=(",", ":")
    )
    assert chain.canonical_entry(full) == expected


def test_naive_utc_and_offset_timestamps_hash_alike():
    """SQLite hands back naive UTC, PostgreSQL aware values: the hash must not care."""
    aware = dt.datetime(2026, 5, 1, 8, 0, tzinfo=dt.UTC)
    shanghai = aware.astimezone(dt.timezone(dt.timedelta(hours=8)))
    rows = [(1, v, "user") for v in (aware, aware.replace(tzinfo=None), shanghai, str(aware))]
    assert len({chain.link_hash(chain.GENESIS, r) for r in rows}) == 1


def test_decimal_changes_keep_their_scale_in_the_trail(system):
    with transaction.atomic():
        entry = audit.record(
            system, action=audit.UPDATE, record_type="test.thing", record_id=1,
            changes={"qty": [decimal.Decimal("1.500"), decimal.Decimal("2.000")]}, reason="count",
        )  # fmt: skip
    assert json.loads(entry.changes) == {"qty": ["1.500", "2.000"]}
    assert entry.changes == canonical.dumps({"qty": ["1.500", "2.000"]})


any_text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=10
)


@settings(max_examples=300, deadline=None)
@given(
    strings=st.lists(any_text, min_size=10, max_size=10),
    actor_id=st.none() | st.integers(-(2**63), 2**63 - 1),
    micro=st.integers(0, 999_999),
    tamper=st.booleans(),
)
def test_the_postgresql_fast_path_judges_every_row_as_the_reference_does(
    strings, actor_id, micro, tamper
):
    """Entry text as raw UTF-8 bytes, canonical JSON assembled from bytes: same verdicts."""
    when = dt.datetime(2026, 1, 2, 3, 4, 5, micro, tzinfo=dt.UTC)
    kind, *rest = strings
    entry = (41, when, kind, actor_id, *rest)
    digest = chain.link_hash(chain.GENESIS, entry)
    if tamper:
        rest = [rest[0] + "'", *rest[1:]]
    link = (1, 41, chain.GENESIS, digest, when)
    reference_row = (*link, 41, when, kind, actor_id, *rest)
    fast_row = (
        *link, b"41", when, None if actor_id is None else str(actor_id).encode(),
        b"\x00".join(s.encode() for s in (kind, *rest)),
    )  # fmt: skip
    verdicts = []
    for runner, row in ((chainwalk.run, reference_row), (chainwalk.run_fast, fast_row)):
        walk = chainwalk.Walk(chain.VerifyReport(), dt.timedelta(hours=1), 20)
        runner([row], walk)
        verdicts.append((walk.report.as_dict(), walk.present, walk.prev_hash, walk.expected_seq))
    assert verdicts[0] == verdicts[1]
    assert verdicts[0][0]["ok"] is not tamper
