"""Read queries the inventory API and pages share."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet

from mederp.core import clock
from mederp.core.models import AuditEntry
from mederp.core.selectors import with_change_items
from mederp.inventory.models import (
    SALEABLE_KINDS,
    Balance,
    Location,
    LocationKind,
    Lot,
    Move,
    Serial,
    StockHold,
    StockStatus,
    Warehouse,
    kind_names,
)


def warehouses() -> QuerySet[Warehouse]:
    return Warehouse.objects.annotate(location_count=Count("locations"))


def locations(*, warehouse_id: int | None = None, kind: str | None = None) -> QuerySet[Location]:
    qs = Location.objects.select_related("warehouse").order_by("warehouse__code", "code")
    if warehouse_id is not None:
        qs = qs.filter(warehouse_id=warehouse_id)
    if kind:
        qs = qs.filter(kind=kind)
    return qs


@dataclass
class KindGroup:
    kind: str
    name_zh: str
    name_en: str
    locations: list[Location] = field(default_factory=list)


def locations_by_kind(warehouse: Warehouse) -> list[KindGroup]:
    """The warehouse's locations grouped by kind, in the order kinds are declared."""
    groups = {k.value: KindGroup(k.value, *kind_names(k.value)) for k in LocationKind}
    for location in warehouse.locations.order_by("code"):
        group = groups.setdefault(
            location.kind, KindGroup(location.kind, *kind_names(location.kind))
        )
        group.locations.append(location)
    return [g for g in groups.values() if g.locations]


def warehouse_history(warehouse: Warehouse) -> list[AuditEntry]:
    """Audit entries of the warehouse and of every one of its locations, newest first (AT-02)."""
    location_ids = [str(pk) for pk in warehouse.locations.values_list("pk", flat=True)]
    entries = AuditEntry.objects.filter(
        Q(record_type="inventory.warehouse", record_id=str(warehouse.pk))
        | Q(record_type="inventory.location", record_id__in=location_ids)
    ).order_by("-id")
    return with_change_items(entries)


# --- stock (docs/ledger.md) -----------------------------------------------------------------------


@dataclass(frozen=True)
class AvailableStock:
    """One balance that may be allocated: what FEFO offers, in order."""

    balance_id: int
    product_id: int
    lot_id: int | None
    lot_number: str | None
    serial_id: int | None
    serial_number: str | None
    location_id: int
    location_code: str
    expiry_date: dt.date | None
    on_hand: Decimal
    reserved: Decimal

    @property
    def available(self) -> Decimal:
        return self.on_hand - self.reserved


def _held_keys(product_id: int) -> list[tuple[int | None, int | None, int | None]]:
    """(lot, serial, location) of the product's active holds; None is "all"."""
    return list(
        StockHold.objects.filter(product_id=product_id, released_at__isnull=True).values_list(
            "lot_id", "serial_id", "location_id"
        )
    )


def _is_held(
    holds: list[tuple[int | None, int | None, int | None]],
    lot_id: int | None,
    serial_id: int | None,
    location_id: int,
) -> bool:
    return any(
        (h_lot is None or h_lot == lot_id)
        and (h_serial is None or h_serial == serial_id)
        and (h_loc is None or h_loc == location_id)
        for h_lot, h_serial, h_loc in holds
    )


def _days_after(day: dt.date, days: int) -> dt.date:
    """``day`` + ``days``, or the last date there is when that is past it (a client may ask
    about 9999-12-31: nothing can expire later, and the sum must not fail with a 500)."""
    try:
        return day + dt.timedelta(days=days)
    except OverflowError:
        return dt.date.max


def available_lots_fefo(
    product: Any,
    *,
    on_date: dt.date | None = None,
    min_remaining_days: int = 0,
    location_ids: Iterable[int] | None = None,
) -> list[AvailableStock]:
    """The product's available stock, first expiry first out (TR-05, TR-06, TR-07): released
    lot and serial, not expired on ``on_date`` (default today) and expiring no sooner than
    ``min_remaining_days`` after it, no active hold, in released or cold storage, something left
    after reservations. Ordered by expiry (none last), lot number, serial number, location code.

    Reads the product's positive balances through the partial index (product, expiry_date):
    its cost follows the product's lots in stock, never the size of the ledger.
    """
    product_id = product if isinstance(product, int) else product.pk
    on = on_date or clock.today()
    qs = (
        Balance.objects.filter(
            product_id=product_id,
            quantity__gt=0,
            location__kind__in=list(SALEABLE_KINDS),
            location__is_active=True,
        )
        .filter(Q(lot__isnull=True) | Q(lot__status=StockStatus.RELEASED))
        .filter(Q(serial__isnull=True) | Q(serial__status=StockStatus.RELEASED))
        .filter(
            Q(expiry_date__isnull=True)
            | Q(expiry_date__gte=_days_after(on, max(0, min_remaining_days)))
        )
        .select_related("lot", "serial", "location")
    )
    if location_ids is not None:
        qs = qs.filter(location_id__in=list(location_ids))
    holds = _held_keys(product_id)
    rows = []
    for b in qs:
        if b.quantity - b.reserved <= 0:
            continue
        if holds and _is_held(holds, b.lot_id, b.serial_id, b.location_id):
            continue
        rows.append(
            AvailableStock(
                balance_id=b.pk,
                product_id=b.product_id,
                lot_id=b.lot_id,
                lot_number=b.lot.number if b.lot is not None else None,
                serial_id=b.serial_id,
                serial_number=b.serial.serial_number if b.serial is not None else None,
                location_id=b.location_id,
                location_code=b.location.code,
                expiry_date=b.expiry_date,
                on_hand=b.quantity,
                reserved=b.reserved,
            )
        )
    rows.sort(
        key=lambda r: (
            r.expiry_date is None,
            r.expiry_date or dt.date.max,
            r.lot_number or "",
            r.serial_number or "",
            r.location_code,
        )
    )
    return rows


