"""Pure inventory rules (no database): storage temperature ranges of locations.

DI-09 (range checks on temperatures), TR-09 (locations carry storage capabilities that putaway is
checked against), CN-14 (a cold room has a monitored range, typically 2–8 °C).
"""

from __future__ import annotations

from decimal import Decimal

from mederp.inventory.errors import ColdLocationNeedsRange, TemperatureRangeInvalid


def check_storage_range(*, range_required: bool, low: Decimal | None, high: Decimal | None) -> None:
    """Refuse an inverted range, or a missing bound where the location kind needs a range.

    One open bound is a range too (``≤ 25 °C``); ``low == high`` is allowed (a set point).
    """
    if range_required and (low is None or high is None):
        raise ColdLocationNeedsRange(field="temp_min_c" if low is None else "temp_max_c")
    if low is not None and high is not None and low > high:
        raise TemperatureRangeInvalid(field="temp_min_c", low=low, high=high)


def format_temperature(value: Decimal) -> str:
    """``Decimal("8.0")`` → ``"8"``, ``Decimal("-20.50")`` → ``"-20.5"``: exact, never rounded."""
    text = f"{value:f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def format_range(low: Decimal | None, high: Decimal | None) -> str:
    """How a range reads on a page or a label: ``2–8 °C``, ``≤ 25 °C``, ``≥ 15 °C`` or ``""``."""
    if low is not None and high is not None:
        return f"{format_temperature(low)}–{format_temperature(high)} °C"
    if high is not None:
        return f"≤ {format_temperature(high)} °C"
    if low is not None:
        return f"≥ {format_temperature(low)} °C"
    return ""
