"""POST /api/v1/integration/wms/events: warehouse events from the WMS (docs/integration.md, WMS
section).

The shared inbound envelope (:class:`mederp.core.inbound.InboundEnvelope`: ``event_id``,
``source_system``, ``occurred_at``, all required) with ``type`` and its ``data``; unknown
fields and JSON floats are refused (invariants 7, 8). Deduplicated by ``event_id`` (invariant
5): the first delivery answers 201, a redelivery with the same body 200 with the same JSON and
``Idempotent-Replay: true``, the same id with another body 409 ``integration.event_id_reused``.
"""

import datetime as dt
from typing import Annotated, Any, Literal

from django.http import HttpRequest, HttpResponse
from ninja import Schema
from pydantic import Field, StrictInt, StrictStr

from mederp.core import inbound
from mederp.core.actors import Actor
from mederp.core.apiperms import require_perm
from mederp.core.idempotency import run_idempotent
from mederp.core.inbound import InboundEnvelope
from mederp.core.schemas import ERRORS, StrictIn
from mederp.integration import services
from mederp.integration.api.common import router

Exact = Annotated[
    StrictStr | StrictInt,
    Field(description='An exact decimal as a string ("12.5") or an integer; never a float'),
]
Code = Annotated[str, Field(min_length=1, max_length=32)]
ProductName = Annotated[
    str, Field(min_length=1, max_length=64, description="GTIN-14 or product code")
]
Number = Annotated[str, Field(default="", max_length=64)]


class WmsStockTransferredData(StrictIn):
    warehouse: str = Field(min_length=1, max_length=16, description="Warehouse code, e.g. WH1")
    from_location: Code = Field(description="Location code within the warehouse")
    to_location: Code = Field(description="Location code within the warehouse")
    product: ProductName
    lot_number: Number
    serial_number: Number
    quantity: Exact
    reason: str = Field(default="", max_length=2000)


class WmsPickConfirmedData(StrictIn):
    order: str = Field(min_length=1, max_length=32, description="Sales order number")
    scan: str = Field(
        default="",
        max_length=500,
        description="The label's scan as read (GS1, Digital Link or HIBC); or send gtin with "
        "lot_number and/or serial_number",
    )
    gtin: str = Field(default="", max_length=14)
    lot_number: Number
    serial_number: Number
    quantity: Exact = 1
    allocation_id: int | None = Field(
        default=None, description="Compare the scan with this allocation only"
    )


class WmsCountedLine(StrictIn):
    product: ProductName
    lot_number: Number
    serial_number: Number
    counted: Exact = Field(description="What was found, 0 or more")


class WmsCountReportedData(StrictIn):
    warehouse: str = Field(min_length=1, max_length=16)
    location: Code
    lines: list[WmsCountedLine] = Field(
        default_factory=list,
        max_length=5000,
        description="Everything found at the location; what the books expect and this does "
        "not list was not found (counted 0)",
    )


class WmsEventIn(InboundEnvelope):
    pass


class WmsStockTransferredIn(WmsEventIn):
    type: Literal["stock_transferred"]
    data: WmsStockTransferredData


class WmsPickConfirmedIn(WmsEventIn):
    type: Literal["pick_confirmed"]
    data: WmsPickConfirmedData


class WmsCountReportedIn(WmsEventIn):
    type: Literal["count_reported"]
    data: WmsCountReportedData


class WmsMoveOut(Schema):
    id: int
    product: str
    gtin: str
    lot_number: str | None
    serial_number: str | None
    quantity: str
    from_location: str
    to_location: str


class WmsPickOut(Schema):
    id: int
    order: str
    order_id: int
    order_status: str
    allocation_id: int
    quantity: str
    gtin: str
    lot_number: str | None
    serial_number: str | None


class WmsCountLineOut(Schema):
    id: int
    product: str
    lot_number: str | None
    serial_number: str | None
    expected: str
    counted: str | None
    difference: str | None


class WmsCountOut(Schema):
    id: int
    warehouse: str
    location: str
    status: str
    lines: list[WmsCountLineOut]


class WmsEventOut(Schema):
    """What the event recorded; a redelivery gets exactly this back."""

    event_id: str
    type: str
    status: str
    reference: str = Field(description="The move (MV-…), sales order or cycle count (CC-…)")
    received_at: dt.datetime
    move: WmsMoveOut | None = None
    pick: WmsPickOut | None = None
    count: WmsCountOut | None = None


WmsEventBody = Annotated[
    WmsStockTransferredIn | WmsPickConfirmedIn | WmsCountReportedIn,
    Field(discriminator="type"),
]


@router.post("/wms/events", response={200: WmsEventOut, 201: WmsEventOut, **ERRORS})
@require_perm("integration.post_wms_event")
def post_wms_event(request: HttpRequest, payload: WmsEventBody, response: HttpResponse) -> Any:
    """Record one warehouse event through the inventory or sales services (``source`` "wms"):
    201 with what it recorded; a redelivery of the same event 200 with the same JSON. Refused
    with nothing written: ``integration.event_id_reused`` (409), ``inbound.occurred_in_future``,
    ``integration.unknown_*``, ``integration.count_outdated`` (409) and the owning services'
    codes (``inventory.insufficient_stock``, ``sales.scan_*``, ``workflow.wrong_state`` ...)."""
    body = inbound.body_of(payload)

    def execute() -> tuple[int, Any]:
        received = services.receive_wms_event(
            Actor.from_request(request),
            event_id=payload.event_id,
            event_type=payload.type,
            occurred_at=payload.occurred_at,
            data=payload.data.model_dump(),
            body=body,
        )
        inbound.mark_replay(response, received.replayed)
        return received.status_code, received.response

    return run_idempotent(request, body, execute)
