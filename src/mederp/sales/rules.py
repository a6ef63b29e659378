"""Sales decisions that need no database (STYLE rule 1): prices and amounts, FEFO choice with
the customer's minimum remaining shelf life, what a pick scan must match, what may come back.

Quantities follow the ledger's rule (``inventory.rules.parse_quantity``: exact, positive, at
most three decimals, floats refused) so an order never asks for a quantity the ledger refuses.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any, Protocol

from mederp.inventory.rules import parse_quantity
from mederp.sales.errors import PriceInvalid

__all__ = [
    "PRICE_MAX_PLACES",
    "FefoPlan",
    "PickMatch",
    "PickTarget",
    "ScanMismatch",
    "amount",
    "days_left",
    "fefo_key",
    "is_whole",
    "match_pick",
    "meets_shelf_life",
    "parse_price",
    "parse_quantity",
    "plan_fefo",
    "returnable",
]

PRICE_MAX_PLACES = 4
CENT = Decimal("0.01")


def parse_price(value: Any, field: str = "unit_price") -> Decimal:
    """A unit price: exact, not negative, at most four decimals. Floats are refused, never
    converted (0.1 is not exact)."""
    problem = PriceInvalid(value=str(value), places=PRICE_MAX_PLACES, field=field)
    if isinstance(value, bool | float) or value is None:
        raise problem
    try:
        price = Decimal(value.strip()) if isinstance(value, str) else Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        raise problem from None
    if not price.is_finite() or price < 0 or price.adjusted() >= 13:
        raise problem
    exponent = price.normalize().as_tuple().exponent
    if isinstance(exponent, int) and -exponent > PRICE_MAX_PLACES:
        raise problem
    return price


def amount(quantity: Decimal, unit_price: Decimal) -> Decimal:
    """Quantity × unit price in the currency's cents, half up (the amount on the sales record)."""
    return (quantity * unit_price).quantize(CENT, rounding=ROUND_HALF_UP)


def is_whole(quantity: Decimal) -> bool:
    return quantity == quantity.to_integral_value()


# --- FEFO with the customer's minimum remaining shelf life (TR-05..TR-07) ----------------------


class Candidate(Protocol):
    """What FEFO reads of one available balance (``inventory.selectors.AvailableStock``)."""

    @property
    def expiry_date(self) -> dt.date | None: ...
    @property
    def available(self) -> Decimal: ...
    @property
    def lot_number(self) -> str | None: ...
    @property
    def serial_number(self) -> str | None: ...
    @property
    def location_code(self) -> str: ...


def days_left(expiry_date: dt.date | None, on_date: dt.date) -> int | None:
    """Days from ``on_date`` to the expiry date (0 on the last usable day); None: no expiry."""
    return None if expiry_date is None else (expiry_date - on_date).days


def meets_shelf_life(expiry_date: dt.date | None, on_date: dt.date, min_days: int) -> bool:
    """Not expired on ``on_date`` and at least ``min_days`` left (a device without an expiry
    always meets it). Usable up to and including the expiry date, as the ledger counts."""
    left = days_left(expiry_date, on_date)
    return left is None or (left >= 0 and left >= min_days)


def fefo_key(c: Candidate) -> tuple[Any, ...]:
    """First expiry first out; no expiry last; then lot, serial and location, so the choice
    is the same every time."""
    return (
        c.expiry_date is None,
        c.expiry_date or dt.date.max,
        c.lot_number or "",
        c.serial_number or "",
        c.location_code,
    )


@dataclass(frozen=True)
class FefoPlan:
    """What FEFO takes for one line: (candidate, quantity) in order, what is still missing, and
    the candidates refused because they expire too soon for the customer."""

    takes: list[tuple[Any, Decimal]] = field(default_factory=list)
    shortfall: Decimal = Decimal(0)
    too_short: list[Any] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return self.shortfall == 0


def plan_fefo(
    candidates: Iterable[Candidate], needed: Decimal, *, on_date: dt.date, min_days: int = 0
) -> FefoPlan:
    """Take ``needed`` from the candidates, earliest expiry first. Never an expired candidate;
    never one with fewer than ``min_days`` days left (those are listed in ``too_short``); a
    serial is one unit."""
    takes: list[tuple[Any, Decimal]] = []
    too_short: list[Any] = []
    left = needed
    for c in sorted(candidates, key=fefo_key):
        if left <= 0:
            break
        if c.available <= 0:
            continue
        if not meets_shelf_life(c.expiry_date, on_date, 0):
            continue
        if not meets_shelf_life(c.expiry_date, on_date, min_days):
            too_short.append(c)
            continue
        take = min(c.available, left)
        if c.serial_number:
            if left < 1:
                continue
            take = Decimal(1)
        takes.append((c, take))
        left -= take
    return FefoPlan(takes=takes, shortfall=max(left, Decimal(0)), too_short=too_short)


