"""Material issue: released component stock moved from the shelves to the work order's
production location, where it is consumed (ISO 13485 §7.5.1, §7.5.8; 21 CFR 820.184;
生产质量管理规范 第五十六条; invariant 6).

The component is named, or read from its label's scan (GS1 or HIBC through
:func:`mederp.catalog.barcodes.parse_scan`, the raw scan kept beside the issue: DI-02). It must
be in the work order's BOM version (``production.not_in_bom``). Stock is taken by FEFO over the
available lots (split over lots when one is not enough), or exactly the scanned or named lot or
serial.

The availability gate is inventory's: each portion is first reserved for the work order
(:func:`mederp.inventory.services.reserve`, which refuses under the balance's row lock stock in
quarantine, on hold, recalled, rejected or expired with ``inventory.stock_not_available``
naming the lot) and the move to production consumes that reservation. No second copy of the
gate lives here.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from mederp.catalog import barcodes
from mederp.catalog.models import BomComponent, Product, Tracking
from mederp.core.actors import Actor
from mederp.core.errors import NotFound
from mederp.core.services import authorize
from mederp.inventory import selectors as inventory_selectors
from mederp.inventory import services as inventory
from mederp.inventory.errors import InsufficientStock, SerialQuantity
from mederp.inventory.models import Location, Lot, Serial
from mederp.inventory.rules import parse_quantity
from mederp.production import events, rules
from mederp.production.errors import (
    ComponentRequired,
    DeviceUnknown,
    LotNotScanned,
    LotUnknown,
    NotEnoughStock,
    NotInBom,
    ScanMismatch,
    ScanWithoutIdentifier,
    WholeUnitsRequired,
    WrongComponent,
)
from mederp.production.locks import lock_work_order
from mederp.production.models import MaterialIssue, Source, WorkOrder
from mederp.production.services.common import (
    DOCUMENT_TYPE,
    audit_created,
    check_source,
    emit,
    get_product,
    get_record,
    qty,
    require_open,
    shop_floor,
    shop_floor_payload,
    start_if_released,
)
from mederp.production.services.edges import edge_payload, link_outputs_to_issue

FEFO, SCAN, MANUAL = "fefo", "scan", "manual"


@dataclass
class _Wanted:
    """What the operator asked for, once identified."""

    component: BomComponent
    product: Product
    lot: Lot | None
    serial: Serial | None
    method: str
    scan_raw: str = ""


def read_scan(raw: str) -> barcodes.ScanResult:
    """A label's scan, or its coded refusal (``barcodes.*``; no device identifier)."""
    result = barcodes.parse_scan(raw)
    for problem in result.problems:
        problem.details.setdefault("field", "scan")
    result.raise_for_problems()
    if result.di is None:
        raise ScanWithoutIdentifier(field="scan")
    return result


def scanned_product(result: barcodes.ScanResult) -> Product:
    """The catalog product a scan names: by GTIN, or by its HIBC identifier (UDI-06)."""
    if result.gtin is not None:
        found = Product.objects.filter(gtin=result.gtin).first()
    else:
        found = Product.objects.filter(hibc_di=result.di).exclude(hibc_di="").first()
    if found is None:
        raise DeviceUnknown(di=result.di, field="scan")
    return found


def bom_line(order: WorkOrder, product: Product, field: str) -> BomComponent:
    """The work order's BOM line for ``product``, or ``production.not_in_bom``."""
    found = (
        BomComponent.objects.filter(bom_id=order.bom_id, component=product)
        .select_related("component", "uom")
        .first()
    )
    if found is None:
        raise NotInBom(
            component=product.code,
            revision=order.bom.revision,
            product=order.product.code,
            work_order=order.number,
            field=field,
        )
    return found


def _identify(
    order: WorkOrder,
    *,
    component_id: int | None,
    lot_id: int | None,
    serial_id: int | None,
    scan: barcodes.ScanResult | None,
) -> _Wanted:
    named = get_product(component_id, "component_id") if component_id is not None else None
    lot: Lot | None = get_record(Lot, lot_id, "lot_id")
    serial: Serial | None = get_record(Serial, serial_id, "serial_id")
    scanned = scanned_product(scan) if scan is not None else None
    product = (
        scanned
        or named
        or (lot.product if lot is not None else None)
        or (serial.product if serial is not None else None)
    )
    if product is None:
        raise ComponentRequired(field="component_id")
    if named is not None and named.pk != product.pk:
        raise ScanMismatch(what=_("device"), scanned=product.code, entered=named.code, field="scan")
    for item, label, field in ((lot, "lot", "lot_id"), (serial, "serial", "serial_id")):
        if item is not None and item.product_id != product.pk:
            number = item.number if isinstance(item, Lot) else item.serial_number
            raise WrongComponent(
                item=f"{label} {number}",
                actual=item.product.code,
                component=product.code,
                field=field,
            )
    component = bom_line(order, product, "scan" if scanned is not None else "component_id")
    if scan is not None:
        lot, serial = _scanned_item(product, scan, lot, serial)
    method = SCAN if scan is not None else (MANUAL if lot or serial else FEFO)
    return _Wanted(component, product, lot, serial, method, scan.raw if scan else "")


