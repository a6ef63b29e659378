"""Document numbering in the kernel (DI-03; CN-08, CN-09 records read in number order).

One counter per prefix and business year, taken under its row lock inside the document's own
transaction: numbers follow each other without gaps, restart each year in the plant's time zone,
never mix prefixes, and a rolled-back document gives its number back. Two writers at once on
PostgreSQL, even when neither finds the year's row yet, get two different numbers. The sales and
procurement counters, deployed before the kernel had one, move into it with their last numbers.
"""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, connections, transaction

from mederp.core import clock, numbering
from mederp.core.models import DocumentCounter
from mederp.core.numbering import next_number

MIDYEAR = dt.datetime(2026, 6, 15, 8, 0, tzinfo=dt.UTC)
WAIT = 15


@pytest.fixture
def june_2026(settings: Any) -> Any:
    settings.TIME_ZONE = "Asia/Shanghai"
    with clock.frozen(MIDYEAR):
        yield


# --- in the test's transaction ------------------------------------------------------------------


@pytest.mark.django_db
def test_numbers_follow_each_other_from_one(june_2026):
    assert [next_number("SO") for _ in range(3)] == [
        "SO-2026-00001",
        "SO-2026-00002",
        "SO-2026-00003",
    ]
    counter = DocumentCounter.objects.get(prefix="SO", year=2026)
    assert counter.last == 3


@pytest.mark.django_db
def test_each_prefix_counts_on_its_own(june_2026):
    assert next_number("SO") == "SO-2026-00001"
    assert next_number("PO") == "PO-2026-00001"
    assert next_number("SO") == "SO-2026-00002"
    assert next_number("WO") == "WO-2026-00001"
    assert set(DocumentCounter.objects.values_list("prefix", "last")) == {
        ("SO", 2),
        ("PO", 1),
        ("WO", 1),
    }


@pytest.mark.django_db
def test_a_new_business_year_starts_at_one_in_the_plants_time_zone(settings):
    settings.TIME_ZONE = "Asia/Shanghai"
    with clock.frozen(dt.datetime(2026, 12, 31, 15, 59, tzinfo=dt.UTC)):  # 23:59 in Suzhou
        assert next_number("RC") == "RC-2026-00001"
        assert next_number("RC") == "RC-2026-00002"
    # 31 December in UTC, already 1 January 2027 in Suzhou: the plant's year counts.
    with clock.frozen(dt.datetime(2026, 12, 31, 16, 0, tzinfo=dt.UTC)):
        assert numbering.business_year() == 2027
        assert next_number("RC") == "RC-2027-00001"
    assert DocumentCounter.objects.get(prefix="RC", year=2026).last == 2


@pytest.mark.django_db
def test_a_rolled_back_document_gives_its_number_back(june_2026):
    assert next_number("SH") == "SH-2026-00001"
    with pytest.raises(RuntimeError), transaction.atomic():
        assert next_number("SH") == "SH-2026-00002"
        raise RuntimeError("the shipment failed")
    assert next_number("SH") == "SH-2026-00002"


@pytest.mark.django_db
def test_numbering_continues_from_a_counter_already_there(june_2026):
    """What the sales and procurement data migrations leave: the row with its last number."""
    DocumentCounter.objects.create(prefix="PO", year=2026, last=41)
    assert next_number("PO") == "PO-2026-00042"


@pytest.mark.django_db
def test_width_pads_the_sequence(june_2026):
    assert next_number("RT", width=3) == "RT-2026-001"
    assert numbering.format_number("RT", 2026, 123456) == "RT-2026-123456"


# --- outside a transaction ----------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_number_outside_the_documents_transaction_is_refused(june_2026):
    with pytest.raises(transaction.TransactionManagementError, match="inside"):
        next_number("SO")
    assert not DocumentCounter.objects.exists()
    with transaction.atomic():
        assert next_number("SO") == "SO-2026-00001"


# --- the deployed apps' counters move into core -------------------------------------------------


