"""Lots and serials: registration at receipt, receipt into quarantine, and status changes by QA
(TR-04, TR-05; UDI-PI AI 10, 11, 17, 21).

:func:`register_lot`, :func:`register_serial` and :func:`receive_into_quarantine` are primitives
for the receiving use cases (procurement receipts, sales returns), which authorise themselves.
The status changes (:func:`release_lot`, :func:`reject_lot`, :func:`hold_lot`,
:func:`recall_lot` and their serial twins) are use cases: they go through the workflow in
:mod:`mederp.inventory.quality`, signed where it says so.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.db import IntegrityError, transaction

from mederp.core import audit, clock, outbox, workflow
from mederp.core.actors import Actor
from mederp.core.errors import NotFound
from mederp.core.services import created
from mederp.inventory import events, quality, rules, sql
from mederp.inventory.errors import (
    ExpiryRequired,
    ExternalSourceRequired,
    LocationInactive,
    LotDatesConflict,
    LotDatesInvalid,
    LotExpired,
    LotNumberRequired,
    QuarantineRequired,
    SerialQuantity,
    TrackingMismatch,
    WrongProduct,
)
from mederp.inventory.locks import lock_balances_of, lock_lot, lock_serial
from mederp.inventory.models import Location, LocationKind, Lot, Move, Serial, StockStatus
from mederp.inventory.services.moves import ProductModel, _get, post_move

RECEIPT = "procurement.receipt"
RECEIVING_KINDS = frozenset({LocationKind.QUARANTINE, LocationKind.RETURNS})


def _dates(
    product: Any, manufacture_date: dt.date | None, expiry_date: dt.date | None, number: str
) -> dt.date | None:
    """The expiry: as given, else manufacture date + shelf life; checked for order and for
    being past already (a lot expired at receipt is refused)."""
    if expiry_date is None and product.shelf_life_days:
        if manufacture_date is None:
            raise ExpiryRequired(product=product.code, field="expiry_date")
        expiry_date = manufacture_date + dt.timedelta(days=product.shelf_life_days)
    if manufacture_date is not None and expiry_date is not None and manufacture_date > expiry_date:
        raise LotDatesInvalid(
            manufacture_date=manufacture_date.isoformat(),
            expiry_date=expiry_date.isoformat(),
            field="manufacture_date",
        )
    if expiry_date is not None and expiry_date < clock.today():
        raise LotExpired(
            lot=number,
            product=product.code,
            expiry_date=expiry_date.isoformat(),
            field="expiry_date",
        )
    return expiry_date


def _same_dates(
    stored: Lot | Serial, manufacture_date: dt.date | None, expiry_date: dt.date | None
) -> None:
    given_mfg = manufacture_date if manufacture_date is not None else stored.manufacture_date
    if given_mfg != stored.manufacture_date or expiry_date != stored.expiry_date:
        label = stored.number if isinstance(stored, Lot) else stored.serial_number
        raise LotDatesConflict(
            lot=label,
            product=stored.product.code,
            stored_manufacture=_iso(stored.manufacture_date),
            stored_expiry=_iso(stored.expiry_date),
            manufacture_date=_iso(manufacture_date),
            expiry_date=_iso(expiry_date),
        )


def _iso(value: dt.date | None) -> str:
    return value.isoformat() if value is not None else "—"


def _number(value: Any) -> str:
    text = value.strip() if isinstance(value, str) else ""
    if not text:
        raise LotNumberRequired(field="number")
    return text[:64]


def lot_payload(lot: Lot) -> dict[str, Any]:
    return {
        "id": lot.pk,
        "product_id": lot.product_id,
        "number": lot.number,
        "manufacture_date": lot.manufacture_date,
        "expiry_date": lot.expiry_date,
        "status": lot.status,
    }


def serial_payload(serial: Serial) -> dict[str, Any]:
    return {
        "id": serial.pk,
        "product_id": serial.product_id,
        "serial_number": serial.serial_number,
        "lot_id": serial.lot_id,
        "manufacture_date": serial.manufacture_date,
        "expiry_date": serial.expiry_date,
        "status": serial.status,
    }


def register_lot(
    actor: Actor,
    product: Any,
    number: str,
    *,
    manufacture_date: dt.date | None = None,
    expiry_date: dt.date | None = None,
) -> Lot:
    """The lot ``number`` of ``product``: the existing one when its dates agree (or none are
    given), else a new lot in quarantine with its expiry from the shelf life when not given.
    Refused: no number, an untracked product, dates out of order, a lot already expired
    (``inventory.lot_expired``), dates that contradict the registered lot."""
    product = _get(ProductModel, product, "Product")
    number = _number(number)
    if product.tracking == "none":
        raise TrackingMismatch(
            product=product.code, tracking=product.tracking, problem="it has no lots."
        )
    with sql.one_transaction():
        existing = Lot.objects.select_related("product").filter(product=product, number=number)
        if manufacture_date is None and expiry_date is None:
            found = existing.first()
            if found is not None:
                return found  # named by number only (a return): the registered lot, as it is
        expiry = _dates(product, manufacture_date, expiry_date, number)
        now = clock.now()
        # Insert-or-find in one statement: a concurrent receipt of the same lot cannot make
        # this fail, and the common case (a new lot) costs one round trip.
        row = sql.insert_returning_id(
            Lot,
            {
                "product_id": product.pk,
                "number": number,
                "manufacture_date": manufacture_date,
                "expiry_date": expiry,
                "status": StockStatus.QUARANTINE,
                "inspected_by_id": None,
                "created_at": now,
                "version": 1,
            },
            conflict=("product_id", "number"),
        )
        if row is not None:
            lot = Lot(
                pk=row[0],
                product=product,
                number=number,
                manufacture_date=manufacture_date,
                expiry_date=expiry,
                created_at=now,
            )
            lot._state.adding = False
            created(actor, lot, events.LOT_REGISTERED, lot_payload(lot))
            return lot
        found = existing.get()
        _same_dates(found, manufacture_date, expiry)
        return found


def register_serial(
    actor: Actor,
    product: Any,
    serial_number: str,
    *,
    lot: Lot | int | None = None,
    manufacture_date: dt.date | None = None,
    expiry_date: dt.date | None = None,
) -> Serial:
    """The unit ``serial_number`` of a serial-tracked product (its dates, or its lot's)."""
    product = _get(ProductModel, product, "Product")
    number = _number(serial_number)
    if product.tracking != "serial":
        raise TrackingMismatch(
            product=product.code, tracking=product.tracking, problem="it has no serial numbers."
        )
    lot_obj: Lot | None = _get(Lot, lot, "Lot")
    if lot_obj is not None:
        if lot_obj.product_id != product.pk:
            raise WrongProduct(
                item=f"lot {lot_obj.number}", actual=lot_obj.product_id, product=product.code
            )
        manufacture_date = manufacture_date or lot_obj.manufacture_date
        expiry_date = expiry_date or lot_obj.expiry_date
    with sql.one_transaction():
        existing = Serial.objects.select_related("product").filter(
            product=product, serial_number=number
        )
        found = existing.first()
        if found is not None and manufacture_date is None and expiry_date is None:
            return found
        expiry = _dates(product, manufacture_date, expiry_date, number)
        if found is None:
            serial = Serial(
                product=product,
                serial_number=number,
                lot=lot_obj,
                manufacture_date=manufacture_date,
                expiry_date=expiry,
                created_at=clock.now(),
            )
            try:
                with transaction.atomic():
                    serial.save(force_insert=True)
            except IntegrityError:
                found = existing.first()
                if found is None:
                    raise
            else:
                created(actor, serial, events.SERIAL_REGISTERED, serial_payload(serial))
                return serial
        _same_dates(found, manufacture_date, expiry)
        return found


def receive_into_quarantine(
    actor: Actor,
    *,
    product: Any,
    quantity: Any,
    from_location: Location | int,
    to_location: Location | int,
    lot_number: str | None = None,
    serial_number: str | None = None,
    manufacture_date: dt.date | None = None,
    expiry_date: dt.date | None = None,
    inspector: Any = None,
    document_type: str = RECEIPT,
    document_id: str | int,
    document_line: str | int = "",
) -> Move:
    """Receive goods: register the lot and/or serial (per the product's tracking), then move
    them from a supplier (or customer, for returns) location into a quarantine or returns
    location. ``inspector`` (a user) becomes the lot's or serial's inspector when it has none,
    so that QA release needs someone else. One transaction (the caller's, when there is one)."""
    product = _get(ProductModel, product, "Product")
    source = _get(Location, from_location, "Location")
    target = _get(Location, to_location, "Location")
    if target.kind not in RECEIVING_KINDS:
        raise QuarantineRequired(location=target.code, kind=target.kind, field="to_location")
    if not source.is_external:
        raise ExternalSourceRequired(location=source.code, field="from_location")
    # Refuse before registering anything: inside a caller's transaction nothing is undone
    # for us (no savepoint), so the checks post_move would make late are made here first.
    qty = rules.parse_quantity(quantity)
    problem = rules.tracking_problem(
        product.tracking, has_lot=bool(lot_number), has_serial=bool(serial_number)
    )
    if product.tracking == "serial" and serial_number:
        problem = None
    if problem is not None:
        raise TrackingMismatch(product=product.code, tracking=product.tracking, problem=problem)
    if serial_number and qty != 1:
        raise SerialQuantity(quantity=str(qty), field="quantity")
    if not target.is_active:
        raise LocationInactive(location=target.code)
    with sql.one_transaction():
        lot = serial = None
        if lot_number:
            lot = register_lot(
                actor,
                product,
                lot_number,
                manufacture_date=manufacture_date,
                expiry_date=expiry_date,
            )
        if serial_number:
            serial = register_serial(
                actor,
                product,
                serial_number,
                lot=lot,
                manufacture_date=manufacture_date,
                expiry_date=expiry_date,
            )
        if inspector is not None:
            for item in (lot, serial):
                if item is not None and item.inspected_by_id is None:
                    type(item).objects.filter(pk=item.pk, inspected_by__isnull=True).update(
                        inspected_by=inspector
                    )
                    item.inspected_by = inspector
        move = post_move(
            actor,
            product=product,
            quantity=qty,
            from_location=source,
            to_location=target,
            lot=lot,
            serial=serial,
            document_type=document_type,
            document_id=document_id,
            document_line=document_line,
        )
        # After post_move's refusals (no savepoint undoes a half-done receipt in the caller's
        # transaction): the goods are in, so the lot they joined waits for QA again.
        if document_type == RECEIPT:
            for item in (lot, serial):
                if item is not None and item.status == StockStatus.RELEASED:
                    _requarantine(actor, item, inspector, document_id)
        return move


def _requarantine(actor: Actor, item: Lot | Serial, inspector: Any, document_id: Any) -> None:
    """A new delivery of a lot already released puts the whole lot back into quarantine (GSP
    acceptance and QA release are per delivery): the new goods cannot reach a shelf on the
    strength of an earlier release, and QA releases the lot again, signed, by someone other
    than this delivery's inspector."""
    locked = lock_lot(item.pk) if isinstance(item, Lot) else lock_serial(item.pk)
    if locked.status != StockStatus.RELEASED:
        return
    fields = ["status", "inspected_by", "version"]
    type(locked).objects.filter(pk=locked.pk).update(
        status=StockStatus.QUARANTINE,
        inspected_by=inspector if inspector is not None else locked.inspected_by,
        version=locked.version + 1,
    )
    locked.refresh_from_db(fields=fields)
    item.status, item.inspected_by_id, item.version = (
        locked.status,
        locked.inspected_by_id,
        locked.version,
    )
    audit.record(
        actor,
        action="transition",
        instance=locked,
        changes={"status": [StockStatus.RELEASED.value, StockStatus.QUARANTINE.value]},
        reason=f"new delivery received ({RECEIPT} {document_id})",
    )
    outbox.emit(
        actor,
        events.LOT_REQUARANTINED,
        aggregate_type=audit.record_type_of(locked),
        aggregate_id=locked.pk,
        payload={"id": locked.pk, "product": locked.product_id, "receipt": str(document_id)},
    )


# --- status changes -----------------------------------------------------------------------------


def _loader(model: type[Lot] | type[Serial], pk: int) -> Callable[[], Any]:
    def load() -> Any:
        found = model.objects.select_related("product").filter(pk=pk).first()
        if found is None:
            raise NotFound(record_type=model.__name__, record_id=pk)
        return found

    return load


def _locker(model: type[Lot] | type[Serial], pk: int) -> Callable[[], Any]:
    def lock() -> Any:
        if model is Lot:
            lot = lock_lot(pk)
            lock_balances_of(lot_id=pk)
            return lot
        serial = lock_serial(pk)
        lock_balances_of(serial_id=pk)
        return serial

    return lock


def change_status(
    actor: Actor,
    model: type[Lot] | type[Serial],
    pk: int,
    name: str,
    *,
    reason: str = "",
    password: str | None = None,
    totp: str | None = None,
    session_key: str | None = None,
    around: Callable[[Callable[[], Any]], Any] | None = None,
) -> Any:
    """Apply a status transition (release, reject, hold, recall) to a lot or serial; release
    and reject are signed (``password``, and ``totp`` when the session needs it)."""
    credentials = (
        workflow.Credentials(password=password, totp=totp, session_key=session_key)
        if password is not None
        else None
    )
    return workflow.perform(
        actor,
        name,
        load=_loader(model, pk),
        lock=_locker(model, pk),
        reason=reason,
        credentials=credentials,
        around=around,
    )


def release_lot(
    actor: Actor,
    lot_id: int,
    *,
    password: str,
    totp: str | None = None,
    reason: str = "",
    session_key: str | None = None,
) -> Lot:
    """QA releases a quarantined (or held) lot by signature; not its inspector (TR-04)."""
    result: Lot = change_status(
        actor,
        Lot,
        lot_id,
        quality.RELEASE,
        reason=reason,
        password=password,
        totp=totp,
        session_key=session_key,
    )
    return result


def reject_lot(
    actor: Actor,
    lot_id: int,
    *,
    password: str,
    reason: str,
    totp: str | None = None,
    session_key: str | None = None,
) -> Lot:
    result: Lot = change_status(
        actor,
        Lot,
        lot_id,
        quality.REJECT,
        reason=reason,
        password=password,
        totp=totp,
        session_key=session_key,
    )
    return result


def hold_lot(actor: Actor, lot_id: int, *, reason: str) -> Lot:
    result: Lot = change_status(actor, Lot, lot_id, quality.HOLD_STOCK, reason=reason)
    return result


def recall_lot(actor: Actor, lot_id: int, *, reason: str) -> Lot:
    """Mark a lot recalled (issue 5's recall): its stock is blocked wherever it is."""
    result: Lot = change_status(actor, Lot, lot_id, quality.RECALL, reason=reason)
    return result


def release_serial(
    actor: Actor,
    serial_id: int,
    *,
    password: str,
    totp: str | None = None,
    reason: str = "",
    session_key: str | None = None,
) -> Serial:
    result: Serial = change_status(
        actor,
        Serial,
        serial_id,
        quality.RELEASE,
        reason=reason,
        password=password,
        totp=totp,
        session_key=session_key,
    )
    return result


def reject_serial(
    actor: Actor,
    serial_id: int,
    *,
    password: str,
    reason: str,
    totp: str | None = None,
    session_key: str | None = None,
) -> Serial:
    result: Serial = change_status(
        actor,
        Serial,
        serial_id,
        quality.REJECT,
        reason=reason,
        password=password,
        totp=totp,
        session_key=session_key,
    )
    return result


def hold_serial(actor: Actor, serial_id: int, *, reason: str) -> Serial:
    result: Serial = change_status(actor, Serial, serial_id, quality.HOLD_STOCK, reason=reason)
    return result


def recall_serial(actor: Actor, serial_id: int, *, reason: str) -> Serial:
    result: Serial = change_status(actor, Serial, serial_id, quality.RECALL, reason=reason)
    return result