def _label(tracking: Tracking) -> str:
    """The tracking's name in the request's language (lot, serial) for a message."""
    return str(tracking.label)


def _scanned_item(
    product: Product, scan: barcodes.ScanResult, lot: Lot | None, serial: Serial | None
) -> tuple[Lot | None, Serial | None]:
    """The lot or serial the label names (per the component's tracking), which must agree with
    one named beside the scan."""
    if product.tracking == Tracking.LOT:
        if not scan.lot:
            raise LotNotScanned(component=product.code, tracking=_label(Tracking.LOT), field="scan")
        found = Lot.objects.filter(product=product, number=scan.lot).first()
        if found is None:
            raise LotUnknown(
                component=product.code, what=_label(Tracking.LOT), number=scan.lot, field="scan"
            )
        if lot is not None and lot.pk != found.pk:
            raise ScanMismatch(
                what=_label(Tracking.LOT), scanned=scan.lot, entered=lot.number, field="scan"
            )
        return found, serial
    if product.tracking == Tracking.SERIAL:
        if not scan.serial:
            raise LotNotScanned(
                component=product.code, tracking=_label(Tracking.SERIAL), field="scan"
            )
        unit = Serial.objects.filter(product=product, serial_number=scan.serial).first()
        if unit is None:
            raise LotUnknown(
                component=product.code,
                what=_label(Tracking.SERIAL),
                number=scan.serial,
                field="scan",
            )
        if serial is not None and serial.pk != unit.pk:
            raise ScanMismatch(
                what=_label(Tracking.SERIAL),
                scanned=scan.serial,
                entered=serial.serial_number,
                field="scan",
            )
        return lot, unit
    return lot, serial


def _item_label(wanted: _Wanted) -> str:
    if wanted.serial is not None:
        return f" serial {wanted.serial.serial_number}"
    return f" lot {wanted.lot.number}" if wanted.lot is not None else ""


def _refuse_by_gate(
    actor: Actor, order: WorkOrder, wanted: _Wanted, location_id: int | None
) -> None:
    """The named lot or serial is on hand but not available: let inventory's gate say why
    (quarantine, on hold, recalled, expired...), naming the lot."""
    for balance in inventory_selectors.stock_on_hand(wanted.product, location=location_id):
        if wanted.lot is not None and balance.lot_id != wanted.lot.pk:
            continue
        if wanted.serial is not None and balance.serial_id != wanted.serial.pk:
            continue
        inventory.reserve(
            actor,
            product=wanted.product,
            quantity=balance.quantity,
            location=balance.location_id,
            lot=balance.lot_id,
            serial=balance.serial_id,
            document_type=DOCUMENT_TYPE,
            document_id=order.pk,
            document_line=wanted.component.line_no,
        )
        return


def _portions(
    actor: Actor, order: WorkOrder, wanted: _Wanted, quantity: Decimal, location_id: int | None
) -> list[rules.Take]:
    """Where the quantity comes from: FEFO over the available stock (of the named lot or
    serial, at the named location), split over lots when needed."""
    rows: list[Any] = inventory_selectors.available_lots_fefo(
        wanted.product, location_ids=[location_id] if location_id is not None else None
    )
    if wanted.lot is not None:
        rows = [r for r in rows if r.lot_id == wanted.lot.pk]
    if wanted.serial is not None:
        rows = [r for r in rows if r.serial_id == wanted.serial.pk]
    takes, available = rules.cover(rows, quantity)
    if available < quantity:
        if available == 0 and (wanted.lot is not None or wanted.serial is not None):
            _refuse_by_gate(actor, order, wanted, location_id)
        raise NotEnoughStock(
            component=wanted.product.code,
            item=_item_label(wanted),
            available=qty(available),
            requested=qty(quantity),
            work_order=order.number,
            field="quantity",
        )
    # Balances locked in key order (docs/ledger.md), whatever FEFO's order.
    return sorted(
        takes,
        key=lambda t: (
            getattr(t.row, "lot_id", None) or 0,
            getattr(t.row, "serial_id", None) or 0,
            getattr(t.row, "location_id", 0),
        ),
    )


#: How often an issue plans its portions again when a concurrent one took the stock first.
ATTEMPTS = 5


def _take(
    actor: Actor,
    order: WorkOrder,
    wanted: _Wanted,
    quantity: Decimal,
    location_id: int | None,
    source: str,
    event_id: str,
) -> list[MaterialIssue]:
    """Plan the portions by FEFO (read without locks), then reserve and move each under its
    balance's row lock. When a concurrent issue or allocation took the stock between the two
    (``inventory.insufficient_stock`` under the lock), undo this attempt (a savepoint) and plan
    again on what is left: a lot that ran short is topped up from the next one, and the refusal
    comes only when the stock really is not there."""
    for attempt in range(ATTEMPTS):
        portions = _portions(actor, order, wanted, quantity, location_id)
        try:
            with transaction.atomic():
                return [
                    _issue_one(actor, order, wanted, take, source, event_id) for take in portions
                ]
        except InsufficientStock:
            if attempt == ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")