COUNTERS = {
    "sales": ("0002_records_append_only", [("SO", 2025, 310), ("SO", 2026, 42), ("RT", 2026, 3)]),
    "procurement": ("0002_receipts_append_only", [("PO", 2026, 17)]),
}


def _rows(table: str) -> set[tuple[str, int, int]]:
    with connection.cursor() as cur:
        cur.execute(f"SELECT prefix, year, last FROM {table}")
        return {(p, int(y), int(n)) for p, y, n in cur.fetchall()}


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("app", sorted(COUNTERS))
def test_the_apps_counters_move_into_core_and_back(app, june_2026):
    before, rows = COUNTERS[app]
    call_command("migrate", app, before, verbosity=0)
    try:
        with connection.cursor() as cur:
            for prefix, year, last in rows:
                cur.execute(
                    f"INSERT INTO {app}_documentcounter (prefix, year, last) VALUES (%s, %s, %s)",
                    [prefix, year, last],
                )
        call_command("migrate", app, verbosity=0)
        assert _rows("core_documentcounter") == set(rows)
        assert f"{app}_documentcounter" not in connection.introspection.table_names()
        prefix, _, last = next(r for r in rows if r[1] == 2026)
        with transaction.atomic():
            assert next_number(prefix) == f"{prefix}-2026-{last + 1:05d}"

        call_command("migrate", app, before, verbosity=0)  # undone: the rows go back
        moved = {(p, y, n + 1 if (p, y) == (prefix, 2026) else n) for p, y, n in rows}
        assert _rows(f"{app}_documentcounter") == moved
        assert _rows("core_documentcounter") == set()
    finally:
        # Rolling the app back also unapplied the apps built on its tables (the quality apps):
        # every app goes forward again.
        call_command("migrate", verbosity=0)


# --- two writers at once (PostgreSQL) -----------------------------------------------------------


def _number_in_own_transaction(
    prefix: str, results: dict[str, Any], key: str, hold: threading.Event | None = None
) -> None:
    inside = results.setdefault("inside", threading.Event())
    try:
        with transaction.atomic():
            results[key] = next_number(prefix)
            if hold is not None:
                inside.set()
                hold.wait(WAIT)
    except DatabaseError as exc:  # reported by the assertions
        results[key] = exc
        inside.set()
    finally:
        connections.close_all()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_first_documents_of_a_year_at_once_get_two_numbers(june_2026):
    """Neither finds the year's row: the second's insert waits on the first's uncommitted one,
    fails on the unique key inside its savepoint, then waits on the first's row lock."""
    if connection.vendor != "postgresql":
        pytest.skip("row locks between two connections are proved on PostgreSQL")
    results: dict[str, Any] = {}
    release = threading.Event()
    first = threading.Thread(
        target=_number_in_own_transaction, args=("WO", results, "first", release)
    )
    second = threading.Thread(target=_number_in_own_transaction, args=("WO", results, "second"))
    first.start()
    assert results.setdefault("inside", threading.Event()).wait(WAIT)
    second.start()
    second.join(0.5)
    assert second.is_alive(), "the second writer did not wait for the first"
    release.set()
    first.join(WAIT)
    second.join(WAIT)
    assert (results["first"], results["second"]) == ("WO-2026-00001", "WO-2026-00002")
    assert DocumentCounter.objects.get(prefix="WO", year=2026).last == 2


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_many_writers_get_distinct_gap_free_numbers(june_2026):
    if connection.vendor != "postgresql":
        pytest.skip("row locks between two connections are proved on PostgreSQL")
    results: dict[str, Any] = {}

    def write(worker: int) -> None:
        for n in range(5):
            _number_in_own_transaction("SO", results, f"{worker}.{n}")

    threads = [threading.Thread(target=write, args=(w,)) for w in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(WAIT)
    numbers = sorted(str(v) for k, v in results.items() if k != "inside")
    assert numbers == [f"SO-2026-{n:05d}" for n in range(1, 31)]
