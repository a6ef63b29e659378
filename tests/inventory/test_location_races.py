"""Two connections at once on PostgreSQL (DI-03; STYLE: a real two-connection race test).

Whoever writes a location holds its warehouse's row lock (``inventory.locks``). A second writer
waits for the first to commit, then sees its row: a duplicate code gets the coded refusal, a stale
edit gets ``stale_record``, and the warehouse's outbox sequence stays gap-free. Two warehouses
with one code meet at the unique index and the loser is refused as taken, never a 500.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, connections, transaction

from mederp.core.errors import StaleRecord
from mederp.core.models import OutboxEvent
from mederp.inventory import services
from mederp.inventory.errors import LocationCodeTaken, WarehouseCodeTaken
from mederp.inventory.models import Location, Warehouse

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
WAIT = 10


@pytest.fixture(autouse=True)
def _postgres_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers and row locks are proved on PostgreSQL")


class Race:
    """The first call runs in its own connection and keeps its transaction open until released;
    the second then starts in another connection."""

    def __init__(self, first: Callable[[], Any], second: Callable[[], Any]) -> None:
        self.results: dict[str, Any] = {}
        self._inside = threading.Event()
        self._release = threading.Event()
        self._first = threading.Thread(target=self._hold, args=(first,))
        self._second = threading.Thread(target=self._run, args=("second", second))

    def _hold(self, call: Callable[[], Any]) -> None:
        try:
            with transaction.atomic():
                self.results["first"] = call()
                self._inside.set()
                self._release.wait(WAIT)
        except Exception as exc:
            self.results["first"] = exc
            self._inside.set()
        finally:
            connections.close_all()

    def _run(self, key: str, call: Callable[[], Any]) -> None:
        try:
            self.results[key] = call()
        except Exception as exc:
            self.results[key] = exc
        finally:
            connections.close_all()

    def second_waits_for_first(self) -> bool:
        """Start both; True when the second was still blocked while the first held its lock."""
        self._first.start()
        assert self._inside.wait(WAIT)
        self._second.start()
        self._second.join(0.5)
        blocked = self._second.is_alive()
        self._release.set()
        self._first.join(WAIT)
        self._second.join(WAIT)
        return blocked


@pytest.fixture
def site(system) -> Warehouse:
    return services.create_warehouse(system, code="SZ01", name_zh="苏州仓")


def add(system, warehouse: Warehouse, code: str) -> Callable[[], Location]:
    return lambda: services.create_location(
        system, warehouse.pk, code=code, name="区", kind="storage"
    )


def test_a_second_writer_of_the_same_code_waits_then_is_refused(system, site):
    race = Race(add(system, site, "A1"), add(system, site, "a1"))
    assert race.second_waits_for_first()
    assert isinstance(race.results["first"], Location)
    assert isinstance(race.results["second"], LocationCodeTaken)
    assert Location.objects.filter(warehouse=site).count() == 1


def test_two_writers_in_one_warehouse_get_consecutive_event_numbers(system, site):
    race = Race(add(system, site, "A1"), add(system, site, "B1"))
    assert race.second_waits_for_first()
    assert isinstance(race.results["second"], Location)
    seqs = OutboxEvent.objects.filter(
        aggregate_type="inventory.warehouse", aggregate_id=str(site.pk)
    ).values_list("aggregate_seq", flat=True)
    assert sorted(seqs) == [1, 2, 3]


def test_two_edits_from_the_same_version_cannot_both_win(system, site):
    loc = add(system, site, "A1")()

    def edit(name_en: str) -> Callable[[], Location]:
        return lambda: services.change_location(
            system, loc.pk, reason="rename", expected_version=1, name_en=name_en
        )

    race = Race(edit("first"), edit("second"))
    assert race.second_waits_for_first()
    assert isinstance(race.results["second"], StaleRecord)
    loc.refresh_from_db()
    assert (loc.name_en, loc.version) == ("first", 2)


def test_two_new_warehouses_with_one_code_meet_at_the_unique_index(system):
    def create() -> Warehouse:
        return services.create_warehouse(system, code="WH2", name_zh="二号仓")

    race = Race(create, create)
    assert race.second_waits_for_first()  # blocked on the uncommitted index entry
    assert isinstance(race.results["first"], Warehouse)
    assert isinstance(race.results["second"], WarehouseCodeTaken)
    assert Warehouse.objects.filter(code="WH2").count() == 1
