"""Decisions about plans and results that need no database (STYLE rule 1).

ISO 13485 §7.4.3 and §8.2.6: a measured value outside its limits fails the characteristic; the
inspection passes only when every characteristic of its plan passed. Sampling follows the plan's
table (lot size range -> sample size); a lot smaller than its sample is inspected whole.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

NUMERIC, PASS_FAIL, TEXT = "numeric", "pass_fail", "text"


@dataclass(frozen=True)
class Range:
    """One row of a sampling table: ``lot_from``..``lot_to`` (``None``: and above)."""

    lot_from: Decimal
    lot_to: Decimal | None
    sample: Decimal

    def covers(self, lot_size: Decimal) -> bool:
        return self.lot_from <= lot_size and (self.lot_to is None or lot_size <= self.lot_to)


def sample_size(table: Iterable[Range], lot_size: Decimal) -> Decimal:
    """How many units to inspect: the covering row's sample, at most the whole lot; the whole
    lot when no row covers it (an empty table means "inspect all")."""
    for row in table:
        if row.covers(lot_size):
            return min(row.sample, lot_size)
    return lot_size


def overlapping(table: Sequence[Range]) -> tuple[Range, Range] | None:
    """The first two rows whose lot-size ranges overlap, or ``None`` when none do."""
    rows = sorted(table, key=lambda r: r.lot_from)
    for before, after in itertools.pairwise(rows):
        if before.lot_to is None or after.lot_from <= before.lot_to:
            return before, after
    return None


def within(value: Decimal, lower: Decimal | None, upper: Decimal | None) -> bool:
    """``lower <= value <= upper``; a missing limit does not bound."""
    return (lower is None or value >= lower) and (upper is None or value <= upper)


def judge(
    kind: str,
    *,
    value: Decimal | None = None,
    passed: bool | None = None,
    lower: Decimal | None = None,
    upper: Decimal | None = None,
) -> bool:
    """Whether one result passes: a number within its limits; a pass/fail verdict as given; a
    text note passes unless the inspector marked it failed."""
    if kind == NUMERIC:
        return value is not None and within(value, lower, upper)
    if kind == PASS_FAIL:
        return bool(passed)
    return passed is not False


def outcome(verdicts: Iterable[bool]) -> str:
    """``pass`` when every characteristic passed, else ``fail``."""
    return "pass" if all(verdicts) else "fail"


def limits_text(lower: Decimal | None, upper: Decimal | None, unit: str = "") -> str:
    """``[4.9, 5.1] mm``, ``≥ 4.9 mm``, ``≤ 5.1 mm`` (how a limit is shown in an NCR)."""
    suffix = f" {unit}" if unit else ""
    if lower is not None and upper is not None:
        return f"[{lower.normalize():f}, {upper.normalize():f}]{suffix}"
    if lower is not None:
        return f"≥ {lower.normalize():f}{suffix}"
    if upper is not None:
        return f"≤ {upper.normalize():f}{suffix}"
    return ""


PLACES = 6


def parse_value(raw: object) -> Decimal | None:
    """An exact measured value, or ``None`` when it is not one: floats are refused (never
    converted: 0.1 is not exact), as are more than :data:`PLACES` decimals, NaN and infinity."""
    if raw is None or isinstance(raw, bool | float):
        return None
    if isinstance(raw, Decimal):
        value = raw
    elif isinstance(raw, int):
        value = Decimal(raw)
    elif isinstance(raw, str):
        try:
            value = Decimal(raw.strip())
        except ArithmeticError:
            return None
    else:
        return None
    if not value.is_finite():
        return None
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -PLACES:
        return None
    if abs(value) >= Decimal(10) ** 12:
        return None
    return value