def available_quantity(
    product: Any,
    *,
    lot: Any = None,
    serial: Any = None,
    location_ids: Iterable[int] | None = None,
    on_date: dt.date | None = None,
    min_remaining_days: int = 0,
) -> Decimal:
    """How much of the product (of one lot or serial, if given) may be allocated now."""
    lot_id = lot.pk if hasattr(lot, "pk") else lot
    serial_id = serial.pk if hasattr(serial, "pk") else serial
    total = Decimal(0)
    for row in available_lots_fefo(
        product, on_date=on_date, min_remaining_days=min_remaining_days, location_ids=location_ids
    ):
        if lot_id is not None and row.lot_id != lot_id:
            continue
        if serial_id is not None and row.serial_id != serial_id:
            continue
        total += row.available
    return total


def balance_of(product: Any, *, location: Any, lot: Any = None, serial: Any = None) -> Decimal:
    """Quantity on hand of one key (0 when it has no balance row)."""
    found = (
        Balance.objects.filter(
            product_id=_pk(product),
            lot_key=_pk(lot) or 0,
            serial_key=_pk(serial) or 0,
            location_id=_pk(location),
        )
        .values_list("quantity", flat=True)
        .first()
    )
    return found if found is not None else Decimal(0)


def _pk(value: Any) -> Any:
    return value.pk if hasattr(value, "pk") else value


def stock_on_hand(product: Any = None, *, location: Any = None) -> QuerySet[Balance]:
    """Positive balances (of one product and/or location), with lot, serial and location."""
    qs = Balance.objects.filter(quantity__gt=0).select_related(
        "product", "lot", "serial", "location", "location__warehouse"
    )
    if product is not None:
        qs = qs.filter(product_id=_pk(product))
    if location is not None:
        qs = qs.filter(location_id=_pk(location))
    return qs.order_by("product__code", "expiry_date", "lot__number", "location__code")


def effective_status(item: Lot | Serial, on_date: dt.date | None = None) -> str:
    """The stored status, or ``expired`` once the expiry date has passed (computed, TR-05)."""
    on = on_date or clock.today()
    if item.expiry_date is not None and item.expiry_date < on:
        return EXPIRED
    return item.status


#: The computed status of stock past its expiry date; never stored.
EXPIRED = "expired"


def moves_of(
    *,
    lot: Any = None,
    serial: Any = None,
    document: tuple[str, str] | None = None,
    product: Any = None,
) -> QuerySet[Move]:
    """Moves of a lot, serial, product or document, oldest first."""
    qs = Move.objects.select_related("from_location", "to_location", "lot", "serial", "product")
    if lot is not None:
        qs = qs.filter(lot_id=_pk(lot))
    if serial is not None:
        qs = qs.filter(serial_id=_pk(serial))
    if product is not None:
        qs = qs.filter(product_id=_pk(product))
    if document is not None:
        qs = qs.filter(document_type=document[0], document_id=str(document[1]))
    return qs.order_by("id")


def active_holds_for(product: Any = None) -> QuerySet[StockHold]:
    qs = StockHold.objects.filter(released_at__isnull=True)
    if product is not None:
        qs = qs.filter(product_id=_pk(product))
    return qs.select_related("product", "lot", "serial", "location")


#: catalog.Product through the foreign key (inventory does not import catalog).
ProductModel: Any = Lot._meta.get_field("product").related_model


def find_product(text: str) -> Any:
    """The product with this code or GTIN (a 13-digit GTIN is read as its GTIN-14), or None."""
    text = (text or "").strip()
    if not text:
        return None
    gtin = text.zfill(14) if text.isdigit() and len(text) in (8, 12, 13, 14) else None
    qs = ProductModel.objects.all()
    found = qs.filter(code=text.upper()).first() or qs.filter(code=text).first()
    if found is None and gtin is not None:
        found = qs.filter(gtin=gtin).first()
    return found


def near_expiry_rows(on_date: dt.date | None = None) -> list[Any]:
    from mederp.inventory.services.expiry import report

    return report(on_date=on_date)
