"""Procurement decisions that need no database (STYLE rule 1): prices, quantities still open,
the acceptance result, the order's state after a receipt. Which licence blocks a purchase is
``partners.rules.licence_verdict``, shared with sales."""

from __future__ import annotations

import enum
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

PRICE_MAX_PLACES = 4
CURRENCY_LENGTH = 3


def parse_price(value: Any) -> Decimal | None:
    """A unit price: exact, not negative, at most four decimals; ``None`` when it is not one.
    Floats are refused, never converted."""
    if isinstance(value, bool | float):
        return None
    try:
        price = Decimal(value.strip()) if isinstance(value, str) else Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        return None
    if not price.is_finite() or price < 0 or price.adjusted() >= 13:
        return None
    exponent = price.normalize().as_tuple().exponent
    if isinstance(exponent, int) and -exponent > PRICE_MAX_PLACES:
        return None
    return price


def is_whole(quantity: Decimal) -> bool:
    return quantity == quantity.to_integral_value()


def open_quantity(ordered: Decimal, accepted: Decimal) -> Decimal:
    """What may still be received on a line: rejected goods went back, so they do not count."""
    return max(ordered - accepted, Decimal(0))


class Acceptance(enum.StrEnum):
    ACCEPTED = "accepted"
    PARTIAL = "partial"
    REJECTED = "rejected"


def acceptance_result(received: Decimal, accepted: Decimal) -> Acceptance:
    if accepted == received:
        return Acceptance.ACCEPTED
    if accepted == 0:
        return Acceptance.REJECTED
    return Acceptance.PARTIAL


def state_after_receipt(lines: Iterable[tuple[Decimal, Decimal]]) -> str | None:
    """The order's state once its lines hold these (ordered, accepted) quantities:
    ``received`` when every line is complete, ``partially_received`` when something was
    accepted, ``None`` when nothing was (only rejections: the order waits for replacements)."""
    pairs = list(lines)
    if pairs and all(accepted >= ordered for ordered, accepted in pairs):
        return "received"
    if any(accepted > 0 for _ordered, accepted in pairs):
        return "partially_received"
    return None
