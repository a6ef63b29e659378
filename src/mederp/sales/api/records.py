"""Distribution records (销售记录, CN-09) — what a recall asks — and returns."""

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Query, Schema
from pydantic import Field

from mederp.core.actors import Actor
from mederp.core.apiperms import require_perm
from mederp.core.idempotency import run_idempotent
from mederp.core.schemas import ERRORS, Offset, StrictIn
from mederp.sales import selectors, services
from mederp.sales.api.common import Exact, decimal_text, router
from mederp.sales.models import DistributionRecord, SalesReturn


class RecordOut(Schema):
    id: int
    shipment_number: str
    order_number: str
    shipped_at: dt.datetime
    shipped_on: dt.date
    customer_id: int
    customer_code: str
    customer_name: str
    customer_address: str
    customer_contact: str
    customer_licence: str
    product_id: int
    product_code: str
    product_name: str
    specification: str
    gtin: str
    registration_number: str
    registrant: str
    manufacturer: str
    lot_number: str
    serial_number: str
    manufacture_date: dt.date | None
    expiry_date: dt.date | None
    quantity: str
    unit_price: str
    amount: str
    currency: str
    returned: str


class RecordPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[RecordOut]


class RecordQuery(Schema):
    q: str = Field(default="", max_length=200, description="Customer, product, order, shipment")
    gtin: str = Field(default="", max_length=14)
    lot: str = Field(default="", max_length=64)
    serial: str = Field(default="", max_length=64)
    customer_id: int | None = None
    product_id: int | None = None
    since: dt.date | None = None
    until: dt.date | None = None
    limit: int = Field(default=50, ge=1, le=500)
    offset: Offset = 0


def record_body(r: DistributionRecord) -> dict[str, Any]:
    body = {name: getattr(r, name) for name in RecordOut.model_fields if name != "returned"}
    for name in ("quantity", "unit_price"):
        body[name] = decimal_text(getattr(r, name))
    body["amount"] = str(r.amount)
    body["returned"] = decimal_text(selectors.returned_quantity(r))
    return body


@router.get("/distribution-records", response={200: RecordPage, **ERRORS})
@require_perm("sales.view_distributionrecord")
def list_records(request: HttpRequest, filters: Query[RecordQuery]) -> Any:
    """Who received which device, lot or serial, when and where (a recall's list)."""
    qs = selectors.distribution_records(
        q=filters.q,
        gtin=filters.gtin,
        lot=filters.lot,
        serial=filters.serial,
        customer_id=filters.customer_id,
        product_id=filters.product_id,
        since=filters.since,
        until=filters.until,
    ).prefetch_related("returns")
    items = [record_body(r) for r in qs[filters.offset : filters.offset + filters.limit]]
    return {"count": qs.count(), "limit": filters.limit, "offset": filters.offset, "items": items}


@router.get("/distribution-records/{record_id}", response={200: RecordOut, **ERRORS})
@require_perm("sales.view_distributionrecord")
def get_record(request: HttpRequest, record_id: int) -> Any:
    return record_body(get_object_or_404(DistributionRecord, pk=record_id))


class ReturnIn(StrictIn):
    record_id: int = Field(description="The distribution record the goods come back against")
    quantity: Exact
    to_location_id: int = Field(description="A returns or quarantine location")
    reason: str = Field(min_length=1, max_length=2000)
    scan: str = Field(default="", max_length=500, description="The returned unit's label")
    customer: int | str | None = Field(
        default=None, description="Who sends it back (id or code); must be the record's customer"
    )


class ReturnOut(Schema):
    id: int
    number: str
    record_id: int
    shipment_number: str
    customer_code: str
    product_code: str
    lot_number: str | None
    serial_number: str | None
    quantity: str
    to_location: str
    reason: str
    received_at: dt.datetime
    received_by: str


def return_body(r: SalesReturn) -> dict[str, Any]:
    return {
        "id": r.pk,
        "number": r.number,
        "record_id": r.record_id,
        "shipment_number": r.record.shipment_number,
        "customer_code": r.customer.code,
        "product_code": r.product.code,
        "lot_number": r.lot.number if r.lot else None,
        "serial_number": r.serial.serial_number if r.serial else None,
        "quantity": decimal_text(r.quantity),
        "to_location": r.to_location.code,
        "reason": r.reason,
        "received_at": r.received_at,
        "received_by": r.received_by_name,
    }


class ReturnQuery(Schema):
    record_id: int | None = None
    customer_id: int | None = None
    limit: int = Field(default=50, ge=1, le=500)
    offset: Offset = 0


class ReturnPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[ReturnOut]


@router.get("/returns", response={200: ReturnPage, **ERRORS})
@require_perm("sales.view_salesreturn")
def list_returns(request: HttpRequest, filters: Query[ReturnQuery]) -> Any:
    qs = selectors.returns(record_id=filters.record_id, customer_id=filters.customer_id)
    items = [return_body(r) for r in qs[filters.offset : filters.offset + filters.limit]]
    return {"count": qs.count(), "limit": filters.limit, "offset": filters.offset, "items": items}


@router.post("/returns", response={201: ReturnOut, **ERRORS})
@require_perm("sales.add_salesreturn")
def create_return(request: HttpRequest, payload: ReturnIn) -> Any:
    """Receive goods back into a returns or quarantine location against their distribution
    record. Refused: ``sales.return_exceeds_shipped``, ``sales.return_not_shipped_to_customer``,
    ``sales.return_location_invalid``, a scan of another unit (``sales.wrong_*``)."""

    def execute() -> tuple[int, Any]:
        received = services.receive_return(
            Actor.from_request(request),
            record=payload.record_id,
            quantity=payload.quantity,
            to_location=payload.to_location_id,
            reason=payload.reason,
            scan=payload.scan,
            customer=payload.customer,
        )
        found = selectors.returns().get(pk=received.pk)
        return 201, ReturnOut.model_validate(return_body(found)).model_dump(mode="json")

    return run_idempotent(request, payload.model_dump(mode="json"), execute)
