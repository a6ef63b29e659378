"""Inbound WMS events: what a warehouse management system reports, handed to the service a
warehouse clerk at the screen would use (invariant 1), stored once with its answer through
:func:`~mederp.integration.services.inbound.receive_once` (source ``wms``; invariant 5).

Three event types, each mapped onto an existing use case (the WMS never writes rows itself):

- ``stock_transferred``: a put-away or internal move between two of a warehouse's own
  locations, :func:`mederp.inventory.services.transfer` (the move's document id is the event
  id; the ledger's gates apply: quarantined stock cannot go into saleable storage ...);
- ``pick_confirmed``: units picked for a sales order, confirmed by the label's scan,
  :func:`mederp.sales.services.pick_by_scan` (the scan must be the allocated device, lot and
  serial; UDI-02, GSP 出库);
- ``count_reported``: a blind count of one location (ISO 13485 §7.5.11; 经营办法 第三十八条),
  :func:`mederp.inventory.services.open_count` then
  :func:`~mederp.inventory.services.record_counts`: the report is the whole location, so stock
  the books expect and the report does not list was not found (counted 0). The differences are
  booked only when a person approves the count by signature (ES-12), never by the WMS.

Out of order (docs/integration.md): a transfer or pick that overtakes the event it depends on
(the stock is not there yet, the order not allocated yet) is refused by the owning service,
writes nothing and may be sent again later under the same id; a count taken before the last
stock move at its location (by the WMS's ``occurred_at`` against the move's time) is refused,
``integration.count_outdated``: compared with today's books it would report false differences.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from django.db.models import Max, Q
from django.utils.translation import gettext as _

from mederp.catalog.models import Product
from mederp.core.actors import Actor
from mederp.core.errors import ValidationFailed
from mederp.core.services import authorize
from mederp.integration.errors import (
    CountOutdated,
    ScanOrItemRequired,
    UnknownLocation,
    UnknownLot,
    UnknownProduct,
    UnknownSalesOrder,
)
from mederp.integration.models import EventSource, InboundEventStatus
from mederp.integration.services.inbound import Received, receive_once
from mederp.inventory import services as inventory
from mederp.inventory.models import CycleCount, Location, Lot, Move, Serial
from mederp.inventory.rules import normal
from mederp.sales import services as sales
from mederp.sales.models import SalesOrder

WMS = EventSource.WMS
PERMISSION = "integration.post_wms_event"
STOCK_TRANSFERRED = "stock_transferred"
PICK_CONFIRMED = "pick_confirmed"
COUNT_REPORTED = "count_reported"
EVENT_TYPES = (STOCK_TRANSFERRED, PICK_CONFIRMED, COUNT_REPORTED)

Handler = Callable[[Actor, str, dt.datetime, Mapping[str, Any]], tuple[str, dict[str, Any]]]


def receive_wms_event(
    actor: Actor,
    *,
    event_id: str,
    event_type: str,
    occurred_at: dt.datetime,
    data: Mapping[str, Any],
    body: dict[str, Any],
) -> Received:
    """Handle one WMS event once; ``body`` is the whole event as JSON (hashed and stored),
    ``data`` its typed ``data`` part. Refusals raise the coded error of whoever refused
    (integration, inventory, sales, barcodes) and write nothing."""
    authorize(actor, PERMISSION)

    def effect() -> tuple[str, dict[str, Any]]:
        reference, records = HANDLERS[event_type](actor, event_id, occurred_at, data)
        return reference, {
            "event_id": event_id,
            "type": event_type,
            "status": InboundEventStatus.PROCESSED.value,
            "reference": reference,
            "move": None,
            "pick": None,
            "count": None,
            **records,
        }

    return receive_once(
        actor,
        source=WMS,
        event_id=event_id,
        event_type=event_type,
        occurred_at=occurred_at,
        body=body,
        effect=effect,
    )


# --- naming things the way a warehouse system does ------------------------------------------


def product_named(value: str, field: str) -> Product:
    """A product by GTIN-14 or by code."""
    text = (value or "").strip()
    found = (
        Product.objects.filter(gtin=text).first() or Product.objects.filter(code=text).first()
        if text
        else None
    )
    if found is None:
        raise UnknownProduct(product=text or "—", field=field)
    return found


def location_named(warehouse: str, code: str, field: str) -> Location:
    found = (
        Location.objects.select_related("warehouse")
        .filter(warehouse__code=warehouse.strip(), code=code.strip())
        .first()
    )
    if found is None:
        raise UnknownLocation(warehouse=warehouse, location=code, field=field)
    return found


def lot_and_serial(
    product: Product, lot_number: str, serial_number: str, field: str
) -> tuple[Lot | None, Serial | None]:
    """The product's lot and serial by number; a number the product does not have is refused
    (an event never creates a lot or serial: receipts and production do)."""
    lot = serial = None
    if lot_number.strip():
        lot = Lot.objects.filter(product=product, number=lot_number.strip()).first()
        if lot is None:
            raise UnknownLot(
                product=product.code, what="lot", number=lot_number, field=f"{field}.lot_number"
            )
    if serial_number.strip():
        serial = Serial.objects.filter(product=product, serial_number=serial_number.strip()).first()
        if serial is None:
            raise UnknownLot(
                product=product.code,
                what="serial",
                number=serial_number,
                field=f"{field}.serial_number",
            )
    return lot, serial


# --- the event types ---------------------------------------------------------------------------


def _stock_transferred(
    actor: Actor, event_id: str, occurred_at: dt.datetime, data: Mapping[str, Any]
) -> tuple[str, dict[str, Any]]:
    product = product_named(data["product"], "data.product")
    lot, serial = lot_and_serial(
        product, data.get("lot_number", ""), data.get("serial_number", ""), "data"
    )
    source = location_named(data["warehouse"], data["from_location"], "data.from_location")
    target = location_named(data["warehouse"], data["to_location"], "data.to_location")
    move = inventory.transfer(
        actor,
        product=product,
        quantity=data["quantity"],
        from_location=source,
        to_location=target,
        lot=lot,
        serial=serial,
        reason=data.get("reason", ""),
        document_id=event_id,
    )
    return f"MV-{move.pk}", {
        "move": {
            "id": move.pk,
            "product": product.code,
            "gtin": product.gtin,
            "lot_number": lot.number if lot is not None else None,
            "serial_number": serial.serial_number if serial is not None else None,
            "quantity": str(normal(move.quantity)),
            "from_location": source.code,
            "to_location": target.code,
        }
    }


def label_scan(data: Mapping[str, Any]) -> str:
    """The scan as read, or the GS1 parenthesised form of the GTIN, lot and serial sent."""
    scan = (data.get("scan") or "").strip()
    if scan:
        return scan
    gtin = (data.get("gtin") or "").strip()
    if not gtin:
        raise ScanOrItemRequired(field="data.scan")
    text = f"(01){gtin}"
    if (data.get("lot_number") or "").strip():
        text += f"(10){data['lot_number'].strip()}"
    if (data.get("serial_number") or "").strip():
        text += f"(21){data['serial_number'].strip()}"
    return text


def _pick_confirmed(
    actor: Actor, event_id: str, occurred_at: dt.datetime, data: Mapping[str, Any]
) -> tuple[str, dict[str, Any]]:
    number = (data.get("order") or "").strip()
    order = SalesOrder.objects.filter(number=number).first()
    if order is None:
        raise UnknownSalesOrder(order=number or "—", field="data.order")
    pick = sales.pick_by_scan(
        actor,
        order.pk,
        scan=label_scan(data),
        quantity=data.get("quantity", 1),
        allocation_id=data.get("allocation_id"),
    )
    order.refresh_from_db()
    return order.number, {
        "pick": {
            "id": pick.pk,
            "order": order.number,
            "order_id": order.pk,
            "order_status": order.status,
            "allocation_id": pick.allocation_id,
            "quantity": str(normal(pick.quantity)),
            "gtin": pick.gtin,
            "lot_number": pick.lot_number or None,
            "serial_number": pick.serial_number or None,
        }
    }


def check_count_current(location: Location, occurred_at: dt.datetime) -> None:
    """Refuse a count taken before the last stock move at its location."""
    moved_at = Move.objects.filter(Q(from_location=location) | Q(to_location=location)).aggregate(
        last=Max("occurred_at")
    )["last"]
    if moved_at is not None and moved_at > occurred_at:
        raise CountOutdated(
            location=f"{location.warehouse.code}/{location.code}",
            occurred_at=occurred_at.astimezone(dt.UTC).isoformat(),
            moved_at=moved_at.isoformat(),
            field="occurred_at",
        )


def _count_reported(
    actor: Actor, event_id: str, occurred_at: dt.datetime, data: Mapping[str, Any]
) -> tuple[str, dict[str, Any]]:
    location = location_named(data["warehouse"], data["location"], "data.location")
    check_count_current(location, occurred_at)
    reported: dict[tuple[int, int | None, int | None], Any] = {}
    for i, line in enumerate(data.get("lines", [])):
        field = f"data.lines.{i}"
        product = product_named(line["product"], f"{field}.product")
        lot, serial = lot_and_serial(
            product, line.get("lot_number", ""), line.get("serial_number", ""), field
        )
        key = (product.pk, lot.pk if lot else None, serial.pk if serial else None)
        if key in reported:
            raise ValidationFailed(fields={field: [_("This item is already listed in the count.")]})
        reported[key] = line["counted"]
    count = inventory.open_count(actor, location.pk)
    counts: dict[int, Any] = {}
    for line in count.lines.all():
        counts[line.pk] = reported.pop((line.product_id, line.lot_id, line.serial_id), 0)
    found = [
        {"product": p, "lot": lot, "serial": serial, "counted": counted}
        for (p, lot, serial), counted in reported.items()
    ]
    inventory.record_counts(actor, count.pk, counts=counts, found=found)
    return f"CC-{count.pk}", {"count": count_body(CycleCount.objects.get(pk=count.pk))}


def count_body(count: CycleCount) -> dict[str, Any]:
    location = count.location
    return {
        "id": count.pk,
        "warehouse": location.warehouse.code,
        "location": location.code,
        "status": count.status,
        "lines": [
            {
                "id": line.pk,
                "product": line.product.code,
                "lot_number": line.lot.number if line.lot is not None else None,
                "serial_number": line.serial.serial_number if line.serial is not None else None,
                "expected": str(normal(line.expected)),
                "counted": _text(line.counted),
                "difference": _text(line.difference),
            }
            for line in count.lines.select_related("product", "lot", "serial").order_by("id")
        ],
    }


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(normal(value))


HANDLERS: dict[str, Handler] = {
    STOCK_TRANSFERRED: _stock_transferred,
    PICK_CONFIRMED: _pick_confirmed,
    COUNT_REPORTED: _count_reported,
}
