"""/api/v1/quality/deviations and /api/v1/quality/disposition/...: deviations (request,
approve by signature, close, cancel) and what the disposition gate says about a lot or serial
now (ISO 13485 §8.2.6; 21 CFR 820.80(d), 820.184; QE-01).

The approval takes the signer's credentials in the body (``SignIn``), never a signature id
(ES-04); re-authentication runs outside the idempotency guard, so a refused password leaves its
security-log record, and a retry with the same Idempotency-Key replays the first answer. The
release and rejection themselves stay inventory's (``/api/v1/inventory/lots/{id}/release``):
the gate runs there.
"""

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Query, Router, Schema
from pydantic import Field

from mederp.core import signatures
from mederp.core.actors import Actor
from mederp.core.apiperms import require_perm
from mederp.core.idempotency import answered, replay_lost, run_idempotent, session_key
from mederp.core.schemas import (
    ERRORS,
    Offset,
    SignatureOut,
    SignIn,
    StrictIn,
    TransitionIn,
    signature_body,
)
from mederp.inventory.models import Lot, Serial
from mederp.quality.disposition import approval, gates, selectors, services
from mederp.quality.disposition.models import Deviation
from mederp.quality.disposition.selectors import Disposition

router = Router(tags=["quality"])

VIEW = approval.VIEW_PERMISSION


class DeviationOut(Schema):
    id: int
    number: str
    product_code: str
    lot_id: int | None
    lot_number: str | None
    serial_id: int | None
    serial_number: str | None
    inspection_id: int | None = Field(description="The inspection waived; null: a whole stage")
    inspection_number: str
    stage: str = Field(description='"incoming", "in_process" or "final"')
    reason: str
    justification: str
    risk_assessment: str
    state: str = Field(description='"draft", "approved", "closed" or "cancelled"')
    requested_at: dt.datetime
    requested_by: str
    approved_at: dt.datetime | None
    approved_by: str
    ended_at: dt.datetime | None
    ended_by: str
    end_reason: str
    version: int


class DeviationDetailOut(DeviationOut):
    signatures: list[SignatureOut]


class DeviationPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[DeviationOut]


class DeviationQuery(Schema):
    state: str = Field(default="", max_length=10)
    q: str = Field(default="", max_length=200, description="Number, product, lot, serial")
    limit: int = Field(default=50, ge=1, le=500)
    offset: Offset = 0


def deviation_body(d: Deviation) -> dict[str, Any]:
    return {
        "id": d.pk,
        "number": d.number,
        "product_code": d.product.code,
        "lot_id": d.lot_id,
        "lot_number": d.lot.number if d.lot is not None else None,
        "serial_id": d.serial_id,
        "serial_number": d.serial.serial_number if d.serial is not None else None,
        "inspection_id": d.inspection_id,
        "inspection_number": d.inspection_number,
        "stage": d.stage,
        "reason": d.reason,
        "justification": d.justification,
        "risk_assessment": d.risk_assessment,
        "state": d.state,
        "requested_at": d.requested_at,
        "requested_by": d.requested_by_name,
        "approved_at": d.approved_at,
        "approved_by": d.approved_by_name,
        "ended_at": d.ended_at,
        "ended_by": d.ended_by_name,
        "end_reason": d.end_reason,
        "version": d.version,
    }


def detail_json(deviation_id: int) -> dict[str, Any]:
    d = get_object_or_404(
        Deviation.objects.select_related("product", "lot", "serial"), pk=deviation_id
    )
    body = {
        **deviation_body(d),
        "signatures": [signature_body(v) for v in signatures.signatures_for(d)],
    }
    return DeviationDetailOut.model_validate(body).model_dump(mode="json")


@router.get("/deviations", response={200: DeviationPage, **ERRORS})
@require_perm(VIEW)
def list_deviations(request: HttpRequest, filters: Query[DeviationQuery]) -> Any:
    qs = selectors.deviations(state=filters.state, q=filters.q)
    items = [deviation_body(d) for d in qs[filters.offset : filters.offset + filters.limit]]
    return {"count": qs.count(), "limit": filters.limit, "offset": filters.offset, "items": items}


class DeviationIn(StrictIn):
    """A deviation request: the lot or the serial (one), and the inspection it waives or its
    stage."""

    lot_id: int | None = None
    serial_id: int | None = None
    inspection_id: int | None = Field(default=None, description="An inspection not completed")
    stage: str = Field(default="", max_length=12, description="Or every inspection of a stage")
    reason: str = Field(max_length=4000, description="What deviates from the inspection")
    justification: str = Field(max_length=4000)
    risk_assessment: str = Field(max_length=4000)


@router.post("/deviations", response={201: DeviationDetailOut, **ERRORS})
@require_perm(approval.REQUEST_PERMISSION)
def request_deviation(request: HttpRequest, payload: DeviationIn) -> Any:
    """Request a deviation (a draft, ``deviation.requested``). Refused with nothing written:
    ``disposition.deviation_item_missing``, ``disposition.deviation_item_unknown`` (404),
    ``disposition.deviation_target_missing``, ``disposition.deviation_stage_unknown``,
    ``disposition.deviation_inspection_unknown`` (404),
    ``disposition.deviation_inspection_elsewhere``,
    ``disposition.deviation_inspection_completed`` (409),
    ``disposition.deviation_text_missing``."""

    def execute() -> tuple[int, Any]:
        d = services.request_deviation(Actor.from_request(request), **payload.model_dump())
        return 201, detail_json(d.pk)

    return run_idempotent(request, payload.model_dump(mode="json"), execute)


