"""Inspection plans and inspections under /api/v1/quality (ISO 13485 §7.4.3, §8.2.6):
plans (list, create, get, edit a draft, new revision, approve by signature), inspections (list
with filters, one with its characteristics and results) and results (post).

Creating POSTs take an ``Idempotency-Key``. Approval takes the signer's credentials in the body
(``SignIn``); re-authentication runs outside the idempotency guard, as for recalls. Values are
exact decimals as strings; a JSON float is refused.
"""

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any, Literal

from django.http import HttpRequest
from ninja import Query, Router, Schema
from pydantic import Field, StrictBool, StrictInt, StrictStr

from mederp.core import signatures, workflow
from mederp.core.actors import Actor
from mederp.core.apiperms import require_perm
from mederp.core.idempotency import answered, replay_lost, run_idempotent, session_key
from mederp.core.schemas import ERRORS, Offset, SignatureOut, SignIn, StrictIn, signature_body
from mederp.inventory.rules import normal
from mederp.quality.inspections import selectors, services
from mederp.quality.inspections.errors import InspectionUnknown, PlanUnknown
from mederp.quality.inspections.models import Inspection, InspectionPlan
from mederp.quality.inspections.services.results import latest_results

router = Router(tags=["quality"])

VIEW_PLAN = "inspections.view_inspectionplan"
ADD_PLAN = "inspections.add_inspectionplan"
CHANGE_PLAN = "inspections.change_inspectionplan"
APPROVE_PLAN = "inspections.approve_inspectionplan"
VIEW = "inspections.view_inspection"
RECORD = "inspections.record_result"

Exact = Annotated[
    StrictStr | StrictInt,
    Field(description='An exact decimal as a string ("12.5") or an integer; never a float'),
]


def _num(value: Decimal | None) -> str | None:
    return None if value is None else f"{normal(value):f}"


class CharacteristicIn(StrictIn):
    name: str = Field(min_length=1, max_length=200)
    kind: Literal["numeric", "pass_fail", "text"]
    lower_limit: Exact | None = None
    upper_limit: Exact | None = None
    unit: str = Field(default="", max_length=32)
    critical: bool = False


class SamplingIn(StrictIn):
    lot_size_from: Exact
    lot_size_to: Exact | None = Field(default=None, description="null: and above")
    sample_size: Exact


class PlanIn(StrictIn):
    product_id: int
    stage: Literal["incoming", "in_process", "final"]
    title: str = Field(default="", max_length=200)
    notes: str = Field(default="", max_length=4000)
    characteristics: list[CharacteristicIn] = Field(min_length=1, max_length=200)
    sampling: list[SamplingIn] = Field(default_factory=list, max_length=50)


class PlanEditIn(StrictIn):
    title: str | None = Field(default=None, max_length=200)
    notes: str | None = Field(default=None, max_length=4000)
    characteristics: list[CharacteristicIn] = Field(min_length=1, max_length=200)
    sampling: list[SamplingIn] = Field(default_factory=list, max_length=50)
    reason: str = Field(default="edited draft", min_length=1, max_length=2000)


class CharacteristicOut(Schema):
    id: int
    sequence: int
    name: str
    kind: str
    lower_limit: str | None
    upper_limit: str | None
    unit: str
    critical: bool


class SamplingOut(Schema):
    lot_size_from: str
    lot_size_to: str | None
    sample_size: str


class PlanOut(Schema):
    id: int
    product_id: int
    product_code: str
    stage: str
    revision: int
    state: str
    title: str
    created_at: dt.datetime
    approved_at: dt.datetime | None
    approved_by: str
    version: int


class PlanDetailOut(PlanOut):
    notes: str
    characteristics: list[CharacteristicOut]
    sampling: list[SamplingOut]
    signatures: list[SignatureOut]


class PlanQuery(Schema):
    product: str = Field(default="", max_length=32, description="Product code")
    stage: str = Field(default="", max_length=12)
    state: str = Field(default="", max_length=10)
    limit: int = Field(default=50, ge=1, le=500)
    offset: Offset = 0


class PlanPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[PlanOut]


def characteristic_body(c: Any) -> dict[str, Any]:
    return {
        "id": c.pk,
        "sequence": c.sequence,
        "name": c.name,
        "kind": c.kind,
        "lower_limit": _num(c.lower_limit),
        "upper_limit": _num(c.upper_limit),
        "unit": c.unit,
        "critical": c.critical,
    }


def plan_body(p: InspectionPlan) -> dict[str, Any]:
    return {
        "id": p.pk,
        "product_id": p.product_id,
        "product_code": p.product.code,
        "stage": p.stage,
        "revision": p.revision,
        "state": p.state,
        "title": p.title,
        "created_at": p.created_at,
        "approved_at": p.approved_at,
        "approved_by": p.approved_by_name,
        "version": p.version,
    }


def plan_json(plan_id: int) -> dict[str, Any]:
    p = InspectionPlan.objects.select_related("product").filter(pk=plan_id).first()
    if p is None:
        raise PlanUnknown(plan=plan_id)
    body = {
        **plan_body(p),
        "notes": p.notes,
        "characteristics": [characteristic_body(c) for c in p.characteristics.all()],
        "sampling": [
            {
                "lot_size_from": _num(r.lot_size_from),
                "lot_size_to": _num(r.lot_size_to),
                "sample_size": _num(r.sample_size),
            }
            for r in p.sampling.all()
        ],
        "signatures": [signature_body(v) for v in signatures.signatures_for(p)],
    }
    return PlanDetailOut.model_validate(body).model_dump(mode="json")


@router.get("/inspection-plans", response={200: PlanPage, **ERRORS})
@require_perm(VIEW_PLAN)
def list_plans(request: HttpRequest, filters: Query[PlanQuery]) -> Any:
    qs = selectors.plans(product_code=filters.product, stage=filters.stage, state=filters.state)
    items = [plan_body(p) for p in qs[filters.offset : filters.offset + filters.limit]]
    return {"count": qs.count(), "limit": filters.limit, "offset": filters.offset, "items": items}


@router.post("/inspection-plans", response={201: PlanDetailOut, **ERRORS})
@require_perm(ADD_PLAN)
def create_plan(request: HttpRequest, payload: PlanIn) -> Any:
    """Draft a plan: the next revision of the product and stage. Refused with nothing written:
    ``inspections.limits_required``, ``inspections.limits_reversed``,
    ``inspections.characteristic_repeated``, ``inspections.sampling_overlap``,
    ``inspections.sampling_invalid``, ``inspections.unknown_product`` (404)."""
    body = payload.model_dump(mode="json")

    def execute() -> tuple[int, Any]:
        plan = services.create_plan(
            Actor.from_request(request),
            product_id=payload.product_id,
            stage=payload.stage,
            title=payload.title,
            notes=payload.notes,
            characteristics=[c.model_dump() for c in payload.characteristics],
            sampling=[s.model_dump() for s in payload.sampling],
        )
        return 201, plan_json(plan.pk)

    return run_idempotent(request, body, execute)


@router.get("/inspection-plans/{plan_id}", response={200: PlanDetailOut, **ERRORS})
@require_perm(VIEW_PLAN)
def get_plan(request: HttpRequest, plan_id: int) -> Any:
    return plan_json(plan_id)


@router.put("/inspection-plans/{plan_id}", response={200: PlanDetailOut, **ERRORS})
@require_perm(CHANGE_PLAN)
def edit_plan(request: HttpRequest, plan_id: int, payload: PlanEditIn) -> Any:
    """Replace a draft's characteristics and sampling table; ``inspections.plan_not_draft``
    (409) once approved: make a new revision instead."""
    plan = services.save_plan(
        Actor.from_request(request),
        plan_id,
        characteristics=[c.model_dump() for c in payload.characteristics],
        sampling=[s.model_dump() for s in payload.sampling],
        title=payload.title,
        notes=payload.notes,
        reason=payload.reason,
    )
    return plan_json(plan.pk)


