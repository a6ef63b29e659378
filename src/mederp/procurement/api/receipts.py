"""Receipt endpoints: goods received and inspected against an approved order (进货查验记录,
CN-08), by form fields or by the label's scan (UDI-07), and a scan preview that writes
nothing."""

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Query, Schema
from pydantic import Field

from mederp.core.actors import Actor
from mederp.core.apiperms import require_perm
from mederp.core.errors import NotFound
from mederp.core.idempotency import run_idempotent
from mederp.core.schemas import ERRORS, Offset, StrictIn
from mederp.procurement import selectors, services
from mederp.procurement.api.common import Exact, decimal_text, router
from mederp.procurement.models import PurchaseOrderLine


class ReceiptLineIn(StrictIn):
    order_line: int = Field(description="The purchase order line received against")
    quantity: Exact = Field(description="Quantity received (accepted + rejected)")
    accepted: Exact | None = Field(default=None, description="Accepted; default: all received")
    lot_number: str = Field(default="", max_length=64)
    serial_number: str = Field(default="", max_length=64)
    manufacture_date: dt.date | None = None
    expiry_date: dt.date | None = None
    scan: str = Field(
        default="",
        max_length=2000,
        description="The label's raw scan: GS1 (group separator as ASCII 29, <GS>, {GS} or "
        "\\x1d; or the (01)...(10)... form), GS1 Digital Link or HIBC",
    )
    rejection_reason: str = Field(default="", max_length=2000)


class ReceiptIn(StrictIn):
    order_id: int
    location_id: int = Field(description="The quarantine location the goods go into")
    notes: str = Field(default="", max_length=4000)
    lines: list[ReceiptLineIn] = Field(min_length=1, max_length=500)


class ReceiptLineOut(Schema):
    line_no: int
    order_line_id: int
    product_id: int
    product_code: str
    product_name: str
    specification: str
    registration_number: str
    registrant: str
    manufacturer: str
    udi_di: str
    lot_number: str
    serial_number: str
    manufacture_date: dt.date | None
    expiry_date: dt.date | None
    quantity_received: str
    quantity_accepted: str
    quantity_rejected: str
    result: str
    rejection_reason: str
    raw_scan: str
    scan_sha256: str
    lot_id: int | None
    serial_id: int | None
    move_id: int | None


class ReceiptOut(Schema):
    id: int
    number: str
    order_id: int
    order_number: str
    supplier_id: int
    supplier_name: str
    supplier_address: str
    supplier_contact: str
    location_id: int
    location_code: str
    received_at: dt.datetime
    inspector_id: int | None
    inspector_name: str
    notes: str
    lines: list[ReceiptLineOut]


class ReceiptSummaryOut(Schema):
    id: int
    number: str
    order_id: int
    order_number: str
    supplier_name: str
    received_at: dt.datetime
    inspector_name: str


class ReceiptPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[ReceiptSummaryOut]


class ReceiptQuery(Schema):
    q: str = Field(default="", max_length=200, description="Number, order, supplier, lot, serial")
    order_id: int | None = None
    limit: int = Field(default=50, ge=1, le=500)
    offset: Offset = 0


class ScanQuery(Schema):
    code: str = Field(max_length=2000, description="The raw scan")
    order_line: int | None = Field(default=None, description="Check it against this line")


class ScanProblemOut(Schema):
    code: str
    message: str


class ScanOut(Schema):
    raw: str
    kind: str
    form: str
    symbology: str
    di: str | None
    gtin: str | None
    lot: str | None
    serial: str | None
    production_date: dt.date | None
    expiry_date: dt.date | None
    problems: list[ScanProblemOut]


