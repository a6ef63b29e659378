"""Cold-chain decisions that need no database (STYLE rule 1): is a logger reading plausible
(DI-09 range check), and which stored products does it put outside their storage range
(CN-14, TR-09; 条例 第四十七条)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from mederp.core import inbound
from mederp.inventory.coldchain.errors import (
    ReadingIdInvalid,
    ReadingInFuture,
    ReadingNotExact,
    ReadingOutOfBounds,
    ReadingPrecision,
    ReadingTimeNaive,
)

#: What a logger can plausibly report (DI-09): ultra-low freezers reach −86 °C, dry ice −79 °C,
#: liquid-nitrogen vapour about −190 °C; nothing stored is meant to be above 100 °C. Outside
#: this band the reading is a broken probe or a typo, and is refused rather than recorded.
LOWEST_C = Decimal("-200")
HIGHEST_C = Decimal("100")
#: The column keeps hundredths (loggers resolve 0.01–0.1 °C).
PLACES = 2
#: Logger clocks drift; a reading from further ahead than the inbound clock skew (the shared
#: setting, 5 minutes by default: :func:`mederp.core.inbound.clock_skew`) is a wrong clock.
READING_ID_MAX = 100


def parse_celsius(value: Any, field: str = "celsius") -> Decimal:
    """An exact temperature with at most :data:`PLACES` decimals inside the plausible band.

    Floats are refused (the API reads JSON numbers as decimals before this); text and integers
    are read exactly.
    """
    if isinstance(value, bool | float) or not isinstance(value, Decimal | int | str):
        raise ReadingNotExact(field=field)
    try:
        number = Decimal(value.strip() if isinstance(value, str) else value)
    except InvalidOperation:
        raise ReadingNotExact(field=field) from None
    if not number.is_finite():
        raise ReadingNotExact(field=field)
    exponent = number.normalize().as_tuple().exponent
    if isinstance(exponent, int) and -exponent > PLACES:
        raise ReadingPrecision(field=field, celsius=str(number), places=PLACES)
    if not LOWEST_C <= number <= HIGHEST_C:
        raise ReadingOutOfBounds(field=field, celsius=str(number), low=LOWEST_C, high=HIGHEST_C)
    return number.quantize(Decimal(1).scaleb(-PLACES))


def check_measured_at(measured_at: dt.datetime, now: dt.datetime) -> dt.datetime:
    """The measurement time in UTC: the reading's occurred-at, under the shared inbound rule
    (:func:`mederp.core.inbound.check_occurred_at`) with the cold chain's own codes."""
    return inbound.check_occurred_at(
        measured_at, now=now, field="measured_at", naive=ReadingTimeNaive, future=ReadingInFuture
    )


def check_reading_id(reading_id: str) -> str:
    cleaned = (reading_id or "").strip()
    if not cleaned or len(cleaned) > READING_ID_MAX or not cleaned.isprintable():
        raise ReadingIdInvalid(field="reading_id", most=READING_ID_MAX)
    return cleaned


def outside(celsius: Decimal, low: Decimal | None, high: Decimal | None) -> bool:
    """Outside a storage range; an open bound limits nothing, and the bounds themselves are in."""
    return (low is not None and celsius < low) or (high is not None and celsius > high)


@dataclass(frozen=True)
class StoredItem:
    """Stock of one product (and lot) at the location, with the product's storage range."""

    product_id: int
    lot_id: int | None
    low: Decimal | None
    high: Decimal | None


def affected(celsius: Decimal, stock: Iterable[StoredItem]) -> list[StoredItem]:
    """The items a reading puts outside their product's storage range, once each, in order."""
    seen: set[tuple[int, int | None]] = set()
    result = []
    for item in stock:
        key = (item.product_id, item.lot_id)
        if key not in seen and outside(celsius, item.low, item.high):
            seen.add(key)
            result.append(item)
    return result
