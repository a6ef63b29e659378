"""Cold-chain rules without a database (STYLE rule 1; DI-09 range checks, CN-14)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from mederp.core.errors import DomainError
from mederp.inventory.coldchain import rules

NOW = dt.datetime(2026, 6, 15, 10, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    "value,expected",
    [
        ("5", Decimal("5.00")),
        (" -20.5 ", Decimal("-20.50")),
        (8, Decimal("8.00")),
        (Decimal("-196.00"), Decimal("-196.00")),
        ("100", Decimal("100.00")),
    ],
)
def test_plausible_temperatures_are_read_exactly(value: object, expected: Decimal) -> None:
    assert rules.parse_celsius(value) == expected


@pytest.mark.parametrize(
    "value,code",
    [
        (5.5, "inventory.reading_not_exact"),
        (True, "inventory.reading_not_exact"),
        ("Infinity", "inventory.reading_not_exact"),
        ("", "inventory.reading_not_exact"),
        ("4.005", "inventory.reading_precision"),
        ("-200.01", "inventory.reading_out_of_bounds"),
        ("100.01", "inventory.reading_out_of_bounds"),
    ],
)
def test_implausible_or_inexact_temperatures_are_refused(value: object, code: str) -> None:
    with pytest.raises(DomainError) as exc:
        rules.parse_celsius(value)
    assert exc.value.code == code


def test_a_measurement_time_is_kept_in_utc_and_may_run_a_little_ahead() -> None:
    shanghai = dt.timezone(dt.timedelta(hours=8))
    local = dt.datetime(2026, 6, 15, 18, 4, tzinfo=shanghai)
    assert rules.check_measured_at(local, NOW) == dt.datetime(2026, 6, 15, 10, 4, tzinfo=dt.UTC)
    with pytest.raises(DomainError) as exc:
        rules.check_measured_at(NOW + dt.timedelta(minutes=6), NOW)
    assert exc.value.code == "inventory.reading_in_future"


def test_the_bounds_of_a_storage_range_are_inside_it() -> None:
    two, eight = Decimal("2"), Decimal("8")
    assert not rules.outside(Decimal("8.00"), two, eight)
    assert not rules.outside(Decimal("2.00"), two, eight)
    assert rules.outside(Decimal("8.01"), two, eight)
    assert rules.outside(Decimal("1.99"), two, eight)
    assert not rules.outside(Decimal("-40"), None, Decimal("25"))
    assert not rules.outside(Decimal("90"), None, None)


def test_a_reading_affects_each_product_and_lot_out_of_its_range_once() -> None:
    fridge = rules.StoredItem(1, 10, Decimal("2"), Decimal("8"))
    fridge_again = rules.StoredItem(1, 10, Decimal("2"), Decimal("8"))
    other_lot = rules.StoredItem(1, 11, Decimal("2"), Decimal("8"))
    room_temp = rules.StoredItem(2, 20, None, Decimal("25"))
    stock = [fridge, fridge_again, other_lot, room_temp]
    assert rules.affected(Decimal("9"), stock) == [fridge, other_lot]
    assert rules.affected(Decimal("26"), stock) == [fridge, other_lot, room_temp]
    assert rules.affected(Decimal("5"), stock) == []
