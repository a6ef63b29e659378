"""Proof that the balances equal the ledger (invariant 4): every balance is recomputed from the
moves (into the location minus out of it) and every reserved quantity from the open
reservations; each difference is named. ``mederp reconcile [--json]`` prints them."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Sum

from mederp.inventory import rules
from mederp.inventory.models import EXTERNAL_KINDS, Balance, Location, Move, Reservation

Key = tuple[int, int, int, int]  # product, lot_key, serial_key, location


@dataclass(frozen=True)
class Difference:
    product_id: int
    lot_id: int | None
    serial_id: int | None
    location_id: int
    field: str  # "quantity" or "reserved"
    ledger: Decimal
    balance: Decimal

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["ledger"] = str(rules.normal(self.ledger))
        data["balance"] = str(rules.normal(self.balance))
        return data


def _key(row: dict[str, Any], location_field: str) -> Key:
    return (row["product_id"], row["lot_id"] or 0, row["serial_id"] or 0, row[location_field])


def reconcile() -> list[Difference]:
    """Every (product, lot, serial, location) whose balance differs from its moves, or whose
    reserved quantity differs from its reservations. Empty when the books agree."""
    external = set(
        Location.objects.filter(kind__in=list(EXTERNAL_KINDS)).values_list("pk", flat=True)
    )
    ledger: dict[Key, Decimal] = defaultdict(Decimal)
    fields = ("product_id", "lot_id", "serial_id")
    for row in Move.objects.values(*fields, "to_location_id").annotate(q=Sum("quantity")):
        if row["to_location_id"] not in external:
            ledger[_key(row, "to_location_id")] += row["q"]
    for row in Move.objects.values(*fields, "from_location_id").annotate(q=Sum("quantity")):
        if row["from_location_id"] not in external:
            ledger[_key(row, "from_location_id")] -= row["q"]
    reserved: dict[Key, Decimal] = defaultdict(Decimal)
    for row in (
        Reservation.objects.filter(quantity__gt=0)
        .values(*fields, "location_id")
        .annotate(q=Sum("quantity"))
    ):
        reserved[_key(row, "location_id")] += row["q"]
    books: dict[Key, tuple[Decimal, Decimal]] = {}
    for b in Balance.objects.values_list(
        "product_id", "lot_key", "serial_key", "location_id", "quantity", "reserved"
    ):
        books[(b[0], b[1], b[2], b[3])] = (b[4], b[5])
    differences = []
    for key in sorted(set(ledger) | set(books) | set(reserved)):
        quantity, held = books.get(key, (Decimal(0), Decimal(0)))
        product, lot, serial, location = key
        common: dict[str, Any] = {
            "product_id": product,
            "lot_id": lot or None,
            "serial_id": serial or None,
            "location_id": location,
        }
        if ledger.get(key, Decimal(0)) != quantity:
            differences.append(
                Difference(
                    **common, field="quantity", ledger=ledger.get(key, Decimal(0)), balance=quantity
                )
            )
        if reserved.get(key, Decimal(0)) != held:
            differences.append(
                Difference(
                    **common, field="reserved", ledger=reserved.get(key, Decimal(0)), balance=held
                )
            )
    return differences