def issue_payload(issue: MaterialIssue) -> dict[str, Any]:
    return {
        "id": issue.pk,
        "component_id": issue.product_id,
        "component_code": issue.product.code,
        "bom_line": issue.bom_component.line_no,
        "lot_id": issue.lot_id,
        "lot_number": issue.lot.number if issue.lot is not None else None,
        "serial_id": issue.serial_id,
        "serial_number": issue.serial.serial_number if issue.serial is not None else None,
        "quantity": qty(issue.quantity),
        "from_location_id": issue.from_location_id,
        "move_id": issue.move_id,
        "method": issue.method,
        "scan_raw": issue.scan_raw or None,
    }


def issue_material(
    actor: Actor,
    wo_id: int,
    *,
    component_id: int | None = None,
    quantity: Any,
    lot_id: int | None = None,
    serial_id: int | None = None,
    scan: str = "",
    from_location_id: int | None = None,
    source: str = Source.MANUAL,
    event_id: str = "",
) -> list[MaterialIssue]:
    """Issue ``quantity`` of a BOM component to a released or running work order; return the
    issues written (one per lot, serial or location the quantity came from).

    Refused, writing nothing: the component is not in the BOM version (``production.not_in_bom``);
    the named or scanned lot or serial is not available (inventory's gate:
    ``inventory.stock_not_available`` naming the lot and why); more than is available
    (``production.not_enough_stock``); the work order not released or already finished; a
    scan that cannot be read (``barcodes.*``) or names another device, lot or serial. An MES
    event already recorded (same ``event_id``) returns its issues again.

    Genealogy: in the same transaction, an edge from each issued lot or serial to every good
    output the work order already reported (TR-01).
    """
    authorize(actor, "production.issue_material")
    source, event_id = check_source(source, event_id)
    amount = parse_quantity(quantity)
    result = read_scan(scan) if (scan or "").strip() else None
    with transaction.atomic():
        order = lock_work_order(wo_id)
        if event_id:
            replay = list(MaterialIssue.objects.filter(work_order=order, event_id=event_id))
            if replay:
                return replay
        require_open(order)
        wanted = _identify(
            order, component_id=component_id, lot_id=lot_id, serial_id=serial_id, scan=result
        )
        if wanted.serial is not None and amount != 1:
            raise SerialQuantity(quantity=qty(amount), field="quantity")
        if wanted.product.tracking == Tracking.SERIAL and not rules.is_whole(amount):
            raise WholeUnitsRequired(
                product=wanted.product.code, quantity=qty(amount), field="quantity"
            )
        if (
            from_location_id is not None
            and not Location.objects.filter(pk=from_location_id).exists()
        ):
            raise NotFound(
                record_type="Location", record_id=from_location_id, field="from_location_id"
            )
        issues = _take(actor, order, wanted, amount, from_location_id, source, event_id)
        start_if_released(actor, order, reason="material issued")
        edges = [edge for issue in issues for edge in link_outputs_to_issue(actor, order, issue)]
        emit(
            actor,
            order,
            events.MATERIAL_ISSUED,
            {
                "work_order_id": order.pk,
                "work_order_number": order.number,
                "issues": [issue_payload(i) for i in issues],
                "edges": [edge_payload(e) for e in edges],
                **shop_floor_payload(issues[0]),
            },
        )
        return issues


def _issue_one(
    actor: Actor,
    order: WorkOrder,
    wanted: _Wanted,
    take: rules.Take,
    source: str,
    event_id: str,
) -> MaterialIssue:
    row: Any = take.row
    line = str(wanted.component.line_no)
    reservation = inventory.reserve(
        actor,
        product=wanted.product,
        quantity=take.quantity,
        location=row.location_id,
        lot=row.lot_id,
        serial=row.serial_id,
        document_type=DOCUMENT_TYPE,
        document_id=order.pk,
        document_line=line,
    )
    move = inventory.post_move(
        actor,
        product=wanted.product,
        quantity=take.quantity,
        from_location=row.location_id,
        to_location=order.production_location,
        lot=row.lot_id,
        serial=row.serial_id,
        document_type=DOCUMENT_TYPE,
        document_id=order.pk,
        document_line=line,
        reservation=reservation,
    )
    issue = MaterialIssue(
        **shop_floor(actor, order, source, event_id),
        bom_component=wanted.component,
        product=wanted.product,
        lot_id=move.lot_id,
        serial_id=move.serial_id,
        quantity=take.quantity,
        from_location_id=row.location_id,
        move=move,
        method=wanted.method,
        scan_raw=wanted.scan_raw,
    )
    issue.save(force_insert=True)
    audit_created(actor, issue)
    return issue
