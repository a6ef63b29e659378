"""Procurement decisions that need no database (STYLE rule 1): prices, quantities still open,
the acceptance result, the order's state after a receipt, which licence blocks a purchase."""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from mederp.partners import rules as partner_rules

PRICE_MAX_PLACES = 4
CURRENCY_LENGTH = 3


def document_number(prefix: str, year: int, sequence: int) -> str:
    """``PO-2026-00042``: prefix, business year, a counter per prefix and year."""
    return f"{prefix}-{year}-{sequence:05d}"


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


# --- the supplier's licence for a product category (CN-01, CN-04) ------------------------------


class LicenceProblem(enum.StrEnum):
    MISSING = "missing"  # no licence or filing at all
    SCOPE = "scope"  # licences in force, none covering the category
    EXPIRED = "expired"  # the covering licence lapsed
    NOT_YET_VALID = "not_yet_valid"  # the covering licence starts later


@dataclass(frozen=True)
class LicenceVerdict:
    problem: LicenceProblem
    # The document that blocks (the covering licence that lapsed or starts later), if any.
    document: Any = None


def licence_verdict(
    documents: Sequence[partner_rules.Document], category_code: str, on_date: dt.date
) -> LicenceVerdict | None:
    """Why the supplier may not supply a product of ``category_code`` on ``on_date``, naming
    the blocking document where there is one; ``None`` when a licence in force covers it.

    Only the licences and filings the regulator issues for devices count
    (``partners.rules.LICENCE_KINDS``), as in ``partners.rules.scope_covers``, which decides
    the same question without naming anything.
    """
    licences = [d for d in documents if d.kind in partner_rules.LICENCE_KINDS]
    if partner_rules.scope_covers(licences, category_code, on_date):
        return None
    covering = [
        d
        for d in licences
        if any(partner_rules.scope_code_covers(code, category_code) for code in d.scope)
    ]
    if covering:
        later = [d for d in covering if d.valid_from is not None and d.valid_from > on_date]
        if later and len(later) == len(covering):
            return LicenceVerdict(LicenceProblem.NOT_YET_VALID, min(later, key=_starts))
        lapsed = [d for d in covering if d not in later]
        return LicenceVerdict(LicenceProblem.EXPIRED, max(lapsed, key=_ends))
    if licences:
        return LicenceVerdict(LicenceProblem.SCOPE)
    return LicenceVerdict(LicenceProblem.MISSING)


def _starts(doc: partner_rules.Document) -> dt.date:
    return doc.valid_from or dt.date.min


def _ends(doc: partner_rules.Document) -> dt.date:
    return doc.valid_until or dt.date.max


def lapsed_business_licence(documents: Sequence[partner_rules.Document], on_date: dt.date) -> Any:
    """The business licence (营业执照) on file that lapsed, when none is in force; else
    ``None``. A supplier without one on file is judged by its device licences alone."""
    held = [d for d in documents if d.kind == partner_rules.BUSINESS_LICENCE]
    if not held or any(partner_rules.is_in_force(d, on_date) for d in held):
        return None
    return max(held, key=_ends)
