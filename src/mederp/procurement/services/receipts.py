"""Receiving and acceptance inspection (验收): the 进货查验记录 of 经营办法 第三十二条 (CN-08),
goods into quarantine (TR-04), UDI capture by scan (UDI-02..UDI-07, DI-02).

One receipt, one transaction: the order and its lines locked, the gates judged again
(invariant 6: a supplier whose licence lapsed since approval cannot deliver), every line
checked, the accepted quantity received into quarantine through
``inventory.services.receive_into_quarantine`` (the lot's inspector becomes the receiving
inspector, so QA's release needs someone else), the receipt and its lines written with the
acceptance fields copied from master data, the order's quantities and state updated, the audit
entries and the ``procurement.receipt.recorded`` event. A refusal writes nothing.

Rejected quantity is refused at the dock (拒收) and goes back to the supplier: it is recorded on
the receipt and on the order line, never booked into stock (no rejected-location move), and it
does not use up the order: the supplier may send replacements.

A line may carry the raw scan of the label: it is parsed (:mod:`mederp.catalog.barcodes`), its
GTIN must be the line's product, and what it says fills the lot, serial and dates, or must agree
with what was typed. The raw string is stored unaltered with its SHA-256 (DI-02).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Mapping
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from mederp.catalog.models import Product
from mederp.core import audit, canonical, clock, workflow
from mederp.core.actors import Actor
from mederp.core.errors import NotFound, field_errors
from mederp.core.services import authorize, created
from mederp.inventory import services as inventory
from mederp.inventory.errors import (
    LocationInactive,
    QuarantineRequired,
)
from mederp.inventory.models import Location, LocationKind
from mederp.inventory.rules import normal
from mederp.procurement import approval, events, gates, rules, signals
from mederp.procurement.errors import (
    InspectorRequired,
    LineNotOnOrder,
    NoSupplierLocation,
    OrderNotReceivable,
    ReceiptEmpty,
)
from mederp.procurement.locks import lock_order, lock_order_lines
from mederp.procurement.models import (
    OrderState,
    PurchaseOrder,
    PurchaseOrderLine,
    Receipt,
    ReceiptLine,
)
from mederp.procurement.services import acceptance

DOCUMENT_TYPE = "procurement.receipt"
RECEIVABLE = frozenset({OrderState.APPROVED, OrderState.PARTIALLY_RECEIVED})


# --- places -----------------------------------------------------------------------------------


def _location(value: Any) -> Location:
    pk = value.pk if isinstance(value, Location) else value
    found = (
        Location.objects.select_related("warehouse").filter(pk=pk).first()
        if isinstance(pk, int) and not isinstance(pk, bool)
        else None
    )
    if found is None:
        raise field_errors({"location": [_("There is no such location.")]})
    if found.kind != LocationKind.QUARANTINE:
        raise QuarantineRequired(location=found.code, kind=found.kind, field="location")
    if not found.is_active:
        raise LocationInactive(location=found.code, field="location")
    return found


def supplier_location(target: Location) -> Location:
    """Where received goods come from in the ledger: the warehouse's supplier location."""
    found = (
        Location.objects.filter(
            warehouse_id=target.warehouse_id, kind=LocationKind.SUPPLIER, is_active=True
        )
        .order_by("pk")
        .first()
    )
    if found is None:
        raise NoSupplierLocation(warehouse=str(target.warehouse), field="location")
    return found


def default_quarantine_location() -> Location | None:
    """The first active quarantine location: where :func:`record_receipt` receives when it is
    not told (one-warehouse installations, the benchmark)."""
    return (
        Location.objects.filter(kind=LocationKind.QUARANTINE, is_active=True).order_by("pk").first()
    )


# --- the use case -----------------------------------------------------------------------------


def _inspector(actor: Actor) -> Any:
    if actor.kind != "user" or actor.user is None:
        raise InspectorRequired(actor=actor.name)
    return actor.user


def _printed_name(user: Any) -> str:
    full = (user.get_full_name() or "").strip()
    return (f"{full} ({user.get_username()})" if full else user.get_username())[:200]