# --- picking by scan (UDI-02, 出库复核) ---------------------------------------------------------


class ScanMismatch(enum.StrEnum):
    GTIN = "wrong_gtin"
    LOT = "wrong_lot"
    SERIAL = "wrong_serial"
    LOT_MISSING = "lot_not_scanned"
    SERIAL_MISSING = "serial_not_scanned"


@dataclass(frozen=True)
class PickTarget:
    """An allocation still open to pick, as the scan is compared with it."""

    key: Any
    gtin: str
    lot: str | None
    serial: str | None
    open_quantity: Decimal


@dataclass(frozen=True)
class PickMatch:
    target: PickTarget | None
    mismatch: ScanMismatch | None = None
    scanned: str | None = None
    expected: str | None = None


def _check_one(t: PickTarget, gtin: str | None, lot: str | None, serial: str | None) -> PickMatch:
    if gtin != t.gtin:
        return PickMatch(None, ScanMismatch.GTIN, gtin, t.gtin)
    if t.serial is not None:
        if serial is None:
            return PickMatch(None, ScanMismatch.SERIAL_MISSING, None, t.serial)
        if serial != t.serial:
            return PickMatch(None, ScanMismatch.SERIAL, serial, t.serial)
        if lot is not None and t.lot is not None and lot != t.lot:
            return PickMatch(None, ScanMismatch.LOT, lot, t.lot)
        return PickMatch(t)
    if t.lot is not None:
        if lot is None:
            return PickMatch(None, ScanMismatch.LOT_MISSING, None, t.lot)
        if lot != t.lot:
            return PickMatch(None, ScanMismatch.LOT, lot, t.lot)
    return PickMatch(t)


def match_pick(
    targets: Sequence[PickTarget],
    *,
    gtin: str | None,
    lot: str | None,
    serial: str | None,
    quantity: Decimal,
) -> PickMatch:
    """Which open allocation the scan confirms, or why none: the GTIN must be the allocated
    product's, the lot the allocated lot, the serial the allocated serial. With one target
    (the picker chose the line) the scan is compared with it alone; with several, the first
    that matches and still has ``quantity`` open wins, else the first that matches, else the
    mismatch found nearest to a match (GTIN right, then lot right)."""
    if not targets:
        return PickMatch(None)
    results = [_check_one(t, gtin, lot, serial) for t in targets]
    matched = [r for r in results if r.target is not None]
    if matched:
        enough = [r for r in matched if r.target and r.target.open_quantity >= quantity]
        return (enough or matched)[0]
    # The nearest miss: right device and lot but another serial says more than a wrong GTIN.
    best = min(results, key=lambda r: _NEAREST.index(r.mismatch) if r.mismatch else 0)
    if best.mismatch is not None and len(targets) > 1:
        attribute = _EXPECTED[best.mismatch]
        same = [t for t, r in zip(targets, results, strict=True) if r.mismatch == best.mismatch]
        wanted = sorted({str(getattr(t, attribute)) for t in same})
        return PickMatch(None, best.mismatch, best.scanned, ", ".join(wanted))
    return best


_NEAREST = (
    ScanMismatch.SERIAL,
    ScanMismatch.SERIAL_MISSING,
    ScanMismatch.LOT,
    ScanMismatch.LOT_MISSING,
    ScanMismatch.GTIN,
)
_EXPECTED = {
    ScanMismatch.GTIN: "gtin",
    ScanMismatch.LOT: "lot",
    ScanMismatch.LOT_MISSING: "lot",
    ScanMismatch.SERIAL: "serial",
    ScanMismatch.SERIAL_MISSING: "serial",
}


# --- returns (TR-08) --------------------------------------------------------------------------


def returnable(shipped: Decimal, returned: Iterable[Decimal]) -> Decimal:
    """What may still come back against one distribution record."""
    return max(shipped - sum(returned, Decimal(0)), Decimal(0))
