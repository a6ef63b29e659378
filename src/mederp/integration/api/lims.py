"""POST /api/v1/integration/lims/results: one inspection result from the LIMS
(docs/integration.md, LIMS section).

The envelope's rules are the shared inbound ones (:mod:`mederp.core.inbound`; ``result_id`` is
the event id). Unknown fields and JSON floats are refused (invariants 7, 8). Deduplicated by
``result_id`` (invariant 5): the first delivery answers 201, a redelivery with the same body 200
with the same JSON and ``Idempotent-Replay: true``, the same id with another body 409
``integration.event_id_reused``; a result measured before the one already recorded for its
characteristic 409 ``integration.result_out_of_order``.
"""

import datetime as dt
from typing import Annotated, Any, Literal

from django.http import HttpRequest, HttpResponse
from ninja import Schema
from pydantic import Field, StrictBool, StrictInt, StrictStr

from mederp.core import inbound
from mederp.core.actors import Actor
from mederp.core.apiperms import require_perm
from mederp.core.idempotency import run_idempotent
from mederp.core.inbound import EventId, OccurredAt, SourceSystem
from mederp.core.schemas import ERRORS, StrictIn
from mederp.integration import services
from mederp.integration.api.common import router

Exact = Annotated[
    StrictStr | StrictInt,
    Field(description='An exact decimal as a string ("12.5") or an integer; never a float'),
]


class LimsResultIn(StrictIn):
    result_id: EventId = Field(description="The LIMS's id of the result (the dedupe key)")
    source_system: SourceSystem = Field(description="Which LIMS sent it")
    occurred_at: OccurredAt = Field(
        description="When it was measured, ISO 8601 with zone (the order of results)"
    )
    inspection: str = Field(
        default="", max_length=32, description="Inspection number, e.g. IN-2026-00001"
    )
    lot: str = Field(default="", max_length=64, description="Or: lot number ...")
    product: str = Field(default="", max_length=32, description="... product code ...")
    stage: Literal["", "incoming", "in_process", "final"] = Field(
        default="", description="... and stage of the open inspection"
    )
    characteristic: str = Field(min_length=1, max_length=200, description="Its name in the plan")
    value: Exact | None = Field(default=None, description="Numeric characteristics")
    passed: StrictBool | None = Field(default=None, description="Pass/fail characteristics")
    text: str = Field(default="", max_length=2000, description="Text characteristics")
    count_tested: int | None = Field(default=None, ge=0)
    reason: str = Field(default="", max_length=2000, description="Required for a correction")


class LimsResultOut(Schema):
    """What the result recorded; a redelivery gets exactly this back."""

    result_id: str
    status: str
    inspection: str
    inspection_id: int
    inspection_state: str
    inspection_result: str
    ncr_id: int | None
    characteristic: str
    passed: bool
    received_at: dt.datetime


@router.post("/lims/results", response={200: LimsResultOut, 201: LimsResultOut, **ERRORS})
@require_perm("integration.post_lims_result")
def post_lims_result(request: HttpRequest, payload: LimsResultIn, response: HttpResponse) -> Any:
    """Record one result through the inspection service (``source`` "lims"): 201; when it was
    the last characteristic the inspection completes, and a failure opens an NCR (``ncr_id``).
    A redelivery 200 with the same JSON. Refused with nothing written:
    ``integration.event_id_reused`` (409), ``integration.unknown_inspection`` (404),
    ``integration.inspection_required``, ``integration.ambiguous_inspection``, and the
    inspection's own codes (``inspections.unknown_characteristic``,
    ``inspections.inspection_completed`` 409, ``inspections.value_required`` ...)."""
    body = inbound.body_of(payload)

    def execute() -> tuple[int, Any]:
        received = services.receive_lims_result(
            Actor.from_request(request),
            result_id=payload.result_id,
            occurred_at=payload.occurred_at,
            inspection=payload.inspection,
            lot=payload.lot,
            product=payload.product,
            stage=payload.stage,
            characteristic=payload.characteristic,
            value=payload.value,
            passed=payload.passed,
            text=payload.text,
            count_tested=payload.count_tested,
            reason=payload.reason,
            body=body,
        )
        inbound.mark_replay(response, received.replayed)
        return received.status_code, received.response

    return run_idempotent(request, body, execute)