@router.post("/inspection-plans/{plan_id}/revise", response={201: PlanDetailOut, **ERRORS})
@require_perm(ADD_PLAN)
def revise_plan(request: HttpRequest, plan_id: int) -> Any:
    """A new draft revision copied from this plan (``inspections.draft_exists`` if one is)."""

    def execute() -> tuple[int, Any]:
        plan = services.revise_plan(Actor.from_request(request), plan_id)
        return 201, plan_json(plan.pk)

    return run_idempotent(request, {"revise": plan_id}, execute)


@router.post("/inspection-plans/{plan_id}/approve", response={200: PlanDetailOut, **ERRORS})
@require_perm(APPROVE_PLAN)
def approve_plan(request: HttpRequest, plan_id: int, payload: SignIn) -> Any:
    """Approve a draft by signature (meaning ``approved``); the approved revision before it
    becomes obsolete. Refused with nothing written: ``workflow.wrong_state`` (409),
    ``inspections.plan_empty``, a wrong password or TOTP (``identity.*``)."""
    fingerprint = payload.model_dump(mode="json", exclude={"password", "totp"})
    if answered(request):
        return run_idempotent(request, fingerprint, replay_lost)

    def guarded(work: Any) -> Any:
        def execute() -> tuple[int, Any]:
            plan = work()
            return 200, plan_json(plan.pk)

        return run_idempotent(request, fingerprint, execute)

    return services.approve_plan(
        Actor.from_request(request),
        plan_id,
        reason=payload.reason,
        credentials=workflow.Credentials(
            password=payload.password, totp=payload.totp, session_key=session_key(request)
        ),
        around=guarded,
    )


class InspectionOut(Schema):
    id: int
    number: str
    stage: str
    state: str
    result: str
    product_id: int
    product_code: str
    plan_id: int
    plan_revision: int
    lot_id: int | None
    lot_number: str | None
    serial_id: int | None
    serial_number: str | None
    receipt_id: int | None
    work_order_id: int | None
    work_order_number: str | None
    lot_size: str
    sample_size: str
    created_at: dt.datetime
    completed_at: dt.datetime | None
    completed_by: str
    ncr_id: int | None


class ResultOut(Schema):
    id: int
    characteristic_id: int
    characteristic: str
    value: str | None
    text: str
    passed: bool
    count_tested: int | None
    source: str
    external_id: str
    reason: str
    recorded_at: dt.datetime
    recorded_by: str


class InspectionLineOut(CharacteristicOut):
    """A characteristic with the result that counts (the latest), if any."""

    result: ResultOut | None


class InspectionDetailOut(InspectionOut):
    characteristics: list[InspectionLineOut]
    results: list[ResultOut] = Field(description="Every result, corrections included, in order")


class InspectionQuery(Schema):
    stage: str = Field(default="", max_length=12)
    state: str = Field(default="", max_length=10)
    result: str = Field(default="", max_length=8)
    product: str = Field(default="", max_length=32, description="Product code")
    lot: str = Field(default="", max_length=64, description="Lot number")
    q: str = Field(default="", max_length=200)
    limit: int = Field(default=50, ge=1, le=500)
    offset: Offset = 0


class InspectionPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[InspectionOut]


def inspection_body(i: Inspection) -> dict[str, Any]:
    return {
        "id": i.pk,
        "number": i.number,
        "stage": i.stage,
        "state": i.state,
        "result": i.result,
        "product_id": i.product_id,
        "product_code": i.product.code,
        "plan_id": i.plan_id,
        "plan_revision": i.plan.revision,
        "lot_id": i.lot_id,
        "lot_number": i.lot.number if i.lot is not None else None,
        "serial_id": i.serial_id,
        "serial_number": i.serial.serial_number if i.serial is not None else None,
        "receipt_id": i.receipt_id,
        "work_order_id": i.work_order_id,
        "work_order_number": i.work_order.number if i.work_order is not None else None,
        "lot_size": _num(i.lot_size),
        "sample_size": _num(i.sample_size),
        "created_at": i.created_at,
        "completed_at": i.completed_at,
        "completed_by": i.completed_by_name,
        "ncr_id": i.ncr_id,
    }


