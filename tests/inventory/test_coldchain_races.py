"""Two loggers at once on PostgreSQL (DI-03; CN-14): readings of one location are serialised on
the location's row lock, so a reading sent twice at the same moment is recorded once and the
second is answered as before; two bad readings at once open one excursion and hold the stock
once; the same reading id claimed for two places at once is a coded 409, never a 500."""

from __future__ import annotations

import pytest
from django.db import connection
from tests.inventory.coldchain_support import ColdRoom, fill_cold_room, reading, send
from tests.inventory.conftest import Stock
from tests.inventory.test_location_races import Race

from mederp.core.actors import Actor
from mederp.inventory.coldchain.errors import ReadingConflict
from mederp.inventory.models import Excursion, StockHold, TemperatureReading

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _postgres_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers and row locks are proved on PostgreSQL")


@pytest.fixture
def room(stock: Stock, system: Actor) -> ColdRoom:
    return fill_cold_room(stock, system)


def test_a_reading_sent_twice_at_once_is_recorded_once(room: ColdRoom, system: Actor) -> None:
    same = reading(room.stock.cold, "9.5", "LOG7-0042")
    race = Race(lambda: send(system, same)[0], lambda: send(system, same)[0])
    assert race.second_waits_for_first()
    first, second = race.results["first"], race.results["second"]
    assert first.created and not second.created
    assert first.reading.pk == second.reading.pk
    assert TemperatureReading.objects.count() == 1
    assert Excursion.objects.count() == 1 and StockHold.objects.count() == 1


def test_two_bad_readings_at_once_open_one_excursion_and_hold_the_stock_once(
    room: ColdRoom, system: Actor
) -> None:
    race = Race(
        lambda: send(system, reading(room.stock.cold, "9.5", "A", minutes_ago=2)),
        lambda: send(system, reading(room.stock.cold, "12", "B", minutes_ago=1)),
    )
    assert race.second_waits_for_first()
    assert not any(isinstance(r, Exception) for r in race.results.values()), race.results
    excursion = Excursion.objects.get()
    assert excursion.max_celsius == 12 and excursion.last_reading.reading_id == "B"
    assert StockHold.objects.count() == 1


def test_one_reading_id_claimed_for_two_places_at_once_is_a_conflict(
    room: ColdRoom, system: Actor, stock: Stock
) -> None:
    race = Race(
        lambda: send(system, reading(room.stock.cold, "5", "DUP"))[0],
        lambda: send(system, reading(stock.quarantine, "5", "DUP"))[0],
    )
    race.second_waits_for_first()
    assert race.results["first"].created
    assert isinstance(race.results["second"], ReadingConflict)
    assert race.results["second"].details["conflicting"] == ["location_id"]
    assert TemperatureReading.objects.count() == 1