def receipt_body(receipt_id: int) -> dict[str, Any]:
    receipt = selectors.receipt_with_lines(receipt_id)
    if receipt is None:
        raise NotFound(record_type="Receipt", record_id=receipt_id)
    return ReceiptOut(
        id=receipt.pk,
        number=receipt.number,
        order_id=receipt.order_id,
        order_number=receipt.order.number,
        supplier_id=receipt.supplier_id,
        supplier_name=receipt.supplier_name,
        supplier_address=receipt.supplier_address,
        supplier_contact=receipt.supplier_contact,
        location_id=receipt.location_id,
        location_code=receipt.location.code,
        received_at=receipt.received_at,
        inspector_id=receipt.inspector_id,
        inspector_name=receipt.inspector_name,
        notes=receipt.notes,
        lines=[
            ReceiptLineOut(
                line_no=r.line_no,
                order_line_id=r.order_line_id,
                product_id=r.product_id,
                product_code=r.product_code,
                product_name=r.product_name,
                specification=r.specification,
                registration_number=r.registration_number,
                registrant=r.registrant,
                manufacturer=r.manufacturer,
                udi_di=r.udi_di,
                lot_number=r.lot_number,
                serial_number=r.serial_number,
                manufacture_date=r.manufacture_date,
                expiry_date=r.expiry_date,
                quantity_received=decimal_text(r.quantity_received),
                quantity_accepted=decimal_text(r.quantity_accepted),
                quantity_rejected=decimal_text(r.quantity_rejected),
                result=r.result,
                rejection_reason=r.rejection_reason,
                raw_scan=r.raw_scan,
                scan_sha256=r.scan_sha256,
                lot_id=r.lot_id,
                serial_id=r.serial_id,
                move_id=r.move_id,
            )
            for r in receipt.lines.all()
        ],
    ).model_dump(mode="json")


@router.post("/receipts", response={201: ReceiptOut, **ERRORS})
@require_perm("procurement.add_receipt")
def create_receipt(request: HttpRequest, payload: ReceiptIn) -> Any:
    """Record goods received against an approved order and their acceptance (idempotent).

    Accepted quantities go into quarantine; the rest is rejected with a reason. Refused, with
    nothing written: an order not approved, a gate that fails now, an unknown GTIN or another
    product's GTIN, a malformed or doubtful scan, a lot already expired, a serial already in
    stock, more than the line has open, a quantity not above 0 or with more than 3 decimals."""

    def execute() -> tuple[int, Any]:
        receipt = services.receive(
            Actor.from_request(request),
            payload.order_id,
            [line.model_dump() for line in payload.lines],
            location=payload.location_id,
            notes=payload.notes,
        )
        return 201, receipt_body(receipt.pk)

    return run_idempotent(request, payload.model_dump(mode="json"), execute)


@router.get("/receipts", response={200: ReceiptPage, **ERRORS})
@require_perm("procurement.view_receipt")
def list_receipts(request: HttpRequest, filters: Query[ReceiptQuery]) -> Any:
    """Receipts by number, order, supplier, lot or serial; newest first."""
    qs = selectors.receipts_matching(filters.q, order_id=filters.order_id)
    page = qs[filters.offset : filters.offset + filters.limit]
    return {
        "count": qs.count(),
        "limit": filters.limit,
        "offset": filters.offset,
        "items": [
            {
                "id": r.pk,
                "number": r.number,
                "order_id": r.order_id,
                "order_number": r.order.number,
                "supplier_name": r.supplier_name,
                "received_at": r.received_at,
                "inspector_name": r.inspector_name,
            }
            for r in page
        ],
    }


@router.get("/receipts/{receipt_id}", response={200: ReceiptOut, **ERRORS})
@require_perm("procurement.view_receipt")
def get_receipt(request: HttpRequest, receipt_id: int) -> Any:
    """A receipt with every acceptance field (CN-08), the raw scans and the stock they made."""
    return receipt_body(receipt_id)


@router.get("/scan", response={200: ScanOut, **ERRORS})
@require_perm("procurement.view_purchaseorder")
def preview_scan(request: HttpRequest, query: Query[ScanQuery]) -> Any:
    """What a scan says (GTIN, lot, serial, dates) and every problem with it, checked against
    an order line when one is given. Writes nothing."""
    line = None
    if query.order_line is not None:
        line = (
            PurchaseOrderLine.objects.select_related("product").filter(pk=query.order_line).first()
        )
        if line is None:
            raise NotFound(record_type="PurchaseOrderLine", record_id=query.order_line)
    return selectors.scan_preview(query.code, line)
