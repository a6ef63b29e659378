"""Posting stock moves: the one way stock changes (invariant 4; TR-04, TR-09).

:func:`post_move` is the primitive every document (receipt, shipment, transfer, count, reversal)
goes through. It runs in the caller's transaction when there is one (without a savepoint: it
refuses before it writes) and writes, together: the move, both balances, the audit entry and the
``inventory.move.posted`` event. It does not check permissions: the use case that calls it
(a receipt, a shipment, :func:`transfer`) authorises its own operation.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q

from mederp.core import audit, canonical, clock, outbox
from mederp.core.actors import Actor
from mederp.core.errors import NotFound, ReasonRequired
from mederp.core.services import authorize
from mederp.inventory import events, rules, sql
from mederp.inventory.errors import (
    AlreadyReversed,
    InsufficientStock,
    LocationInactive,
    LocationUnsuitable,
    ReservationExceeded,
    ReversalNotReversible,
    SameLocation,
    SerialInStock,
    SerialNotHere,
    SerialQuantity,
    StockNotAvailable,
    StockNotReleased,
    TrackingMismatch,
    TransferExternal,
    WrongProduct,
)
from mederp.inventory.locks import BalanceKey, lock_balances, lock_move, lock_reservation
from mederp.inventory.models import (
    SALEABLE_KINDS,
    Balance,
    Location,
    LocationKind,
    Lot,
    Move,
    Reservation,
    Serial,
    StockHold,
    StockStatus,
)

#: catalog.Product, reached through the foreign key: inventory does not import catalog (the
#: business apps are independent layers; .importlinter).
ProductModel: Any = Move._meta.get_field("product").related_model

TRANSFER = "inventory.transfer"
REVERSAL = "inventory.reversal"
COUNT = "inventory.count"


def _get(model: Any, value: Any, name: str) -> Any:
    if value is None or isinstance(value, model):
        return value
    found = model.objects.filter(pk=value).first()
    if found is None:
        raise NotFound(record_type=name, record_id=value)
    return found


def _label(lot: Lot | None, serial: Serial | None) -> str:
    if serial is not None:
        return f"serial {serial.serial_number}"
    if lot is not None:
        return f"lot {lot.number}"
    return "stock"


@dataclass
class _Line:
    product: Any  # catalog.Product
    lot: Lot | None
    serial: Serial | None
    quantity: Decimal
    source: Location
    target: Location

    def key(self, location: Location) -> BalanceKey:
        return BalanceKey(
            self.product.pk,
            self.lot.pk if self.lot else 0,
            self.serial.pk if self.serial else 0,
            location.pk,
        )

    @property
    def expiry_date(self) -> dt.date | None:
        if self.serial is not None and self.serial.expiry_date is not None:
            return self.serial.expiry_date
        return self.lot.expiry_date if self.lot is not None else None


def _identify(
    product: Any, lot: Lot | None, serial: Serial | None, quantity: Decimal
) -> Lot | None:
    """Check the lot/serial against the product's tracking; return the move's lot (a serial's
    own lot when the caller named only the serial)."""
    if lot is not None and lot.product_id != product.pk:
        raise WrongProduct(item=f"lot {lot.number}", actual=lot.product_id, product=product.code)
    if serial is not None:
        if serial.product_id != product.pk:
            raise WrongProduct(
                item=f"serial {serial.serial_number}",
                actual=serial.product_id,
                product=product.code,
            )
        if lot is None and serial.lot_id is not None:
            lot = serial.lot
        elif lot is not None and serial.lot_id not in (None, lot.pk):
            raise TrackingMismatch(
                product=product.code,
                tracking=product.tracking,
                problem=f"serial {serial.serial_number} is not of lot {lot.number}.",
            )
    problem = rules.tracking_problem(
        product.tracking, has_lot=lot is not None, has_serial=serial is not None
    )
    if product.tracking == "serial" and serial is not None:
        problem = None
    if problem is not None:
        raise TrackingMismatch(product=product.code, tracking=product.tracking, problem=problem)
    if serial is not None and quantity != 1:
        raise SerialQuantity(quantity=str(quantity), field="quantity")
    return lot


def _status_of(lot: Lot | None, serial: Serial | None) -> str:
    """The current stored status (not expiry): a serial's own, else worst of lot; read fresh,
    after the balance locks (see locks.py)."""
    statuses = []
    if serial is not None:
        statuses.append(Serial.objects.filter(pk=serial.pk).values_list("status", flat=True)[0])
    if lot is not None:
        statuses.append(Lot.objects.filter(pk=lot.pk).values_list("status", flat=True)[0])
    not_released = [s for s in statuses if s != StockStatus.RELEASED]
    return not_released[0] if not_released else StockStatus.RELEASED


def active_holds(
    product_id: int, lot_id: int | None, serial_id: int | None, location_id: int | None
) -> Any:
    """Unreleased holds covering this stock (a hold's empty lot/serial/location covers all)."""
    qs = StockHold.objects.filter(product_id=product_id, released_at__isnull=True)
    qs = qs.filter(Q(lot__isnull=True) | Q(lot_id=lot_id))
    qs = qs.filter(Q(serial__isnull=True) | Q(serial_id=serial_id))
    if location_id is not None:
        qs = qs.filter(Q(location__isnull=True) | Q(location_id=location_id))
    return qs


def _check_destination(line: _Line, actor: Actor, reason: str) -> None:
    """TR-04 and TR-09: what may go into released storage or out to a customer."""
    target, source = line.target, line.source
    item = _label(line.lot, line.serial)
    if target.kind in SALEABLE_KINDS or target.kind == LocationKind.CUSTOMER:
        status = _status_of(line.lot, line.serial)
        if status != StockStatus.RELEASED:
            raise StockNotReleased(
                item=item,
                product=line.product.code,
                status=StockStatus(status).label,
                location=target.code,
            )
    if target.kind in SALEABLE_KINDS:
        product = line.product
        if not rules.suits_storage(
            product_min=product.storage_min_c,
            product_max=product.storage_max_c,
            location_min=target.temp_min_c,
            location_max=target.temp_max_c,
        ):
            raise LocationUnsuitable(
                location=target.code,
                location_range=target.temperature_range or "—",
                product=product.code,
                product_range=rules.format_range(product.storage_min_c, product.storage_max_c),
            )
        if source.kind == LocationKind.RETURNS:
            # TR-08: returned goods stay segregated until a QA decision puts them back.
            authorize(actor, "inventory.release_lot")
            if not reason.strip():
                raise ReasonRequired()
    if target.kind == LocationKind.CUSTOMER or (
        target.kind in SALEABLE_KINDS and not source.is_external
    ):
        # Held stock stays where QA can find it: neither shipped nor moved to another shelf
        # from under a location's hold (it may go to quarantine or rejected goods).
        on = clock.today()
        expiry = line.expiry_date
        why = None
        if target.kind == LocationKind.CUSTOMER and expiry is not None and expiry < on:
            why = f"expired on {expiry.isoformat()}"
        elif active_holds(
            line.product.pk,
            line.lot.pk if line.lot else None,
            line.serial.pk if line.serial else None,
            source.pk,
        ).exists():
            why = "on hold"
        if why is not None:
            raise StockNotAvailable(
                item=item, product=line.product.code, location=source.code, why=why
            )


def _check_serial_place(line: _Line, balances: dict[BalanceKey, Balance]) -> None:
    """A serial is in one place at a time, in quantity 1."""
    serial = line.serial
    assert serial is not None
    if line.source.is_external:
        where = (
            Balance.objects.filter(serial_id=serial.pk, quantity__gt=0)
            .select_related("location")
            .first()
        )
        if where is not None:
            raise SerialInStock(
                serial=serial.serial_number, product=line.product.code, location=where.location.code
            )
    elif balances[line.key(line.source)].quantity != 1:
        raise SerialNotHere(
            serial=serial.serial_number, product=line.product.code, location=line.source.code
        )


def _check_reservation(
    reservation: Reservation | None, line: _Line, source: Balance | None
) -> Decimal:
    """How much of the source's reserved quantity the move may take: what its reservation
    (for exactly this stock) still holds, or nothing without one."""
    if reservation is None:
        return Decimal(0)
    key = (reservation.product_id, reservation.lot_id, reservation.serial_id)
    mine = (
        line.product.pk,
        line.lot.pk if line.lot else None,
        line.serial.pk if line.serial else None,
    )
    if key != mine or reservation.location_id != line.source.pk or source is None:
        raise ReservationExceeded(
            reservation=reservation.pk, remaining="0", requested=str(line.quantity)
        )
    if reservation.quantity < line.quantity:
        raise ReservationExceeded(
            reservation=reservation.pk,
            remaining=str(reservation.quantity),
            requested=str(line.quantity),
        )
    return line.quantity


def _check_enough(line: _Line, balances: dict[BalanceKey, Balance], from_reserved: Decimal) -> None:
    """Invariant 4: the source never goes negative, nor below what others have reserved."""
    if line.source.is_external:
        return
    src = balances[line.key(line.source)]
    free = src.quantity - src.reserved + from_reserved
    if free < line.quantity:
        raise InsufficientStock(
            product=line.product.code,
            lot=line.lot.number if line.lot else "—",
            serial=line.serial.serial_number if line.serial else None,
            location=line.source.code,
            available=str(rules.normal(free)),
            requested=str(line.quantity),
        )


def _apply(line: _Line, balances: dict[BalanceKey, Balance], from_reserved: Decimal) -> None:
    if not line.source.is_external:
        src = balances[line.key(line.source)]
        src.quantity -= line.quantity
        src.reserved -= from_reserved
        _save_balance(src)
    if not line.target.is_external:
        dst = balances[line.key(line.target)]
        dst.quantity += line.quantity
        _save_balance(dst)


def _save_balance(balance: Balance) -> None:
    balance.version += 1
    Balance.objects.filter(pk=balance.pk).update(
        quantity=balance.quantity, reserved=balance.reserved, version=balance.version
    )


def move_payload(move: Move, line: _Line) -> dict[str, Any]:
    return {
        "id": move.pk,
        "product_id": line.product.pk,
        "product_code": line.product.code,
        "gtin": line.product.gtin,
        "lot_id": move.lot_id,
        "lot_number": line.lot.number if line.lot else None,
        "serial_id": move.serial_id,
        "serial_number": line.serial.serial_number if line.serial else None,
        "expiry_date": line.expiry_date,
        "quantity": str(rules.normal(move.quantity)),
        "from_location_id": move.from_location_id,
        "from_kind": line.source.kind,
        "to_location_id": move.to_location_id,
        "to_kind": line.target.kind,
        "document_type": move.document_type,
        "document_id": move.document_id,
        "document_line": move.document_line,
        "reverses_id": move.reverses_id,
        "occurred_at": move.occurred_at,
    }


def post_move(
    actor: Actor,
    *,
    product: Any,
    quantity: Any,
    from_location: Location | int,
    to_location: Location | int,
    lot: Lot | int | None = None,
    serial: Serial | int | None = None,
    document_type: str,
    document_id: str | int,
    document_line: str | int = "",
    reservation: Reservation | int | None = None,
    reason: str = "",
    reverses: Move | None = None,
    check_status: bool = True,
) -> Move:
    """Post one move; see docs/ledger.md for every rule and refusal.

    ``reservation`` (a sales allocation) lets the move take stock reserved for it, consuming the
    reservation. ``check_status=False`` is for corrections that record what physically happened
    (reversals, count adjustments): they skip the status and putaway rules, never the quantity
    rules.
    """
    qty = rules.parse_quantity(quantity)
    with sql.one_transaction():
        line = _Line(
            product=_get(ProductModel, product, "Product"),
            lot=_get(Lot, lot, "Lot"),
            serial=_get(Serial, serial, "Serial"),
            quantity=qty,
            source=_get(Location, from_location, "Location"),
            target=_get(Location, to_location, "Location"),
        )
        line.lot = _identify(line.product, line.lot, line.serial, qty)
        if line.source.pk == line.target.pk:
            raise SameLocation(location=line.source.code)
        if check_status and not line.target.is_active:
            raise LocationInactive(location=line.target.code)
        if line.serial is not None and line.source.is_external:
            _check_serial_place(line, {})  # early, so the usual refusal creates no row
        keys = [line.key(loc) for loc in (line.source, line.target) if not loc.is_external]
        balances = lock_balances(keys, expiry_date=line.expiry_date)
        if check_status:
            _check_destination(line, actor, reason)
        if line.serial is not None:
            _check_serial_place(line, balances)
        held = None
        if reservation is not None:
            held = lock_reservation(
                reservation.pk if isinstance(reservation, Reservation) else reservation
            )
        source_balance = balances.get(line.key(line.source))
        from_reserved = _check_reservation(held, line, source_balance)
        _check_enough(line, balances, from_reserved)
        if held is not None:
            held.quantity -= qty
            held.version += 1
            held.save(update_fields=["quantity", "version"])
        if line.serial is not None:
            try:
                with transaction.atomic():
                    _apply(line, balances, from_reserved)
            except IntegrityError:
                # Another transaction put the same serial somewhere first (partial unique index).
                raise SerialInStock(
                    serial=line.serial.serial_number,
                    product=line.product.code,
                    location="?",
                ) from None
        else:
            _apply(line, balances, from_reserved)
        move = Move(
            product=line.product,
            lot=line.lot,
            serial=line.serial,
            quantity=qty,
            from_location=line.source,
            to_location=line.target,
            document_type=document_type[:40],
            document_id=str(document_id)[:64],
            document_line=str(document_line)[:64],
            reverses=reverses,
            reason=reason.strip(),
            occurred_at=clock.now(),
            actor_kind=actor.kind,
            actor_id=actor.id,
            actor_name=actor.name[:200],
            request_id=actor.request_id[:64],
        )
        move.save(force_insert=True)
        audit.record(
            actor,
            action=audit.CREATE,
            instance=move,
            changes=canonical.diff({}, canonical.snapshot(move)),
            reason=move.reason,
            require_reason=False,
        )
        outbox.emit(
            actor,
            events.MOVE_POSTED,
            aggregate_type="inventory.move",
            aggregate_id=move.pk,
            payload=move_payload(move, line),
        )
    return move


def transfer(
    actor: Actor,
    *,
    product: Any,
    quantity: Any,
    from_location: Location | int,
    to_location: Location | int,
    lot: Lot | int | None = None,
    serial: Serial | int | None = None,
    reason: str = "",
    document_id: str | None = None,
) -> Move:
    """Move stock between two of the warehouse's own locations (putaway, replenishment).

    Both ends must keep balances: goods enter by receipt and leave by shipment, not transfer.
    """
    authorize(actor, "inventory.add_move")
    with transaction.atomic():
        source = _get(Location, from_location, "Location")
        target = _get(Location, to_location, "Location")
        for loc in (source, target):
            if loc.is_external:
                raise TransferExternal(location=loc.code, kind=loc.kind)
        return post_move(
            actor,
            product=product,
            quantity=quantity,
            from_location=source,
            to_location=target,
            lot=lot,
            serial=serial,
            document_type=TRANSFER,
            document_id=document_id or uuid.uuid4().hex[:16],
            reason=reason,
        )


def reverse_move(actor: Actor, move_id: int, *, reason: str) -> Move:
    """Correct a move by its mirror image, citing it (invariant 4: never an edit).

    Refused: no reason; a move already reversed; a reversal (post a new move instead); and,
    like any move, one that would make a balance negative (the stock has moved on).
    """
    authorize(actor, "inventory.reverse_move")
    if not (reason or "").strip():
        raise ReasonRequired()
    with transaction.atomic():
        original = lock_move(move_id)
        if original.reverses_id is not None:
            raise ReversalNotReversible(move=original.pk)
        already = Move.objects.filter(reverses_id=original.pk).values_list("pk", flat=True).first()
        if already is not None:
            raise AlreadyReversed(move=original.pk, reversal=already)
        try:
            with transaction.atomic():
                return post_move(
                    actor,
                    product=original.product_id,
                    quantity=original.quantity,
                    from_location=original.to_location_id,
                    to_location=original.from_location_id,
                    lot=original.lot_id,
                    serial=original.serial_id,
                    document_type=REVERSAL,
                    document_id=str(original.pk),
                    document_line=original.document_line,
                    reason=reason,
                    reverses=original,
                    check_status=False,
                )
        except IntegrityError:
            raise AlreadyReversed(move=original.pk, reversal="?") from None
