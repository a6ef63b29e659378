"""Pure inventory rules (no database): storage temperature ranges of locations, quantities,
tracking and putaway suitability.

DI-09 (range checks on temperatures), TR-09 (locations carry storage capabilities that putaway is
checked against), CN-14 (a cold room has a monitored range, typically 2–8 °C).
"""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext as _

from mederp.inventory.errors import (
    ColdLocationNeedsRange,
    QuantityInvalid,
    QuantityNotPositive,
    QuantityPrecision,
    TemperatureRangeInvalid,
)


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


# --- the ledger -------------------------------------------------------------------------------

#: Decimal places a quantity may have. Units of measure do not state their precision yet, so one
#: bound holds for all: thousandths (0.001 L, 0.125 BOX); the column keeps 6 for sums.
QUANTITY_MAX_PLACES = 3


def parse_quantity(value: object, field: str = "quantity") -> Decimal:
    """An exact, positive quantity with at most :data:`QUANTITY_MAX_PLACES` decimals.

    Floats are refused, never converted (0.1 is not exact); text and integers are read exactly.
    """
    if isinstance(value, bool | float):
        raise QuantityInvalid(field=field)
    if isinstance(value, int):
        quantity = Decimal(value)
    elif isinstance(value, Decimal):
        quantity = value
    elif isinstance(value, str):
        try:
            quantity = Decimal(value.strip())
        except ArithmeticError:
            raise QuantityInvalid(field=field) from None
    else:
        raise QuantityInvalid(field=field)
    if not quantity.is_finite():
        raise QuantityInvalid(field=field)
    if quantity <= 0:
        raise QuantityNotPositive(field=field, quantity=str(quantity))
    exponent = quantity.normalize().as_tuple().exponent
    if isinstance(exponent, int) and -exponent > QUANTITY_MAX_PLACES:
        raise QuantityPrecision(field=field, quantity=str(quantity), places=QUANTITY_MAX_PLACES)
    if quantity.adjusted() >= 12:
        raise QuantityInvalid(field=field)
    return quantity


def tracking_problem(tracking: str, *, has_lot: bool, has_serial: bool) -> str | None:
    """Why a move's identification does not fit the product's tracking, or None.

    Lot-tracked: a lot and no serial. Serial-tracked: a serial (its lot optional). Untracked:
    neither.
    """
    if tracking == "lot":
        if not has_lot:
            return _("name the lot.")
        if has_serial:
            return _("it has no serial numbers.")
    elif tracking == "serial":
        if not has_serial:
            return _("name the serial number.")
    elif has_lot or has_serial:
        return _("it has neither lots nor serial numbers.")
    return None


def suits_storage(
    *,
    product_min: Decimal | None,
    product_max: Decimal | None,
    location_min: Decimal | None,
    location_max: Decimal | None,
) -> bool:
    """TR-09: a location keeps a product when every bound the product states is guaranteed by
    the location's range (a 2–8 °C product needs a location held within 2–8 °C; a location
    without a range guarantees nothing)."""
    if product_min is not None and (location_min is None or location_min < product_min):
        return False
    return not (product_max is not None and (location_max is None or location_max > product_max))


def normal(value: Decimal) -> Decimal:
    """``Decimal("12.500000")`` → ``12.5``, ``Decimal("3.000000")`` → ``3``: for messages and
    pages (never ``3E+1``)."""
    if value == value.to_integral_value():
        return value.quantize(Decimal(1))
    return value.normalize()
