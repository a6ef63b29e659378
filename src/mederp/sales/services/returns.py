"""Returns (退货; TR-08; GSP 销后退回): goods a customer sends back come into a returns or
quarantine location, never straight to saleable stock, and stay there until QA decides (moving
them on to storage needs ``inventory.release_lot`` and a reason: docs/ledger.md). The lot's or
serial's status is left as it is; the location keeps the goods apart.

A return cites the distribution record it comes back against: only what was shipped to that
customer can come back, at most the quantity shipped less what already came back. A scan, when
given, must be the shipped device, lot and serial.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import transaction

from mederp.catalog.barcodes import parse_scan
from mederp.core import clock, outbox
from mederp.core.actors import Actor
from mederp.core.errors import NotFound
from mederp.core.numbering import next_number
from mederp.core.services import authorize
from mederp.inventory import services as inventory
from mederp.inventory.models import Location, LocationKind, Move
from mederp.sales import errors, events, rules
from mederp.sales.locks import lock_record
from mederp.sales.models import SalesReturn
from mederp.sales.services.common import (
    RETURN_DOCUMENT,
    audit_created,
    qty,
    resolve_customer,
)

RETURN_KINDS = frozenset({LocationKind.RETURNS, LocationKind.QUARANTINE})


def return_payload(r: SalesReturn) -> dict[str, Any]:
    return {
        "id": r.pk,
        "number": r.number,
        "record_id": r.record_id,
        "shipment_id": r.shipment_id,
        "customer_id": r.customer_id,
        "product_id": r.product_id,
        "lot_id": r.lot_id,
        "serial_id": r.serial_id,
        "quantity": qty(r.quantity),
        "to_location_id": r.to_location_id,
        "move_id": r.move_id,
        "reason": r.reason,
        "received_at": r.received_at,
    }


@transaction.atomic
def receive_return(
    actor: Actor,
    *,
    record: int,
    quantity: Any,
    to_location: Location | int,
    reason: str,
    scan: str = "",
    customer: Any = None,
) -> SalesReturn:
    """Receive goods back against distribution record ``record`` into a returns or quarantine
    location. Refused: no reason, another customer than the record's, a scan of another
    device/lot/serial, more than still returnable, a location that is not returns/quarantine."""
    authorize(actor, "sales.add_salesreturn")
    amount = rules.parse_quantity(quantity)
    text = (reason or "").strip()
    if not text:
        raise errors.ReturnReasonRequired(field="reason")
    shipped = lock_record(record)
    item = (
        f"serial {shipped.serial_number}"
        if shipped.serial_number
        else (f"lot {shipped.lot_number}" if shipped.lot_number else "")
    )
    if customer is not None and resolve_customer(customer).pk != shipped.customer_id:
        raise errors.ReturnNotFromCustomer(
            product=shipped.product_code,
            item=item,
            customer=str(resolve_customer(customer)),
            shipment=shipped.shipment_number,
            field="customer",
        )
    raw = (scan or "").strip()
    if raw:
        _check_scan(raw, shipped)
    target = (
        to_location
        if isinstance(to_location, Location)
        else Location.objects.filter(pk=to_location).first()
    )
    if target is None:
        raise NotFound(record_type="Location", record_id=to_location, field="to_location")
    if target.kind not in RETURN_KINDS:
        raise errors.ReturnLocationInvalid(
            location=target.code, kind=target.kind, field="to_location"
        )
    left = rules.returnable(shipped.quantity, shipped.returns.values_list("quantity", flat=True))
    if amount > left:
        raise errors.ReturnExceedsShipped(
            returnable=qty(left),
            quantity=qty(amount),
            product=shipped.product_code,
            item=item,
            shipment=shipped.shipment_number,
            field="quantity",
        )
    source = Move.objects.select_related("to_location").get(pk=shipped.move_id).to_location
    number = next_number("RT")
    move = inventory.receive_into_quarantine(
        actor,
        product=shipped.product_id,
        quantity=amount,
        from_location=source,
        to_location=target,
        lot_number=shipped.lot_number if shipped.lot_number and not shipped.serial_number else None,
        serial_number=shipped.serial_number or None,
        document_type=RETURN_DOCUMENT,
        document_id=number,
        document_line=str(shipped.pk),
    )
    user = actor.user if actor.kind in ("user", "client") else None
    received = SalesReturn(
        number=number,
        record=shipped,
        shipment_id=shipped.shipment_id,
        customer_id=shipped.customer_id,
        product_id=shipped.product_id,
        lot_id=move.lot_id,
        serial_id=move.serial_id,
        quantity=amount,
        to_location=target,
        reason=text,
        scan_raw=raw,
        move=move,
        received_at=clock.now(),
        received_by=user,
        received_by_name=actor.name[:200],
    )
    received.save(force_insert=True)
    audit_created(actor, received)
    outbox.emit(
        actor,
        events.RETURN_RECEIVED,
        aggregate_type="sales.salesreturn",
        aggregate_id=received.pk,
        payload=return_payload(received),
    )
    return received


def _check_scan(raw: str, shipped: Any) -> None:
    result = parse_scan(raw)
    result.raise_for_problems()
    target = rules.PickTarget(
        key=shipped.pk,
        gtin=shipped.gtin,
        lot=shipped.lot_number or None,
        serial=shipped.serial_number or None,
        open_quantity=Decimal(shipped.quantity),
    )
    match = rules.match_pick(
        [target],
        gtin=result.gtin if result.gtin is not None else result.di,
        lot=result.lot,
        serial=result.serial,
        quantity=Decimal(0),
    )
    if match.mismatch is not None:
        raise errors.SCAN_MISMATCH[match.mismatch](
            scanned=match.scanned or "—",
            expected=match.expected or "—",
            product=shipped.product_code,
            raw=raw,
            field="scan",
        )
