"""Raising an NCR: what was found, the affected lots and serials, and their hold (QE-01;
ISO 13485 §8.3.1: nonconforming product is identified and kept from unintended use)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.db.models import Sum

from mederp.catalog.models import Product
from mederp.core import audit, clock, numbering, outbox
from mederp.core.actors import Actor
from mederp.core.errors import NotFound
from mederp.core.services import authorize
from mederp.inventory import services as inventory
from mederp.inventory.models import Balance, Lot, Serial, StockStatus
from mederp.inventory.rules import normal
from mederp.partners.models import Partner
from mederp.quality.nonconformance import errors, events
from mederp.quality.nonconformance.models import (
    Nonconformance,
    NonconformanceItem,
    Severity,
    Source,
)
from mederp.quality.nonconformance.services.common import items_payload, qty, user_of
from mederp.quality.nonconformance.signing import ADD_PERMISSION

PREFIX = "NC"
HOLDABLE = frozenset({StockStatus.QUARANTINE, StockStatus.RELEASED})
HOLD_PERMISSION = "inventory.hold_lot"


@dataclass(frozen=True)
class AffectedItem:
    """A lot or serial the NCR names, and how much of it. ``location_id`` pins the stock to one
    location; without it the quantity is taken from the item's stock on hand, largest
    balance first (one NCR item per location)."""

    lot_id: int | None
    serial_id: int | None
    quantity: Decimal
    location_id: int | None = None


@dataclass
class _Resolved:
    lot: Lot | None
    serial: Serial | None
    quantity: Decimal
    label: str
    split: list[tuple[int, Decimal]]  # (location_id, quantity)


def _quantity(value: Any, label: str) -> Decimal:
    if isinstance(value, float | bool):
        raise errors.ItemQuantityInvalid(item=label, quantity=str(value), field="quantity")
    try:
        q = Decimal(str(value).strip()) if not isinstance(value, Decimal) else value
    except (InvalidOperation, ValueError):
        raise errors.ItemQuantityInvalid(
            item=label, quantity=str(value), field="quantity"
        ) from None
    # Stored quantities carry six places ("40.000000"): judge the value, not its notation.
    if q.is_finite():
        q = normal(q)
    if not q.is_finite() or q <= 0 or q.as_tuple().exponent < -3:  # type: ignore[operator]
        raise errors.ItemQuantityInvalid(item=label, quantity=str(value), field="quantity")
    return q


def _resolve(product: Product, item: AffectedItem) -> _Resolved:
    if item.lot_id is None and item.serial_id is None:
        raise errors.ItemUnidentified(field="items")
    lot = serial = None
    if item.serial_id is not None:
        serial = Serial.objects.select_related("lot").filter(pk=item.serial_id).first()
        if serial is None:
            raise errors.ItemNotFound(kind="Serial", item_id=item.serial_id, field="items")
        label = f"serial {serial.serial_number}"
        if serial.product_id != product.pk or (
            item.lot_id is not None and serial.lot_id != item.lot_id
        ):
            raise errors.ItemWrongProduct(item=label, product=product.code, field="items")
        lot = serial.lot
    else:
        lot = Lot.objects.filter(pk=item.lot_id or 0).first()
        if lot is None:
            raise errors.ItemNotFound(kind="Lot", item_id=item.lot_id, field="items")
        label = f"lot {lot.number}"
        if lot.product_id != product.pk:
            raise errors.ItemWrongProduct(item=label, product=product.code, field="items")
        if product.tracking == "serial":
            raise errors.ItemUnidentified(field="items")
    quantity = _quantity(item.quantity, label)
    if serial is not None and quantity != 1:
        raise errors.ItemQuantityInvalid(item=label, quantity=str(item.quantity), field="quantity")
    return _Resolved(
        lot, serial, quantity, label, _split(product, lot, serial, quantity, item, label)
    )


def _split(
    product: Product,
    lot: Lot | None,
    serial: Serial | None,
    quantity: Decimal,
    item: AffectedItem,
    label: str,
) -> list[tuple[int, Decimal]]:
    """Where the named quantity is: balances only exist at internal locations, so this is
    the stock on hand (TR-04)."""
    stock = Balance.objects.filter(product_id=product.pk, quantity__gt=0)
    if serial is not None:
        stock = stock.filter(serial_id=serial.pk)
    elif lot is not None:
        stock = stock.filter(lot_id=lot.pk)
    if item.location_id is not None:
        stock = stock.filter(location_id=item.location_id)
    on_hand = stock.aggregate(s=Sum("quantity"))["s"] or Decimal(0)
    if quantity > on_hand:
        raise errors.ItemNotOnHand(
            item=label, on_hand=qty(on_hand), quantity=qty(quantity), field="items"
        )
    split: list[tuple[int, Decimal]] = []
    left = quantity
    for balance in stock.order_by("-quantity", "location_id"):
        take = min(balance.quantity, left)
        split.append((balance.location_id, take))
        left -= take
        if left <= 0:
            break
    return split


def _hold_actor(actor: Actor, number: str) -> Actor:
    """Raising an NCR authorises holding its stock (stopping stock is always allowed): QC and
    production may raise NCRs without holding stock by hand, so the hold is then made by the
    system on the NCR's behalf, in the raiser's request (the audit entry names both)."""
    if actor.has_perm(HOLD_PERMISSION):
        return actor
    return Actor(
        kind="system",
        id=None,
        name=f"nonconformance {number} ({actor.name})"[:200],
        request_id=actor.request_id,
        ip=actor.ip,
    )


def _hold(actor: Actor, r: _Resolved, number: str) -> tuple[str, str]:
    """Put the lot (or the serial) on hold; return its status before and the hold reference.
    Stock already on hold, rejected or recalled stays as it is."""
    reason = f"NCR {number}"
    if r.serial is not None:
        serial = Serial.objects.get(pk=r.serial.pk)
        before = serial.status
        if before in HOLDABLE:
            inventory.hold_serial(_hold_actor(actor, number), serial.pk, reason=reason)
            return before, f"inventory.serial {serial.pk} on_hold ({reason})"
        return before, f"already {before}"
    assert r.lot is not None
    lot = Lot.objects.get(pk=r.lot.pk)
    before = lot.status
    if before in HOLDABLE:
        inventory.hold_lot(_hold_actor(actor, number), lot.pk, reason=reason)
        return before, f"inventory.lot {lot.pk} on_hold ({reason})"
    return before, f"already {before}"


def open_ncr(
    actor: Actor,
    *,
    source: str,
    source_id: int | None,
    source_ref: str,
    product: Product | int | None,
    description: str,
    items: list[AffectedItem],
    supplier: Partner | int | None = None,
    severity: str = Severity.MAJOR,
    detected_at: Any = None,
) -> Nonconformance:
    """Raise an NCR (``NC-YYYY-NNNNN``) and hold the affected lots and serials (QE-01).

    Permission ``nonconformance.add_nonconformance``. Usable inside the caller's transaction
    (a nested atomic): an inspection's failed result opens its NCR with it. Refusals (coded,
    nothing written): unknown source or severity, no product, no description, an item without
    lot or serial, of another product, with a quantity not positive or above the stock on
    hand, or named twice. Event ``ncr.opened``."""
    authorize(actor, ADD_PERMISSION)
    if source not in Source.values:
        raise errors.UnknownSource(source=source, allowed=", ".join(Source.values), field="source")
    if severity not in Severity.values:
        raise errors.UnknownSeverity(
            severity=severity, allowed=", ".join(Severity.values), field="severity"
        )
    if product is None:
        raise errors.ProductRequired(field="product")
    if not isinstance(product, Product):
        found = Product.objects.filter(pk=product).first()
        if found is None:
            raise NotFound(record_type="Product", record_id=product, field="product")
        product = found
    if isinstance(supplier, int):
        partner = Partner.objects.filter(pk=supplier).first()
        if partner is None:
            raise NotFound(record_type="Partner", record_id=supplier, field="supplier")
        supplier = partner
    text = (description or "").strip()
    if not text:
        raise errors.DescriptionRequired(field="description")
    resolved: list[_Resolved] = []
    seen: set[tuple[int | None, int | None]] = set()
    for item in items:
        r = _resolve(product, item)
        key = (r.lot.pk if r.lot and r.serial is None else None, r.serial.pk if r.serial else None)
        if key in seen:
            raise errors.ItemDuplicate(item=r.label, field="items")
        seen.add(key)
        resolved.append(r)
    now = clock.now()
    with transaction.atomic():
        number = numbering.next_number(PREFIX)
        ncr = Nonconformance(
            number=number,
            source=source,
            source_id=source_id,
            source_ref=(source_ref or "")[:120],
            product=product,
            supplier=supplier,
            description=text,
            severity=severity,
            detected_at=detected_at or now,
            opened_at=now,
            opened_by=user_of(actor),
            opened_by_name=actor.name[:200],
        )
        ncr.save(force_insert=True)
        audit.record_create(actor, ncr)
        for r in resolved:
            before, reference = _hold(actor, r, number)
            for location_id, quantity in r.split:
                row = NonconformanceItem(
                    ncr=ncr,
                    lot=r.lot,
                    serial=r.serial,
                    quantity=quantity,
                    location_id=location_id,
                    status_before=before,
                    hold_reference=reference[:120],
                )
                row.save(force_insert=True)
                audit.record_create(actor, row)
        outbox.emit(
            actor,
            events.NCR_OPENED,
            aggregate_type="nonconformance.nonconformance",
            aggregate_id=ncr.pk,
            payload={
                "id": ncr.pk,
                "number": ncr.number,
                "source": ncr.source,
                "source_id": ncr.source_id,
                "source_ref": ncr.source_ref,
                "product_id": product.pk,
                "product_code": product.code,
                "supplier_id": ncr.supplier_id,
                "severity": ncr.severity,
                "description": ncr.description,
                "items": items_payload(ncr),
            },
        )
    return ncr
