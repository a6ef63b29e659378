"""Pure production decisions (no database): numbering, which states accept shop-floor
records, how FEFO rows cover a quantity, yield and expected consumption.

ISO 13485 §7.5.1 (production under controlled conditions), 21 CFR 820.184 (the device history
record shows the quantity made and the quantity released), TR-05..TR-07 (FEFO).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from mederp.production.models import WorkOrderState

#: States in which the shop floor may issue, report output, scrap and record (released work
#: orders start at the first record).
OPEN_STATES = frozenset({WorkOrderState.RELEASED, WorkOrderState.IN_PROGRESS})
#: States after which nothing more may be recorded.
FINISHED_STATES = frozenset(
    {WorkOrderState.COMPLETED, WorkOrderState.CLOSED, WorkOrderState.CANCELLED}
)

WORK_ORDER_PREFIX = "WO"


def is_whole(quantity: Decimal) -> bool:
    return quantity == quantity.to_integral_value()


class Available(Protocol):
    """What FEFO reads of one available balance (``inventory.selectors.AvailableStock``)."""

    @property
    def available(self) -> Decimal: ...


@dataclass(frozen=True)
class Take:
    """``quantity`` taken from ``row``."""

    row: object
    quantity: Decimal


def cover(rows: Sequence[Available], quantity: Decimal) -> tuple[list[Take], Decimal]:
    """Take ``quantity`` from ``rows`` in their (FEFO) order, splitting over lots when one is not
    enough; return the takes and the total available (the takes cover ``quantity`` exactly
    when that total is at least ``quantity``)."""
    takes: list[Take] = []
    needed = quantity
    total = Decimal(0)
    for row in rows:
        total += row.available
        if needed <= 0:
            continue
        take = min(row.available, needed)
        if take > 0:
            takes.append(Take(row, take))
            needed -= take
    return takes, total


def yield_ratio(good: Decimal, scrap: Decimal) -> Decimal | None:
    """Good / (good + scrap), or None before anything was reported."""
    made = good + scrap
    if made <= 0:
        return None
    return good / made


def expected_consumption(quantity_per_unit: Decimal, good: Decimal) -> Decimal:
    """What the BOM says the good output should have consumed of one component."""
    return quantity_per_unit * good


def total(values: Iterable[Decimal]) -> Decimal:
    return sum(values, Decimal(0))
