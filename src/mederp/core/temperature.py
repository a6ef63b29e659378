"""Storage temperatures: one column type and one parser for every app (invariant 8).

Products (label storage range) and locations (what a zone can hold) state temperatures the same
way: exact decimals in °C with one decimal place, never below absolute zero, never a float.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext as _

from mederp.core.errors import field_errors

#: Lowest temperature a range can state (absolute zero, in °C).
ABSOLUTE_ZERO_C = Decimal("-273.15")
#: The stored scale: one decimal place.
TEMPERATURE_STEP = Decimal("0.1")


def temperature_field(verbose_name: Any) -> models.DecimalField:
    """An optional temperature column in °C (5 digits, 1 decimal place, >= absolute zero)."""
    return models.DecimalField(
        verbose_name,
        max_digits=5,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(ABSOLUTE_ZERO_C)],
    )


def exact_temperature(value: Any, field: str) -> Decimal | None:
    """An exact temperature (Decimal, int or decimal text) in the column's scale, or None.

    Floats, booleans and non-finite numbers are refused with a field error. ``8`` and ``8.00``
    become ``8.0`` so the audit trail does not record a change where there is none; finer values
    are left for the field check to refuse.
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool) or not isinstance(value, Decimal | int | str):
        raise field_errors({field: [_("Enter an exact decimal number.")]})
    try:
        number = Decimal(value.strip() if isinstance(value, str) else value)
    except InvalidOperation:
        raise field_errors({field: [_("Enter an exact decimal number.")]}) from None
    if not number.is_finite():
        raise field_errors({field: [_("Enter an exact decimal number.")]})
    try:
        step = number.quantize(TEMPERATURE_STEP)
    except InvalidOperation:
        return number
    return step if step == number else number
