"""Acceptance checks of one receipt line (验收; CN-08, UDI-07, TR-05): quantities received and
accepted, lot or serial as the product's tracking asks, dates (expiry from shelf life, nothing
expired, nothing made in the future), the label's scan, the reason for any rejection, and that
the receipt stays within what the order has open. Pure reads: they raise, they never write."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, fields
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from mederp.catalog.models import Product, Tracking
from mederp.core.errors import field_errors
from mederp.inventory.errors import (
    ExpiryRequired,
    LotDatesInvalid,
    SerialQuantity,
    TrackingMismatch,
)
from mederp.inventory.rules import normal, parse_quantity, tracking_problem
from mederp.procurement import rules, scanning
from mederp.procurement.errors import (
    AcceptedExceedsReceived,
    LotExpiredAtReceipt,
    ManufactureDateInFuture,
    OverReceipt,
    RejectionReasonRequired,
)
from mederp.procurement.models import PurchaseOrder, PurchaseOrderLine


@dataclass(frozen=True)
class LineInput:
    """One line as the inspector enters or scans it. ``accepted`` defaults to all received."""

    order_line: int
    quantity: Any
    accepted: Any = None
    lot_number: str = ""
    serial_number: str = ""
    manufacture_date: dt.date | None = None
    expiry_date: dt.date | None = None
    scan: str = ""
    rejection_reason: str = ""

    @classmethod
    def of(cls, value: LineInput | Mapping[str, Any], index: int) -> LineInput:
        if isinstance(value, LineInput):
            return value
        names = {f.name for f in fields(cls)}
        unknown = sorted(set(value) - names)
        if unknown:
            raise field_errors({f"lines.{index}.{k}": [_("Unknown field.")] for k in unknown})
        return cls(**value)


@dataclass(frozen=True)
class Checked:
    """A line after every check: what the receipt line and the stock move will say."""

    order_line: PurchaseOrderLine
    received: Decimal
    accepted: Decimal
    lot_number: str
    serial_number: str
    manufacture_date: dt.date | None
    expiry_date: dt.date | None
    raw_scan: str
    udi_di: str
    rejection_reason: str

    @property
    def rejected(self) -> Decimal:
        return self.received - self.accepted


def _is_zero(value: Any) -> bool:
    """Nothing accepted ("0", "0.0", 0): the one quantity a receipt line may take that a stock
    move may not."""
    if isinstance(value, bool | float) or not isinstance(value, str | int | Decimal):
        return False
    try:
        return Decimal(str(value).strip()) == 0
    except ArithmeticError:
        return False


def _accepted(value: Any, received: Decimal, field: str) -> Decimal:
    """The quantity accepted: all of it when not given, none, or a quantity up to received."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return received
    if _is_zero(value):
        return Decimal(0)
    accepted = parse_quantity(value, field)
    if accepted > received:
        raise AcceptedExceedsReceived(
            accepted=normal(accepted), received=normal(received), field=field
        )
    return accepted


def _expiry(
    product: Product, manufacture: dt.date | None, expiry: dt.date | None
) -> dt.date | None:
    """As given, else manufacture date + shelf life: the rule ``inventory.register_lot`` uses,
    computed here too because a fully rejected line never reaches the ledger."""
    if expiry is None and product.shelf_life_days:
        if manufacture is None:
            raise ExpiryRequired(product=product.code, field="expiry_date")
        expiry = manufacture + dt.timedelta(days=product.shelf_life_days)
    return expiry


def check_line(item: LineInput, line: PurchaseOrderLine, today: dt.date) -> Checked:
    product = line.product
    received = parse_quantity(item.quantity, "quantity")
    accepted = _accepted(item.accepted, received, "accepted")
    lot = (item.lot_number or "").strip()
    serial = (item.serial_number or "").strip()
    manufacture, expiry = item.manufacture_date, item.expiry_date
    raw = item.scan or ""
    udi_di = ""
    if raw.strip():
        scan = scanning.identify(raw, product, line.line_no)
        lot = scanning.merged(lot, scan.lot or "", "lot_number", _("lot"))
        serial = scanning.merged(serial, scan.serial or "", "serial_number", _("serial number"))
        manufacture = scanning.merged(
            manufacture, scan.production_date, "manufacture_date", _("manufacture date")
        )
        expiry = scanning.merged(expiry, scan.expiry_date, "expiry_date", _("expiry date"))
        udi_di = scan.gtin or ""
    problem = tracking_problem(product.tracking, has_lot=bool(lot), has_serial=bool(serial))
    if problem is not None:
        raise TrackingMismatch(
            product=product.code,
            tracking=product.get_tracking_display(),
            problem=problem,
            field="serial_number" if product.tracking == Tracking.SERIAL else "lot_number",
        )
    if product.tracking == Tracking.SERIAL and received != 1:
        raise SerialQuantity(quantity=normal(received), field="quantity")
    if manufacture is not None and manufacture > today:
        raise ManufactureDateInFuture(
            manufacture_date=manufacture.isoformat(),
            today=today.isoformat(),
            field="manufacture_date",
        )
    expiry = _expiry(product, manufacture, expiry)
    if manufacture is not None and expiry is not None and manufacture > expiry:
        raise LotDatesInvalid(
            manufacture_date=manufacture.isoformat(),
            expiry_date=expiry.isoformat(),
            field="manufacture_date",
        )
    if expiry is not None and expiry < today:
        raise LotExpiredAtReceipt(
            item=_("Serial {serial}").format(serial=serial)
            if serial
            else _("Lot {lot}").format(lot=lot or "—"),
            product=product.code,
            expiry_date=expiry.isoformat(),
            field="expiry_date",
        )
    rejected = received - accepted
    reason = (item.rejection_reason or "").strip()
    if rejected > 0 and not reason:
        raise RejectionReasonRequired(
            rejected=normal(rejected), product=product.code, field="rejection_reason"
        )
    return Checked(
        order_line=line,
        received=received,
        accepted=accepted,
        lot_number=lot,
        serial_number=serial,
        manufacture_date=manufacture,
        expiry_date=expiry,
        raw_scan=raw,
        udi_di=udi_di or product.gtin,
        rejection_reason=reason,
    )


def check_open(order: PurchaseOrder, checked: list[Checked]) -> None:
    """Over-receipt: the receipt's lines together stay within what each order line has open."""
    taken: dict[int, Decimal] = {}
    for item in checked:
        line = item.order_line
        already = taken.get(line.pk, Decimal(0))
        still_open = rules.open_quantity(line.quantity, line.accepted_quantity) - already
        if item.received > still_open:
            raise OverReceipt(
                line=line.line_no,
                order=order.number,
                product=line.product.code,
                open=normal(max(still_open, Decimal(0))),
                quantity=normal(item.received),
                field="quantity",
            )
        taken[line.pk] = already + item.accepted