def receive(
    actor: Actor,
    order_id: int,
    lines: Iterable[acceptance.LineInput | Mapping[str, Any]],
    *,
    location: Any,
    notes: str = "",
) -> Receipt:
    """Record the receipt and acceptance inspection of goods against an approved order.

    ``lines`` name the order line and the quantity received; ``accepted`` (default: all) goes
    into quarantine at ``location`` (a quarantine location), the rest is rejected with a
    reason. Lot, serial and dates come from the form or from the label's ``scan``."""
    authorize(actor, "procurement.add_receipt")
    inspector = _inspector(actor)
    inputs = [acceptance.LineInput.of(item, i) for i, item in enumerate(lines)]
    if not inputs:
        raise ReceiptEmpty(field="lines")
    target = _location(location)
    source = supplier_location(target)
    with transaction.atomic():
        order = lock_order(order_id)
        if order.state not in RECEIVABLE:
            raise OrderNotReceivable(order=order.number, state=order.get_state_display())
        locked = {line.pk: line for line in lock_order_lines(order)}
        products = {
            p.pk: p
            for p in Product.objects.select_related("uom")
            .filter(pk__in={line.product_id for line in locked.values()})
            .prefetch_related("registrations")
        }
        for line in locked.values():
            line.product = products[line.product_id]
        wanted: list[tuple[acceptance.LineInput, PurchaseOrderLine]] = []
        for item in inputs:
            found = locked.get(item.order_line)
            if found is None:
                raise LineNotOnOrder(line=item.order_line, order=order.number, field="order_line")
            wanted.append((item, found))
        gates.check(order.supplier, [line.product for _item, line in wanted], order.market)
        today = gates.business_date()
        checked = [acceptance.check_line(item, line, today) for item, line in wanted]
        acceptance.check_open(order, checked)
        return _write(actor, order, inspector, target, source, checked, notes)


def _write(
    actor: Actor,
    order: PurchaseOrder,
    inspector: Any,
    target: Location,
    source: Location,
    checked: list[acceptance.Checked],
    notes: str,
) -> Receipt:
    supplier = order.supplier
    receipt = Receipt.objects.create(
        order=order,
        supplier=supplier,
        supplier_name=supplier.name,
        supplier_address=supplier.address,
        supplier_contact=" ".join(p for p in (supplier.contact, supplier.phone) if p)[:200],
        location=target,
        received_at=clock.now(),
        inspector=inspector,
        inspector_name=_printed_name(inspector),
        notes=(notes or "").strip(),
    )
    today = gates.business_date()
    written = []
    for line_no, item in enumerate(checked, start=1):
        written.append(_write_line(actor, receipt, line_no, item, source, target, inspector, today))
    created(
        actor, receipt, events.RECEIPT_RECORDED, receipt_payload(receipt, written), aggregate=order
    )
    for rline in written:
        audit.record_create(actor, rline)
        if rline.quantity_accepted > 0:
            signals.receipt_line_accepted.send(sender=ReceiptLine, actor=actor, line=rline)
    _advance(actor, order, receipt)
    return receipt


def _write_line(
    actor: Actor,
    receipt: Receipt,
    line_no: int,
    item: acceptance.Checked,
    source: Location,
    target: Location,
    inspector: Any,
    today: dt.date,
) -> ReceiptLine:
    line = item.order_line
    product = line.product
    move = None
    if item.accepted > 0:
        move = inventory.receive_into_quarantine(
            actor,
            product=product,
            quantity=item.accepted,
            from_location=source,
            to_location=target,
            lot_number=item.lot_number or None,
            serial_number=item.serial_number or None,
            manufacture_date=item.manufacture_date,
            expiry_date=item.expiry_date,
            inspector=inspector,
            document_type=DOCUMENT_TYPE,
            document_id=str(receipt.pk),
            document_line=str(line_no),
        )
    rline = ReceiptLine.objects.create(
        receipt=receipt,
        line_no=line_no,
        order_line=line,
        product=product,
        product_code=product.code,
        product_name=product.name_zh,
        specification=product.specification,
        registration_number=gates.registration_in_force(product, receipt.order.market, today),
        registrant=_registrant(product, receipt.order.market, today),
        manufacturer=product.manufacturer,
        udi_di=item.udi_di,
        lot_number=item.lot_number,
        serial_number=item.serial_number,
        manufacture_date=item.manufacture_date,
        expiry_date=item.expiry_date,
        quantity_received=item.received,
        quantity_accepted=item.accepted,
        quantity_rejected=item.rejected,
        result=rules.acceptance_result(item.received, item.accepted).value,
        rejection_reason=item.rejection_reason,
        raw_scan=item.raw_scan,
        scan_sha256=hashlib.sha256(item.raw_scan.encode()).hexdigest() if item.raw_scan else "",
        lot_id=move.lot_id if move is not None else None,
        serial_id=move.serial_id if move is not None else None,
        move=move,
    )
    before = canonical.snapshot(line)
    line.accepted_quantity += item.accepted
    line.rejected_quantity += item.rejected
    line.save(update_fields=["accepted_quantity", "rejected_quantity"])
    audit.record_update(actor, line, before, reason=f"receipt {receipt.number}")
    return rline