def result_body(r: Any) -> dict[str, Any]:
    return {
        "id": r.pk,
        "characteristic_id": r.characteristic_id,
        "characteristic": r.characteristic.name,
        "value": _num(r.numeric_value),
        "text": r.text_value,
        "passed": r.passed,
        "count_tested": r.count_tested,
        "source": r.source,
        "external_id": r.external_id,
        "reason": r.reason,
        "recorded_at": r.recorded_at,
        "recorded_by": r.recorded_by_name,
    }


def inspection_json(inspection_id: int) -> dict[str, Any]:
    i = (
        Inspection.objects.select_related("product", "plan", "lot", "serial", "work_order")
        .filter(pk=inspection_id)
        .first()
    )
    if i is None:
        raise InspectionUnknown(inspection=inspection_id)
    latest = latest_results(i)
    body = {
        **inspection_body(i),
        "characteristics": [
            {
                **characteristic_body(c),
                "result": result_body(latest[c.pk]) if c.pk in latest else None,
            }
            for c in i.plan.characteristics.order_by("sequence")
        ],
        "results": [
            result_body(r) for r in i.results.select_related("characteristic").order_by("id")
        ],
    }
    return InspectionDetailOut.model_validate(body).model_dump(mode="json")


@router.get("/inspections", response={200: InspectionPage, **ERRORS})
@require_perm(VIEW)
def list_inspections(request: HttpRequest, filters: Query[InspectionQuery]) -> Any:
    qs = selectors.inspections(
        stage=filters.stage,
        state=filters.state,
        result=filters.result,
        product_code=filters.product,
        lot_number=filters.lot,
        q=filters.q,
    ).select_related("plan")
    items = [inspection_body(i) for i in qs[filters.offset : filters.offset + filters.limit]]
    return {"count": qs.count(), "limit": filters.limit, "offset": filters.offset, "items": items}


@router.get("/inspections/{inspection_id}", response={200: InspectionDetailOut, **ERRORS})
@require_perm(VIEW)
def get_inspection(request: HttpRequest, inspection_id: int) -> Any:
    return inspection_json(inspection_id)


class ResultIn(StrictIn):
    characteristic_id: int | None = Field(default=None, description="Id within the plan")
    characteristic: str = Field(default="", max_length=200, description="Or its name")
    value: Exact | None = Field(default=None, description="Numeric characteristics")
    passed: StrictBool | None = Field(default=None, description="Pass/fail characteristics")
    text: str = Field(default="", max_length=2000, description="Text characteristics")
    count_tested: int | None = Field(default=None, ge=0)
    reason: str = Field(default="", max_length=2000, description="Required for a correction")


class ResultsIn(StrictIn):
    results: list[ResultIn] = Field(min_length=1, max_length=200)


@router.post("/inspections/{inspection_id}/results", response={201: InspectionDetailOut, **ERRORS})
@require_perm(RECORD)
def post_results(request: HttpRequest, inspection_id: int, payload: ResultsIn) -> Any:
    """Record results by hand; when every characteristic has one the inspection completes
    (``fail`` opens an NCR: ``ncr_id``). Refused with nothing written:
    ``inspections.unknown_inspection`` (404), ``inspections.inspection_completed`` (409),
    ``inspections.unknown_characteristic``, ``inspections.characteristic_not_in_plan``,
    ``inspections.value_required``, ``inspections.value_invalid``,
    ``inspections.verdict_required``, ``inspections.text_required``,
    ``inspections.correction_reason_required``."""
    body = payload.model_dump(mode="json")

    def execute() -> tuple[int, Any]:
        services.record_results(
            Actor.from_request(request),
            inspection_id,
            [r.model_dump() for r in payload.results],
            source="hand",
        )
        return 201, inspection_json(inspection_id)

    return run_idempotent(request, {"inspection_id": inspection_id, **body}, execute)