@router.get("/deviations/{deviation_id}", response={200: DeviationDetailOut, **ERRORS})
@require_perm(VIEW)
def get_deviation(request: HttpRequest, deviation_id: int) -> Any:
    return detail_json(deviation_id)


@router.post("/deviations/{deviation_id}/approve", response={200: DeviationDetailOut, **ERRORS})
@require_perm(approval.APPROVE_PERMISSION)
def approve(request: HttpRequest, deviation_id: int, payload: SignIn) -> Any:
    """Approve a draft deviation, signed ``approved`` by someone other than its requester
    (``signatures.sod_author_cannot_approve``); wrong state: ``workflow.wrong_state`` (409)."""
    fingerprint = {"transition": approval.APPROVE, "reason": payload.reason}
    if answered(request):
        return run_idempotent(request, fingerprint, replay_lost)

    def guarded(work: Any) -> Any:
        def execute() -> tuple[int, Any]:
            work()
            return 200, detail_json(deviation_id)

        return run_idempotent(request, fingerprint, execute)

    return services.approve_deviation(
        Actor.from_request(request),
        deviation_id,
        password=payload.password,
        totp=payload.totp,
        reason=payload.reason,
        session_key=session_key(request),
        around=guarded,
    )


def _ended(deviation_id: int, work: Any) -> tuple[int, Any]:
    work()
    return 200, detail_json(deviation_id)


@router.post("/deviations/{deviation_id}/close", response={200: DeviationDetailOut, **ERRORS})
@require_perm(approval.CLOSE_PERMISSION)
def close(request: HttpRequest, deviation_id: int, payload: TransitionIn) -> Any:
    """Close an approved deviation (it served its purpose), with a reason: its waiver ends."""
    fingerprint = {"transition": approval.CLOSE, "reason": payload.reason}
    return services.end_deviation(
        Actor.from_request(request),
        deviation_id,
        approval.CLOSE,
        reason=payload.reason,
        around=lambda work: run_idempotent(
            request, fingerprint, lambda: _ended(deviation_id, work)
        ),
    )


@router.post("/deviations/{deviation_id}/cancel", response={200: DeviationDetailOut, **ERRORS})
@require_perm(approval.CLOSE_PERMISSION)
def cancel(request: HttpRequest, deviation_id: int, payload: TransitionIn) -> Any:
    """Cancel a draft or approved deviation, with a reason: its waiver ends."""
    fingerprint = {"transition": approval.CANCEL, "reason": payload.reason}
    return services.end_deviation(
        Actor.from_request(request),
        deviation_id,
        approval.CANCEL,
        reason=payload.reason,
        around=lambda work: run_idempotent(
            request, fingerprint, lambda: _ended(deviation_id, work)
        ),
    )


class GateInspectionOut(Schema):
    id: int
    number: str
    stage: str
    state: str
    result: str
    work_order_id: int | None
    waived_by: str = Field(description="The approved deviation that waives it, if any")
    conceded_by: str = Field(description="The NCR whose use-as-is concession covers its failure")


class WorkOrderGapsOut(Schema):
    id: int
    number: str
    state: str
    dhr_gaps: list[str] = Field(description="Empty: the device history record is complete")


class RefusalOut(Schema):
    code: str
    message: str


class DispositionOut(Schema):
    kind: str = Field(description='"lot" or "serial"')
    id: int
    number: str
    product_code: str
    status: str
    inspections: list[GateInspectionOut]
    deviations: list[DeviationOut]
    concession_ncr: str | None
    work_orders: list[WorkOrderGapsOut]
    can_release: bool
    release_refused: RefusalOut | None
    can_reject: bool
    reject_refused: RefusalOut | None


def disposition_body(d: Disposition) -> dict[str, Any]:
    item = d.item
    is_serial = isinstance(item, Serial)
    return {
        "kind": "serial" if is_serial else "lot",
        "id": item.pk,
        "number": item.serial_number if isinstance(item, Serial) else item.number,
        "product_code": item.product.code,
        "status": item.status,
        "inspections": [
            {
                "id": r.inspection.pk,
                "number": r.inspection.number,
                "stage": r.inspection.stage,
                "state": r.inspection.state,
                "result": r.inspection.result,
                "work_order_id": r.inspection.work_order_id,
                "waived_by": r.waived_by,
                "conceded_by": r.conceded_by,
            }
            for r in d.inspections
        ],
        "deviations": [deviation_body(x) for x in d.deviations],
        "concession_ncr": getattr(d.concession, "number", None),
        "work_orders": [
            {"id": o.pk, "number": o.number, "state": o.state, "dhr_gaps": gaps}
            for o, gaps in d.work_orders
        ],
        "can_release": d.can_release,
        "release_refused": None
        if d.can_release
        else {"code": d.release_code, "message": d.release_refusal},
        "can_reject": d.can_reject,
        "reject_refused": None
        if d.can_reject
        else {"code": d.reject_code, "message": d.reject_refusal},
    }


@router.get("/disposition/lots/{lot_id}", response={200: DispositionOut, **ERRORS})
@require_perm(VIEW)
def lot_disposition(request: HttpRequest, lot_id: int) -> Any:
    """What the gate says about releasing or rejecting the lot now, and why."""
    lot = get_object_or_404(Lot.objects.select_related("product"), pk=lot_id)
    return disposition_body(gates.disposition_of(lot))


@router.get("/disposition/serials/{serial_id}", response={200: DispositionOut, **ERRORS})
@require_perm(VIEW)
def serial_disposition(request: HttpRequest, serial_id: int) -> Any:
    """What the gate says about releasing or rejecting the serial now, and why."""
    serial = get_object_or_404(Serial.objects.select_related("product", "lot"), pk=serial_id)
    return disposition_body(gates.disposition_of(serial))