def _registrant(product: Product, market: str, today: dt.date) -> str:
    number = gates.registration_in_force(product, market, today)
    for reg in product.registrations.all():
        if reg.number == number and reg.jurisdiction == market:
            return reg.holder
    return ""


def _advance(actor: Actor, order: PurchaseOrder, receipt: Receipt) -> None:
    """The order's state follows what it has received (automatic workflow steps)."""
    lines = order.lines.values_list("quantity", "accepted_quantity")
    target = rules.state_after_receipt(lines)
    if target is None or target == order.state:
        return
    name = approval.RECEIVE_ALL if target == OrderState.RECEIVED else approval.RECEIVE_PART
    workflow.transition(actor, order, name, reason=f"receipt {receipt.number}")


def receipt_payload(receipt: Receipt, lines: Iterable[ReceiptLine]) -> dict[str, Any]:
    return {
        "id": receipt.pk,
        "number": receipt.number,
        "order_id": receipt.order_id,
        "order_number": receipt.order.number,
        "supplier_id": receipt.supplier_id,
        "location_id": receipt.location_id,
        "received_at": receipt.received_at,
        "inspector_id": receipt.inspector_id,
        "inspector_name": receipt.inspector_name,
        "lines": [
            {
                "line_no": r.line_no,
                "order_line_id": r.order_line_id,
                "product_id": r.product_id,
                "udi_di": r.udi_di,
                "lot_number": r.lot_number,
                "serial_number": r.serial_number,
                "manufacture_date": r.manufacture_date,
                "expiry_date": r.expiry_date,
                "quantity_received": format(normal(r.quantity_received), "f"),
                "quantity_accepted": format(normal(r.quantity_accepted), "f"),
                "quantity_rejected": format(normal(r.quantity_rejected), "f"),
                "result": r.result,
                "lot_id": r.lot_id,
                "serial_id": r.serial_id,
                "move_id": r.move_id,
            }
            for r in lines
        ],
    }


def record_receipt(
    actor: Actor,
    po_line_id: int,
    *,
    quantity: Any,
    lot: str | None = None,
    serial: str | None = None,
    manufacture_date: dt.date | None = None,
    expiry_date: dt.date | None = None,
    accepted: Any = None,
    scan: str = "",
    rejection_reason: str = "",
    location: Any = None,
    notes: str = "",
) -> Receipt:
    """One line received against one order line, in one transaction: the shape the ledger
    benchmark measures. ``location`` defaults to the first active quarantine location."""
    order_id = (
        PurchaseOrderLine.objects.filter(pk=po_line_id).values_list("order_id", flat=True).first()
    )
    if order_id is None:
        raise NotFound(record_type="PurchaseOrderLine", record_id=po_line_id)
    if location is None:
        location = default_quarantine_location()
        if location is None:
            raise field_errors({"location": [_("There is no active quarantine location.")]})
    item = acceptance.LineInput(
        order_line=po_line_id,
        quantity=quantity,
        accepted=accepted,
        lot_number=lot or "",
        serial_number=serial or "",
        manufacture_date=manufacture_date,
        expiry_date=expiry_date,
        scan=scan,
        rejection_reason=rejection_reason,
    )
    return receive(actor, order_id, [item], location=location, notes=notes)
