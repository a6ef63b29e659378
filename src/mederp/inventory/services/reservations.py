"""Reservations: stock promised to a document line (a sales allocation), so two orders never
allocate the same units. Available = on hand − reserved, for released, unexpired, unheld stock
in storage. Primitives: the calling use case (sales allocation) authorises itself."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import transaction

from mederp.core import audit, clock, outbox
from mederp.core.actors import Actor
from mederp.core.errors import NotFound
from mederp.inventory import events, rules
from mederp.inventory.errors import InsufficientStock, ReservationExceeded, StockNotAvailable
from mederp.inventory.locks import lock_balances, lock_reservation
from mederp.inventory.models import SALEABLE_KINDS, Location, Lot, Reservation, Serial
from mederp.inventory.services.moves import (
    ProductModel,
    _get,
    _identify,
    _Line,
    _status_of,
    active_holds,
)


def reservation_payload(r: Reservation) -> dict[str, Any]:
    return {
        "id": r.pk,
        "product_id": r.product_id,
        "lot_id": r.lot_id,
        "serial_id": r.serial_id,
        "location_id": r.location_id,
        "quantity": r.quantity,
        "document_type": r.document_type,
        "document_id": r.document_id,
        "document_line": r.document_line,
    }


def reserve(
    actor: Actor,
    *,
    product: Any,
    quantity: Any,
    location: Location | int,
    lot: Lot | int | None = None,
    serial: Serial | int | None = None,
    document_type: str,
    document_id: str | int,
    document_line: str | int = "",
) -> Reservation:
    """Reserve available stock at one balance for a document line; refused with
    ``inventory.stock_not_available`` (not released, expired, held, not in storage) or
    ``inventory.insufficient_stock`` (less free than asked) — under the balance's row lock, so
    concurrent reservations can never promise the same units twice."""
    qty = rules.parse_quantity(quantity)
    with transaction.atomic():
        line = _Line(
            product=_get(ProductModel, product, "Product"),
            lot=_get(Lot, lot, "Lot"),
            serial=_get(Serial, serial, "Serial"),
            quantity=qty,
            source=_get(Location, location, "Location"),
            target=_get(Location, location, "Location"),
        )
        line.lot = _identify(line.product, line.lot, line.serial, qty)
        key = line.key(line.source)
        balance = lock_balances([key], expiry_date=line.expiry_date)[key]
        item = f"lot {line.lot.number}" if line.lot else "stock"
        why = _unavailable(line)
        if why is not None:
            raise StockNotAvailable(
                item=item, product=line.product.code, location=line.source.code, why=why
            )
        free = balance.quantity - balance.reserved
        if free < qty:
            raise InsufficientStock(
                product=line.product.code,
                lot=line.lot.number if line.lot else "—",
                location=line.source.code,
                available=str(rules.normal(free)),
                requested=str(qty),
            )
        balance.reserved += qty
        balance.version += 1
        type(balance).objects.filter(pk=balance.pk).update(
            reserved=balance.reserved, version=balance.version
        )
        reservation = Reservation(
            product=line.product,
            lot=line.lot,
            serial=line.serial,
            location=line.source,
            quantity=qty,
            document_type=document_type[:40],
            document_id=str(document_id)[:64],
            document_line=str(document_line)[:64],
            created_at=clock.now(),
        )
        reservation.save(force_insert=True)
        _record(actor, reservation, events.STOCK_RESERVED, {"quantity": [None, qty]})
    return reservation


def _unavailable(line: _Line) -> str | None:
    if line.source.kind not in SALEABLE_KINDS:
        return f"{line.source.kind} location"
    status = _status_of(line.lot, line.serial)
    if status != "released":
        return status
    expiry = line.expiry_date
    if expiry is not None and expiry < clock.today():
        return f"expired on {expiry.isoformat()}"
    hold = active_holds(
        line.product.pk,
        line.lot.pk if line.lot else None,
        line.serial.pk if line.serial else None,
        line.source.pk,
    ).exists()
    return "on hold" if hold else None


def release_reservation(
    actor: Actor, reservation_id: int, *, quantity: Any = None, reason: str = ""
) -> Reservation:
    """Give back all (default) or part of what a reservation still holds (an order cancelled
    or changed)."""
    with transaction.atomic():
        # Balance first, then the reservation: the order post_move takes them in (locks.py).
        related = Reservation.objects.select_related("product", "lot", "serial", "location")
        found = related.filter(pk=reservation_id).first()
        if found is None:
            raise NotFound(record_type="Reservation", record_id=reservation_id)
        key = _Line(
            product=found.product,
            lot=found.lot,
            serial=found.serial,
            quantity=found.quantity,
            source=found.location,
            target=found.location,
        ).key(found.location)
        balance = lock_balances([key])[key]
        reservation = lock_reservation(reservation_id)
        qty = reservation.quantity if quantity is None else rules.parse_quantity(quantity)
        if qty > reservation.quantity or qty <= 0:
            raise ReservationExceeded(
                reservation=reservation.pk,
                remaining=str(reservation.quantity),
                requested=str(qty),
            )
        balance.reserved -= qty
        balance.version += 1
        type(balance).objects.filter(pk=balance.pk).update(
            reserved=balance.reserved, version=balance.version
        )
        before = reservation.quantity
        reservation.quantity -= qty
        reservation.version += 1
        reservation.save(update_fields=["quantity", "version"])
        _record(
            actor,
            reservation,
            events.RESERVATION_RELEASED,
            {"quantity": [before, reservation.quantity]},
            reason=reason,
        )
    return reservation


def _record(
    actor: Actor,
    reservation: Reservation,
    event: str,
    changes: dict[str, list[Any]],
    *,
    reason: str = "",
) -> None:
    audit.record(
        actor,
        action=audit.CREATE if event == events.STOCK_RESERVED else audit.UPDATE,
        instance=reservation,
        changes={k: [_plain(v) for v in pair] for k, pair in changes.items()},
        reason=reason,
        require_reason=False,
    )
    outbox.emit(
        actor,
        event,
        aggregate_type="inventory.reservation",
        aggregate_id=reservation.pk,
        payload=reservation_payload(reservation),
    )


def _plain(value: Any) -> Any:
    return str(value) if isinstance(value, Decimal) else value
