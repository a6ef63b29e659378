"""Shop-floor endpoints of a work order: material issue (by FEFO, by a named lot or serial, or
by a scanned GS1/HIBC label), output (good, scrap, rework), component scrap, operations and
in-process checks. Every POST takes an Idempotency-Key; an MES sends ``source: "mes"`` with its
``event_id``, and a redelivered event returns what it recorded the first time."""

import datetime as dt
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Schema
from pydantic import Field

from mederp.core.actors import Actor
from mederp.core.apiperms import require_perm
from mederp.core.idempotency import run_idempotent
from mederp.core.schemas import ERRORS, StrictIn
from mederp.production import services
from mederp.production.api.common import EventIdIn, Exact, SourceIn, router
from mederp.production.api.workorders import (
    CheckOut,
    IssueOut,
    OperationOut,
    OutputOut,
    ScrapOut,
    WorkOrderDetailOut,
    check_body,
    detail_json,
    issue_body,
    operation_body,
    output_body,
    scrap_body,
)


class IssueIn(StrictIn):
    component_id: int | None = Field(default=None, description="The BOM component (product id)")
    quantity: Exact
    lot_id: int | None = Field(default=None, description="Issue exactly this lot")
    serial_id: int | None = Field(default=None, description="Issue exactly this serial")
    scan: str = Field(
        default="",
        max_length=500,
        description="The component's label as scanned: GS1 element string (group separator as "
        'ASCII 29, "<GS>", "{GS}" or "\\x1d"), the parenthesised form, a Digital Link or HIBC; '
        "it names the component and its lot or serial",
    )
    from_location_id: int | None = Field(default=None, description="Take stock only from here")
    source: SourceIn = "manual"
    event_id: EventIdIn = ""


class OutputIn(StrictIn):
    quantity: Exact
    kind: Literal["good", "scrap", "rework"] = "good"
    lot_number: str = Field(
        default="", max_length=64, description="Default: the work order's output lot"
    )
    serial_numbers: list[str] = Field(
        default_factory=list,
        max_length=1000,
        description="One per unit, for a serial-tracked device",
    )
    manufacture_date: dt.date | None = Field(default=None, description="Default: today")
    reason: str = Field(default="", max_length=2000, description="Required for scrap and rework")
    source: SourceIn = "manual"
    event_id: EventIdIn = ""


class ScrapIn(StrictIn):
    quantity: Exact
    lot_id: int | None = None
    serial_id: int | None = None
    component_id: int | None = Field(default=None, description="For an untracked component")
    reason: str = Field(min_length=1, max_length=2000)
    source: SourceIn = "manual"
    event_id: EventIdIn = ""


class OperationIn(StrictIn):
    operation: str = Field(min_length=1, max_length=64)
    completed_at: dt.datetime = Field(description="With its time zone")
    started_at: dt.datetime | None = None
    quantity_good: Exact = 0
    quantity_scrap: Exact = 0
    workstation: str = Field(default="", max_length=64)
    notes: str = Field(default="", max_length=2000)
    source: SourceIn = "manual"
    event_id: EventIdIn = ""


class CheckIn(StrictIn):
    characteristic: str = Field(min_length=1, max_length=200)
    result: Literal["pass", "fail"]
    specification: str = Field(default="", max_length=200)
    measured_value: str = Field(default="", max_length=100)
    operation: str = Field(default="", max_length=64)
    notes: str = Field(default="", max_length=2000)
    source: SourceIn = "manual"
    event_id: EventIdIn = ""


class IssuesCreatedOut(Schema):
    issues: list[IssueOut]
    work_order: WorkOrderDetailOut


class OutputsCreatedOut(Schema):
    outputs: list[OutputOut]
    work_order: WorkOrderDetailOut


class ScrapCreatedOut(Schema):
    scrap: ScrapOut
    work_order: WorkOrderDetailOut


class OperationCreatedOut(Schema):
    operation: OperationOut
    work_order: WorkOrderDetailOut


class CheckCreatedOut(Schema):
    check: CheckOut
    work_order: WorkOrderDetailOut


