"""Storage temperature rules of locations, without a database (DI-09, TR-09, CN-14)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mederp.inventory.errors import ColdLocationNeedsRange, TemperatureRangeInvalid
from mederp.inventory.rules import check_storage_range, format_range, format_temperature

D = Decimal
temperatures = st.decimals(min_value=-273, max_value=1000, places=1, allow_nan=False)


@pytest.mark.parametrize("low,high", [(None, None), (D("2"), None), (None, D("8"))])
def test_a_cold_location_needs_both_bounds(low, high):
    with pytest.raises(ColdLocationNeedsRange) as exc:
        check_storage_range(range_required=True, low=low, high=high)
    assert exc.value.code == "inventory.cold_location_needs_range"
    assert exc.value.details["field"] == ("temp_min_c" if low is None else "temp_max_c")


@pytest.mark.parametrize("required", [True, False])
def test_an_inverted_range_is_refused_whatever_the_kind(required):
    with pytest.raises(TemperatureRangeInvalid) as exc:
        check_storage_range(range_required=required, low=D("8"), high=D("2"))
    assert exc.value.code == "inventory.temperature_range_invalid"
    assert "8" in exc.value.render_message() and "2" in exc.value.render_message()


@pytest.mark.parametrize(
    "low,high",
    [(None, None), (None, D("25")), (D("15"), None), (D("5"), D("5")), (D("-25"), D("-15"))],
)
def test_open_bounds_and_a_set_point_are_ranges_too(low, high):
    check_storage_range(range_required=False, low=low, high=high)


@given(temperatures, temperatures)
def test_any_two_bounds_pass_exactly_when_ordered(low, high):
    if low <= high:
        check_storage_range(range_required=True, low=low, high=high)
    else:
        with pytest.raises(TemperatureRangeInvalid):
            check_storage_range(range_required=True, low=low, high=high)


@pytest.mark.parametrize(
    "value,text",
    [
        (D("8.0"), "8"),
        (D("-20.0"), "-20"),
        (D("2.5"), "2.5"),
        (D("0.0"), "0"),
        (D("-0.0"), "0"),
        (D("100"), "100"),
        (D("-273.1"), "-273.1"),
    ],
)
def test_temperatures_read_without_trailing_zeros(value, text):
    assert format_temperature(value) == text


@given(temperatures)
def test_formatting_a_temperature_never_rounds(value):
    assert D(format_temperature(value)) == value


def test_a_range_reads_as_on_a_label():
    assert format_range(D("2.0"), D("8.0")) == "2–8 °C"
    assert format_range(None, D("25.0")) == "≤ 25 °C"
    assert format_range(D("-25.0"), None) == "≥ -25 °C"
    assert format_range(None, None) == ""
