"""Bill-of-materials decisions that need no database: exact quantities per unit, the effective
date a version takes, and the search for a cycle in the product structure.

Pure functions with their own fast tests (STYLE rule 1).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from decimal import Decimal, InvalidOperation

#: As stored (``BomComponent.quantity_per_unit``: 18 digits, 6 decimal places).
QUANTITY_PLACES = 6
QUANTITY_INTEGER_DIGITS = 12
QUANTITY_SCALE = Decimal(1).scaleb(-QUANTITY_PLACES)


def parse_quantity(value: object) -> Decimal | None:
    """An exact quantity per unit, or ``None`` when ``value`` is not one.

    Text, integers and Decimals are read exactly; floats and booleans are refused, never
    converted (0.1 is not exact). More than 6 decimals or 12 integer digits is refused rather
    than rounded. The sign is not judged here (the caller refuses zero and below)."""
    if isinstance(value, bool | float):
        return None
    if isinstance(value, int):
        quantity = Decimal(value)
    elif isinstance(value, Decimal):
        quantity = value
    elif isinstance(value, str):
        try:
            quantity = Decimal(value.strip())
        except InvalidOperation:
            return None
    else:
        return None
    if not quantity.is_finite():
        return None
    exponent = quantity.normalize().as_tuple().exponent
    if isinstance(exponent, int) and -exponent > QUANTITY_PLACES:
        return None
    if quantity != 0 and quantity.adjusted() >= QUANTITY_INTEGER_DIGITS:
        return None
    return quantity


def is_whole(quantity: Decimal) -> bool:
    return quantity == quantity.to_integral_value()


def quantity_text(quantity: Decimal) -> str:
    """``Decimal("2.500000")`` -> ``"2.5"``, ``Decimal("10.000000")`` -> ``"10"``: the signed
    content and the API show a quantity the same way whatever its stored scale."""
    if is_whole(quantity):
        return str(quantity.quantize(Decimal(1)))
    return format(quantity.normalize(), "f")


def effective_in_past(effective_from: dt.date, today: dt.date) -> bool:
    """A version may take effect today or later, never before (work orders already made
    cannot have followed it)."""
    return effective_from < today


def chosen_effective_from(
    given: dt.date | None, drafted: dt.date | None, today: dt.date
) -> dt.date:
    """The day an approval makes a version effective: the date the approver gives, else the
    one drafted on the version, else today."""
    return given or drafted or today


def next_revision(existing: Iterable[int]) -> int:
    return max(existing, default=0) + 1


def find_path(
    start: int, target: int, children: Callable[[set[int]], dict[int, set[int]]]
) -> list[int] | None:
    """The shortest chain ``start -> ... -> target`` through the product structure, or None.

    ``children(parents)`` answers, for a set of products, the components of each (one query
    per level). Breadth first, each product visited once, so any depth and any shape of
    structure ends."""
    if start == target:
        return [start]
    parent: dict[int, int] = {}
    seen = {start}
    frontier = {start}
    while frontier:
        found = children(frontier)
        nxt: set[int] = set()
        for node in sorted(found):
            for child in sorted(found[node]):
                if child in seen:
                    continue
                seen.add(child)
                parent[child] = node
                if child == target:
                    path = [child]
                    while path[-1] != start:
                        path.append(parent[path[-1]])
                    return list(reversed(path))
                nxt.add(child)
        frontier = nxt
    return None
