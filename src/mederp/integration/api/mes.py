"""POST /api/v1/integration/mes/events: shop-floor events from the MES (docs/integration.md).

One body schema, a union discriminated on ``type``, on the shared inbound envelope
(:class:`mederp.core.inbound.InboundEnvelope`; ``source_system`` optional here, the endpoint
predates it); unknown fields and JSON floats are refused (invariants 7, 8). Deduplicated by
``event_id`` (invariant 5): the first delivery answers 201, a redelivery with the same body 200
with the same JSON and ``Idempotent-Replay: true``.
"""

import datetime as dt
from typing import Annotated, Any, Literal

from django.http import HttpRequest, HttpResponse
from ninja import Schema
from pydantic import AwareDatetime, Field, StrictInt, StrictStr

from mederp.core import inbound
from mederp.core.actors import Actor
from mederp.core.apiperms import require_perm
from mederp.core.idempotency import run_idempotent
from mederp.core.inbound import InboundEnvelope, OptionalSourceSystem
from mederp.core.schemas import ERRORS, StrictIn
from mederp.integration import services
from mederp.integration.api.common import router

Exact = Annotated[
    StrictStr | StrictInt,
    Field(description='An exact decimal as a string ("12.5") or an integer; never a float'),
]
Text = Annotated[str, Field(default="", max_length=200)]


class MaterialConsumedData(StrictIn):
    component: str = Field(
        default="", max_length=64, description="GTIN-14 or product code of the BOM component"
    )
    lot_number: str = Field(default="", max_length=64)
    serial_number: str = Field(default="", max_length=64)
    scan: str = Field(
        default="",
        max_length=500,
        description="The label's GS1 or HIBC scan instead of (or besides) component and lot",
    )
    quantity: Exact


class OutputReportedData(StrictIn):
    quantity: Exact
    kind: Literal["good", "scrap", "rework"] = "good"
    lot_number: str = Field(default="", max_length=64)
    serial_numbers: list[Annotated[str, Field(max_length=64)]] = Field(
        default_factory=list, max_length=10000
    )
    manufacture_date: dt.date | None = None
    reason: str = Field(default="", max_length=2000)


class CheckData(StrictIn):
    characteristic: str = Field(max_length=200)
    result: Literal["pass", "fail"]
    specification: Text
    measured_value: str = Field(default="", max_length=100)
    notes: str = Field(default="", max_length=2000)


class OperationCompletedData(StrictIn):
    operation: str = Field(max_length=64)
    workstation: str = Field(default="", max_length=64)
    started_at: AwareDatetime | None = None
    completed_at: AwareDatetime
    quantity_good: Exact = 0
    quantity_scrap: Exact = 0
    notes: str = Field(default="", max_length=2000)
    checks: list[CheckData] = Field(default_factory=list, max_length=200)


class EventIn(InboundEnvelope):
    source_system: OptionalSourceSystem
    work_order: str = Field(max_length=32, description="Work order number, e.g. WO-2026-00001")


class MaterialConsumedIn(EventIn):
    type: Literal["material_consumed"]
    data: MaterialConsumedData


class OutputReportedIn(EventIn):
    type: Literal["output_reported"]
    data: OutputReportedData


class OperationCompletedIn(EventIn):
    type: Literal["operation_completed"]
    data: OperationCompletedData


class MesIssueOut(Schema):
    id: int
    component: str
    gtin: str
    lot_number: str | None
    serial_number: str | None
    quantity: str
    move_id: int


class MesOutputOut(Schema):
    id: int
    kind: str
    lot_number: str | None
    serial_number: str | None
    quantity: str
    move_id: int | None


class MesOperationOut(Schema):
    id: int
    operation: str
    workstation: str
    quantity_good: str
    quantity_scrap: str


class MesCheckOut(Schema):
    id: int
    characteristic: str
    result: str
    event_id: str


class MesEventOut(Schema):
    """What the event recorded; a redelivery gets exactly this back."""

    event_id: str
    type: str
    status: str
    work_order: str
    work_order_id: int
    received_at: dt.datetime
    issues: list[MesIssueOut] | None = None
    outputs: list[MesOutputOut] | None = None
    operation: MesOperationOut | None = None
    checks: list[MesCheckOut] | None = None


MesEventIn = Annotated[
    MaterialConsumedIn | OutputReportedIn | OperationCompletedIn,
    Field(discriminator="type"),
]


@router.post(
    "/mes/events",
    response={200: MesEventOut, 201: MesEventOut, **ERRORS},
)
@require_perm("integration.post_mes_event")
def post_mes_event(request: HttpRequest, payload: MesEventIn, response: HttpResponse) -> Any:
    """Record one shop-floor event through the production services (``source`` "mes"): 201 with
    the records it made; a redelivery of the same event 200 with the same JSON."""
    body = inbound.body_of(payload)

    def execute() -> tuple[int, Any]:
        received = services.receive_mes_event(
            Actor.from_request(request),
            event_id=payload.event_id,
            event_type=payload.type,
            occurred_at=payload.occurred_at,
            work_order=payload.work_order,
            data=payload.data.model_dump(),
            body=body,
        )
        inbound.mark_replay(response, received.replayed)
        return received.status_code, received.response

    return run_idempotent(request, body, execute)
