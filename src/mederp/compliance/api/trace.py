"""Traceability under /api/v1/compliance/trace (TR-01, TR-02, RC-04): forward to consignees,
backward to suppliers. Reads only.

Permissions (:data:`mederp.compliance.trace.PERMISSIONS`): each direction asks for the
permission of the records it discloses, forward ``sales.view_distributionrecord`` (customers,
addresses, contacts), backward ``procurement.view_receipt`` (suppliers, inspectors).
"""

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Query, Schema
from pydantic import Field

from mederp.compliance.api.common import router
from mederp.compliance.trace import PERMISSIONS, roots_for, trace_backward, trace_forward
from mederp.core.apiperms import require_perm
from mederp.core.schemas import ERRORS


class TraceQuery(Schema):
    lot: str = Field(max_length=500, description="A lot number, a serial number or a GS1/HIBC scan")
    product: str = Field(
        default="", max_length=32, description="Product code, when several products share it"
    )


class TraceItemOut(Schema):
    kind: str = Field(description='"lot" or "serial"')
    id: int
    product_id: int
    product_code: str
    product_name: str
    product_name_en: str
    gtin: str
    lot_id: int | None
    lot_number: str
    serial_number: str
    expiry_date: dt.date | None
    status: str
    expired: bool
    depth: int = Field(description="Work orders between this node and the roots")


class TraceEdgeOut(Schema):
    consumed: tuple[str, int]
    produced: tuple[str, int]
    work_order_id: int
    work_order_number: str
    quantity: str


class TraceWorkOrderOut(Schema):
    id: int
    number: str
    product_code: str
    state: str


class TraceRecordOut(Schema):
    record_id: int
    node: tuple[str, int]
    customer_id: int
    customer_code: str
    customer_name: str
    customer_address: str
    customer_contact: str
    product_code: str
    product_name: str
    gtin: str
    lot_number: str
    serial_number: str
    expiry_date: dt.date | None
    quantity: str
    returned: str
    shipped_at: dt.datetime
    shipped_on: dt.date
    shipment_number: str
    order_number: str


class TraceReturnOut(Schema):
    id: int
    number: str
    record_id: int
    quantity: str
    received_at: dt.datetime
    location_code: str


class StockOut(Schema):
    node: tuple[str, int]
    product_code: str
    lot_number: str
    serial_number: str
    warehouse_code: str
    warehouse_name: str
    location_id: int
    location_code: str
    location_kind: str
    quantity: str
    reserved: str


class ConsigneeOut(Schema):
    customer_id: int
    customer_code: str
    customer_name: str
    customer_address: str
    customer_contact: str
    quantity: str
    returned: str
    records: int


class ForwardTotals(Schema):
    items: int
    records: int
    consignees: int
    shipped: str
    on_hand: str


class ForwardOut(Schema):
    direction: str
    roots: list[tuple[str, int]]
    items: list[TraceItemOut]
    edges: list[TraceEdgeOut]
    work_orders: list[TraceWorkOrderOut]
    records: list[TraceRecordOut]
    returns: list[TraceReturnOut]
    stock: list[StockOut]
    consignees: list[ConsigneeOut]
    totals: ForwardTotals


class TraceReceiptOut(Schema):
    line_id: int
    node: tuple[str, int]
    receipt_id: int
    receipt_number: str
    received_at: dt.datetime
    supplier_id: int
    supplier_code: str
    supplier_name: str
    order_number: str
    inspector: str
    result: str
    registration_number: str
    udi_di: str
    scan_sha256: str
    product_code: str
    lot_number: str
    serial_number: str
    quantity_received: str
    quantity_accepted: str
    quantity_rejected: str


class TraceSupplierOut(Schema):
    id: int
    code: str
    name: str


class BackwardTotals(Schema):
    items: int
    receipts: int
    suppliers: int


class BackwardOut(Schema):
    direction: str
    roots: list[tuple[str, int]]
    items: list[TraceItemOut]
    edges: list[TraceEdgeOut]
    work_orders: list[TraceWorkOrderOut]
    receipts: list[TraceReceiptOut]
    suppliers: list[TraceSupplierOut]
    totals: BackwardTotals


@router.get("/trace/forward", response={200: ForwardOut, **ERRORS})
@require_perm(PERMISSIONS["forward"])
def forward(request: HttpRequest, query: Query[TraceQuery]) -> Any:
    """Everything made from the lot, serial or scanned unit, at any depth, and everywhere it
    went: consignees with address and contact, quantities, ship dates, returns, and the stock
    still on hand. Refused: ``compliance.unknown_lot`` (404), ``compliance.ambiguous_lot``
    (422, name the ``product``), ``compliance.unknown_product`` (404), a malformed scan."""
    roots = roots_for(query.lot, product_code=query.product or None)
    return trace_forward(roots).as_dict()


@router.get("/trace/backward", response={200: BackwardOut, **ERRORS})
@require_perm(PERMISSIONS["backward"])
def backward(request: HttpRequest, query: Query[TraceQuery]) -> Any:
    """Everything that went into the lot, serial or scanned unit, at any depth: the work orders,
    and each component's receiving inspection with its supplier. Refused as ``forward``."""
    roots = roots_for(query.lot, product_code=query.product or None)
    return trace_backward(roots).as_dict()