def _answer(key: str, value: Any, wo_id: int) -> tuple[int, Any]:
    """201 with what the service wrote and the work order as it is afterwards."""
    return 201, {key: value, "work_order": detail_json(wo_id)}


def _json(schema: Any, body: dict[str, Any]) -> Any:
    return schema.model_validate(body).model_dump(mode="json")


@router.post("/work-orders/{wo_id}/issues", response={201: IssuesCreatedOut, **ERRORS})
@require_perm("production.issue_material")
def issue_material(request: HttpRequest, wo_id: int, payload: IssueIn) -> Any:
    """Issue a BOM component: by FEFO, or the named or scanned lot or serial. Refused:
    ``production.not_in_bom``, ``inventory.stock_not_available`` (quarantine, on hold,
    recalled, expired: naming the lot), ``production.not_enough_stock``,
    ``production.work_order_not_released``, ``production.work_order_closed``,
    ``barcodes.*``, ``production.lot_unknown``, ``production.genealogy_cycle``."""

    def execute() -> tuple[int, Any]:
        actor = Actor.from_request(request)
        issues = services.issue_material(actor, wo_id, **payload.model_dump())
        return _answer("issues", [_json(IssueOut, issue_body(i)) for i in issues], wo_id)

    return run_idempotent(request, payload.model_dump(mode="json"), execute)


@router.post("/work-orders/{wo_id}/outputs", response={201: OutputsCreatedOut, **ERRORS})
@require_perm("production.report_output")
def report_output(request: HttpRequest, wo_id: int, payload: OutputIn) -> Any:
    """Report good output (registered in quarantine under the work order's lot, or one serial
    per unit), scrap or rework. Refused: ``production.work_order_closed``,
    ``production.output_lot_required``, ``production.serials_required``,
    ``production.serial_exists``, ``production.output_lot_not_in_quarantine``,
    ``production.reason_required``, ``production.genealogy_cycle``."""

    def execute() -> tuple[int, Any]:
        actor = Actor.from_request(request)
        outputs = services.report_output(actor, wo_id, **payload.model_dump())
        return _answer("outputs", [_json(OutputOut, output_body(o)) for o in outputs], wo_id)

    return run_idempotent(request, payload.model_dump(mode="json"), execute)


@router.post("/work-orders/{wo_id}/scrap", response={201: ScrapCreatedOut, **ERRORS})
@require_perm("production.report_output")
def scrap_component(request: HttpRequest, wo_id: int, payload: ScrapIn) -> Any:
    """Scrap issued component material on the line (to the warehouse's scrap location).
    Refused: ``production.scrap_exceeds_issued``, ``production.not_in_bom``,
    ``production.no_scrap_location``."""

    def execute() -> tuple[int, Any]:
        actor = Actor.from_request(request)
        scrap = services.scrap_component(actor, wo_id, **payload.model_dump())
        return _answer("scrap", _json(ScrapOut, scrap_body(scrap)), wo_id)

    return run_idempotent(request, payload.model_dump(mode="json"), execute)


@router.post("/work-orders/{wo_id}/operations", response={201: OperationCreatedOut, **ERRORS})
@require_perm("production.report_output")
def record_operation(request: HttpRequest, wo_id: int, payload: OperationIn) -> Any:
    """An operation (routing step) completed on the work order."""

    def execute() -> tuple[int, Any]:
        actor = Actor.from_request(request)
        record = services.record_operation(actor, wo_id, **payload.model_dump())
        return _answer("operation", _json(OperationOut, operation_body(record)), wo_id)

    return run_idempotent(request, payload.model_dump(mode="json"), execute)


@router.post("/work-orders/{wo_id}/checks", response={201: CheckCreatedOut, **ERRORS})
@require_perm("production.record_check")
def record_check(request: HttpRequest, wo_id: int, payload: CheckIn) -> Any:
    """One in-process check result (pass or fail) on the work order."""

    def execute() -> tuple[int, Any]:
        actor = Actor.from_request(request)
        check = services.record_check(actor, wo_id, **payload.model_dump())
        return _answer("check", _json(CheckOut, check_body(check)), wo_id)

    return run_idempotent(request, payload.model_dump(mode="json"), execute)
