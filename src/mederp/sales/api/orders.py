"""Sales order endpoints: create, list, read; the body of an order as every endpoint returns it."""

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Query, Schema
from pydantic import Field

from mederp.core.actors import Actor
from mederp.core.apiperms import require_perm
from mederp.core.idempotency import run_idempotent
from mederp.core.schemas import ERRORS, Offset, SignatureOut, StrictIn, signature_body
from mederp.sales import selectors, services
from mederp.sales.api.common import Exact, decimal_text, router
from mederp.sales.models import OrderStatus, SalesOrder


class LineIn(StrictIn):
    product: int | str = Field(description="Product id, product code or GTIN-14")
    quantity: Exact
    unit_price: Exact


class SalesOrderIn(StrictIn):
    customer: int | str = Field(description="Customer (partner) id or code")
    lines: list[LineIn] = Field(min_length=1, max_length=200)
    ship_to_address: str = Field(
        default="", max_length=300, description="Delivery address; default the customer's"
    )
    market: str = Field(default="CN", max_length=4, description="Whose registration applies")
    currency: str = Field(default="CNY", max_length=3)
    customer_reference: str = Field(default="", max_length=64)
    notes: str = Field(default="", max_length=2000)


class AllocationOut(Schema):
    id: int
    lot: str | None
    serial: str | None
    location: str
    expiry_date: dt.date | None
    quantity: str
    picked_quantity: str
    shipped_quantity: str


class SalesOrderLineOut(Schema):
    id: int
    line_no: int
    product_id: int
    product_code: str
    gtin: str
    quantity: str
    unit_price: str
    amount: str
    allocated: str
    picked: str
    shipped: str
    allocations: list[AllocationOut]


class SalesPickOut(Schema):
    id: int
    allocation_id: int
    quantity: str
    gtin: str
    lot_number: str
    serial_number: str
    scan_raw: str
    picked_by: str
    picked_at: dt.datetime


class SalesOrderProblemOut(Schema):
    code: str
    message: str


class SalesOrderOut(Schema):
    id: int
    number: str
    customer_id: int
    customer_code: str
    customer_name: str
    ship_to_address: str
    market: str
    currency: str
    customer_reference: str
    status: str
    created_at: dt.datetime
    reviewed_at: dt.datetime | None
    reviewed_by: str | None
    shipped_at: dt.datetime | None
    version: int


class SalesOrderDetailOut(SalesOrderOut):
    lines: list[SalesOrderLineOut]
    picks: list[SalesPickOut]
    shipment_number: str | None
    problems: list[SalesOrderProblemOut] = Field(
        description="What blocks confirmation or shipment today (the gates), if anything"
    )
    signatures: list[SignatureOut] = Field(
        description="The outbound review signature(s): printed name, UTC time, meaning, validity"
    )


class SalesOrderPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[SalesOrderOut]


class SalesOrderQuery(Schema):
    q: str = Field(default="", max_length=200, description="Number, customer or reference")
    status: OrderStatus | None = None
    customer_id: int | None = None
    limit: int = Field(default=50, ge=1, le=200)
    offset: Offset = 0


def order_body(order: SalesOrder, *, detail: bool = False) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": order.pk,
        "number": order.number,
        "customer_id": order.customer_id,
        "customer_code": order.customer.code,
        "customer_name": order.customer.name,
        "ship_to_address": order.ship_to_address,
        "market": order.market,
        "currency": order.currency,
        "customer_reference": order.customer_reference,
        "status": order.status,
        "created_at": order.created_at,
        "reviewed_at": order.reviewed_at,
        "reviewed_by": order.reviewed_by.get_username() if order.reviewed_by else None,
        "shipped_at": order.shipped_at,
        "version": order.version,
    }
    if not detail:
        return body
    body["lines"] = [
        {
            "id": v.line.pk,
            "line_no": v.line.line_no,
            "product_id": v.line.product_id,
            "product_code": v.line.product.code,
            "gtin": v.line.product.gtin,
            "quantity": decimal_text(v.line.quantity),
            "unit_price": decimal_text(v.line.unit_price),
            "amount": str(v.amount),
            "allocated": decimal_text(v.allocated),
            "picked": decimal_text(v.picked),
            "shipped": decimal_text(v.shipped),
            "allocations": [
                {
                    "id": a.pk,
                    "lot": a.lot.number if a.lot else None,
                    "serial": a.serial.serial_number if a.serial else None,
                    "location": a.location.code,
                    "expiry_date": a.expiry_date,
                    "quantity": decimal_text(a.quantity),
                    "picked_quantity": decimal_text(a.picked_quantity),
                    "shipped_quantity": decimal_text(a.shipped_quantity),
                }
                for a in v.allocations
            ],
        }
        for v in selectors.order_lines(order)
    ]
    body["picks"] = [
        {
            "id": p.pk,
            "allocation_id": p.allocation_id,
            "quantity": decimal_text(p.quantity),
            "gtin": p.gtin,
            "lot_number": p.lot_number,
            "serial_number": p.serial_number,
            "scan_raw": p.scan_raw,
            "picked_by": p.picked_by_name,
            "picked_at": p.picked_at,
        }
        for p in selectors.order_picks(order)
    ]
    shipment = selectors.shipment_of(order)
    body["shipment_number"] = shipment.number if shipment else None
    body["problems"] = [
        {"code": p.code, "message": p.render_message()} for p in selectors.order_problems(order)
    ]
    body["signatures"] = [signature_body(v) for v in selectors.order_signatures(order)]
    return body


def load_order(order_id: int) -> SalesOrder:
    return get_object_or_404(
        SalesOrder.objects.select_related("customer", "reviewed_by"), pk=order_id
    )


def detail_json(order_id: int) -> dict[str, Any]:
    return SalesOrderDetailOut.model_validate(
        order_body(load_order(order_id), detail=True)
    ).model_dump(mode="json")


@router.get("/orders", response={200: SalesOrderPage, **ERRORS})
@require_perm("sales.view_salesorder")
def list_orders(request: HttpRequest, filters: Query[SalesOrderQuery]) -> Any:
    qs = selectors.search_orders(
        filters.q, status=filters.status or "", customer_id=filters.customer_id
    ).select_related("reviewed_by")
    items = [order_body(o) for o in qs[filters.offset : filters.offset + filters.limit]]
    return {"count": qs.count(), "limit": filters.limit, "offset": filters.offset, "items": items}


@router.post("/orders", response={201: SalesOrderDetailOut, **ERRORS})
@require_perm("sales.add_salesorder")
def create_order(request: HttpRequest, payload: SalesOrderIn) -> Any:
    """Create a draft order. The customer and product gates are judged at confirmation (and at
    shipment), not here: the detail's ``problems`` lists what would block it today."""

    def execute() -> tuple[int, Any]:
        data = payload.model_dump()
        order = services.create_order(Actor.from_request(request), **data)
        return 201, detail_json(order.pk)

    return run_idempotent(request, payload.model_dump(mode="json"), execute)


@router.get("/orders/{order_id}", response={200: SalesOrderDetailOut, **ERRORS})
@require_perm("sales.view_salesorder")
def get_order(request: HttpRequest, order_id: int) -> Any:
    return order_body(load_order(order_id), detail=True)
