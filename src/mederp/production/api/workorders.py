"""Work order endpoints: create, list, read (with the device history record's lines), and the
workflow steps: release, complete, cancel, and close by QA's signature. Every POST takes an
Idempotency-Key; a retry replays the first answer. Closing takes the signer's credentials
(``SignIn``), never a signature id (ES-04); its re-authentication runs outside the idempotency
guard so a refused password leaves its security-log record, and the fingerprint holds the
reason, never a secret."""

import datetime as dt
import json
from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Query, Schema
from pydantic import Field

from mederp.core.actors import Actor
from mederp.core.apiperms import require_perm
from mederp.core.idempotency import answered, run_idempotent
from mederp.core.schemas import (
    ERRORS,
    Offset,
    SignatureOut,
    SignIn,
    StrictIn,
    TransitionIn,
    signature_body,
)
from mederp.production import selectors, services
from mederp.production.api.common import (
    Exact,
    already_answered,
    decimal_text,
    router,
    session_key,
)
from mederp.production.lifecycle import CANCEL, COMPLETE, RELEASE
from mederp.production.models import WorkOrder, WorkOrderState


class WorkOrderIn(StrictIn):
    product_id: int = Field(description="The finished device")
    planned_quantity: Exact
    planned_start: dt.date
    production_location_id: int = Field(description="Where issued material is consumed")
    output_location_id: int = Field(description="The quarantine location output waits in")
    bom_id: int | None = Field(
        default=None, description="A BOM version; default: the one in effect on planned_start"
    )
    planned_end: dt.date | None = None
    output_lot_number: str = Field(default="", max_length=64)
    notes: str = Field(default="", max_length=2000)


class WorkOrderCancelIn(StrictIn):
    reason: str = Field(min_length=1, max_length=2000)


class WorkOrderComponentOut(Schema):
    line_no: int
    component_id: int
    component_code: str
    gtin: str
    tracking: str
    uom: str
    quantity_per_unit: str
    planned: str = Field(description="quantity_per_unit × planned quantity")
    expected: str = Field(description="quantity_per_unit × good output")
    issued: str
    scrapped: str
    used: str = Field(description="issued − scrapped")


class IssueOut(Schema):
    id: int
    component_id: int
    component_code: str
    lot_id: int | None
    lot_number: str | None
    serial_id: int | None
    serial_number: str | None
    quantity: str
    from_location: str
    move_id: int
    method: str
    scan_raw: str
    operator: str
    source: str
    event_id: str
    recorded_at: dt.datetime


class OutputOut(Schema):
    id: int
    kind: str
    lot_id: int | None
    lot_number: str | None
    serial_id: int | None
    serial_number: str | None
    quantity: str
    move_id: int | None
    reason: str
    operator: str
    source: str
    event_id: str
    recorded_at: dt.datetime


class ScrapOut(Schema):
    id: int
    component_id: int
    component_code: str
    lot_number: str | None
    serial_number: str | None
    quantity: str
    move_id: int
    reason: str
    operator: str
    recorded_at: dt.datetime


class OperationOut(Schema):
    id: int
    operation: str
    workstation: str
    started_at: dt.datetime | None
    completed_at: dt.datetime
    quantity_good: str
    quantity_scrap: str
    notes: str
    operator: str
    source: str
    event_id: str


class CheckOut(Schema):
    id: int
    operation: str
    characteristic: str
    specification: str
    measured_value: str
    result: str
    notes: str
    operator: str
    source: str
    event_id: str
    recorded_at: dt.datetime


class EdgeOut(Schema):
    id: int
    consumed_kind: str
    consumed_id: int
    consumed_product: str
    consumed_number: str
    produced_kind: str
    produced_id: int
    produced_number: str
    quantity: str


class WorkOrderOut(Schema):
    id: int
    number: str
    product_id: int
    product_code: str
    gtin: str
    bom_id: int
    bom_revision: int
    planned_quantity: str
    planned_start: dt.date
    planned_end: dt.date | None
    production_location_id: int
    output_location_id: int
    output_lot_number: str
    state: str
    notes: str
    created_at: dt.datetime
    released_at: dt.datetime | None
    started_at: dt.datetime | None
    completed_at: dt.datetime | None
    closed_at: dt.datetime | None
    version: int


class WorkOrderDetailOut(WorkOrderOut):
    good: str
    scrap: str
    rework: str
    yield_ratio: str | None = Field(description="good / (good + scrap), or null before output")
    components: list[WorkOrderComponentOut]
    issues: list[IssueOut]
    outputs: list[OutputOut]
    component_scrap: list[ScrapOut]
    operations: list[OperationOut]
    checks: list[CheckOut]
    genealogy: list[EdgeOut]
    signatures: list[SignatureOut] = Field(
        description="The closing signature (reviewed): printed name, UTC time, meaning, validity"
    )


class WorkOrderPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[WorkOrderOut]


class WorkOrderQuery(Schema):
    q: str = Field(default="", max_length=200, description="Number, device or output lot")
    state: WorkOrderState | None = None
    product_id: int | None = None
    limit: int = Field(default=50, ge=1, le=200)
    offset: Offset = 0


def _number(lot: Any, serial: Any) -> str | None:
    if serial is not None:
        return str(serial.serial_number)
    return str(lot.number) if lot is not None else None


def _who(record: Any) -> dict[str, Any]:
    return {
        "operator": record.operator_name,
        "source": record.source,
        "event_id": record.event_id,
        "recorded_at": record.recorded_at,
    }


def issue_body(i: Any) -> dict[str, Any]:
    return {
        "id": i.pk,
        "component_id": i.product_id,
        "component_code": i.product.code,
        "lot_id": i.lot_id,
        "lot_number": i.lot.number if i.lot is not None else None,
        "serial_id": i.serial_id,
        "serial_number": i.serial.serial_number if i.serial is not None else None,
        "quantity": decimal_text(i.quantity),
        "from_location": i.from_location.code,
        "move_id": i.move_id,
        "method": i.method,
        "scan_raw": i.scan_raw,
        **_who(i),
    }


def output_body(o: Any) -> dict[str, Any]:
    return {
        "id": o.pk,
        "kind": o.kind,
        "lot_id": o.lot_id,
        "lot_number": o.lot.number if o.lot is not None else None,
        "serial_id": o.serial_id,
        "serial_number": o.serial.serial_number if o.serial is not None else None,
        "quantity": decimal_text(o.quantity),
        "move_id": o.move_id,
        "reason": o.reason,
        **_who(o),
    }


def scrap_body(s: Any) -> dict[str, Any]:
    return {
        "id": s.pk,
        "component_id": s.product_id,
        "component_code": s.product.code,
        "lot_number": s.lot.number if s.lot is not None else None,
        "serial_number": s.serial.serial_number if s.serial is not None else None,
        "quantity": decimal_text(s.quantity),
        "move_id": s.move_id,
        "reason": s.reason,
        "operator": s.operator_name,
        "recorded_at": s.recorded_at,
    }


def operation_body(op: Any) -> dict[str, Any]:
    who = _who(op)
    who.pop("recorded_at")
    return {
        "id": op.pk,
        "operation": op.operation,
        "workstation": op.workstation,
        "started_at": op.started_at,
        "completed_at": op.completed_at,
        "quantity_good": decimal_text(op.quantity_good),
        "quantity_scrap": decimal_text(op.quantity_scrap),
        "notes": op.notes,
        **who,
    }


def check_body(c: Any) -> dict[str, Any]:
    return {
        "id": c.pk,
        "operation": c.operation,
        "characteristic": c.characteristic,
        "specification": c.specification,
        "measured_value": c.measured_value,
        "result": c.result,
        "notes": c.notes,
        **_who(c),
    }


def work_order_body(order: WorkOrder, *, detail: bool = False) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": order.pk,
        "number": order.number,
        "product_id": order.product_id,
        "product_code": order.product.code,
        "gtin": order.product.gtin,
        "bom_id": order.bom_id,
        "bom_revision": order.bom.revision,
        "planned_quantity": decimal_text(order.planned_quantity),
        "planned_start": order.planned_start,
        "planned_end": order.planned_end,
        "production_location_id": order.production_location_id,
        "output_location_id": order.output_location_id,
        "output_lot_number": order.output_lot_number,
        "state": order.state,
        "notes": order.notes,
        "created_at": order.created_at,
        "released_at": order.released_at,
        "started_at": order.started_at,
        "completed_at": order.completed_at,
        "closed_at": order.closed_at,
        "version": order.version,
    }
    if not detail:
        return body
    view = selectors.work_order_view(order)
    ratio = view.yield_ratio
    body.update(
        {
            "good": decimal_text(view.totals.good),
            "scrap": decimal_text(view.totals.scrap),
            "rework": decimal_text(view.totals.rework),
            "yield_ratio": None if ratio is None else decimal_text(round(ratio, 4)),
            "components": [
                {
                    "line_no": c.component.line_no,
                    "component_id": c.component.component_id,
                    "component_code": c.component.component.code,
                    "gtin": c.component.component.gtin,
                    "tracking": c.component.component.tracking,
                    "uom": c.component.uom.code,
                    "quantity_per_unit": decimal_text(c.component.quantity_per_unit),
                    "planned": decimal_text(c.planned),
                    "expected": decimal_text(c.expected),
                    "issued": decimal_text(c.issued),
                    "scrapped": decimal_text(c.scrapped),
                    "used": decimal_text(c.used),
                }
                for c in view.components
            ],
            "issues": [issue_body(i) for i in view.issues],
            "outputs": [output_body(o) for o in view.outputs],
            "component_scrap": [scrap_body(s) for s in view.scrap],
            "operations": [operation_body(op) for op in view.operations],
            "checks": [check_body(c) for c in view.checks],
            "genealogy": [
                {
                    "id": e.pk,
                    "consumed_kind": e.consumed_kind,
                    "consumed_id": e.consumed_id,
                    "consumed_product": e.consumed_product.code,
                    "consumed_number": _number(e.consumed_lot, e.consumed_serial),
                    "produced_kind": e.produced_kind,
                    "produced_id": e.produced_id,
                    "produced_number": _number(e.produced_lot, e.produced_serial),
                    "quantity": decimal_text(e.quantity),
                }
                for e in view.edges
            ],
            "signatures": [signature_body(v) for v in selectors.work_order_signatures(order)],
        }
    )
    return body


def load_work_order(wo_id: int) -> WorkOrder:
    return get_object_or_404(WorkOrder.objects.select_related("product", "bom"), pk=wo_id)


def detail_json(wo_id: int) -> dict[str, Any]:
    body = work_order_body(load_work_order(wo_id), detail=True)
    return WorkOrderDetailOut.model_validate(body).model_dump(mode="json")


@router.get("/work-orders", response={200: WorkOrderPage, **ERRORS})
@require_perm("production.view_workorder")
def list_work_orders(request: HttpRequest, filters: Query[WorkOrderQuery]) -> Any:
    qs = selectors.search_work_orders(
        filters.q, state=filters.state or "", product_id=filters.product_id
    )
    items = [work_order_body(o) for o in qs[filters.offset : filters.offset + filters.limit]]
    return {"count": qs.count(), "limit": filters.limit, "offset": filters.offset, "items": items}


@router.post("/work-orders", response={201: WorkOrderDetailOut, **ERRORS})
@require_perm("production.add_workorder")
def create_work_order(request: HttpRequest, payload: WorkOrderIn) -> Any:
    """Plan a work order for a finished device, citing the BOM version in effect on its planned
    start (or the one given). Refused: ``production.no_effective_bom``,
    ``production.bom_not_usable``, ``production.location_kind``, quantity codes."""

    def execute() -> tuple[int, Any]:
        order = services.create_work_order(Actor.from_request(request), **payload.model_dump())
        return 201, detail_json(order.pk)

    return run_idempotent(request, payload.model_dump(mode="json"), execute)


@router.get("/work-orders/{wo_id}", response={200: WorkOrderDetailOut, **ERRORS})
@require_perm("production.view_workorder")
def get_work_order(request: HttpRequest, wo_id: int) -> Any:
    return work_order_body(load_work_order(wo_id), detail=True)


def _then_detail(wo_id: int, work: Any) -> Any:
    """The step, answered with the work order as it is afterwards."""

    def execute() -> tuple[int, Any]:
        work()
        return 200, detail_json(wo_id)

    return execute


def _fingerprint(name: str, payload: Any) -> dict[str, Any]:
    return {"transition": name, **payload.model_dump(mode="json")}


@router.post("/work-orders/{wo_id}/release", response={200: WorkOrderDetailOut, **ERRORS})
@require_perm("production.release_workorder")
def release_work_order(request: HttpRequest, wo_id: int, payload: TransitionIn) -> Any:
    """Hand a planned work order to the shop floor (its BOM version must still be usable)."""
    actor = Actor.from_request(request)
    return run_idempotent(
        request,
        _fingerprint(RELEASE, payload),
        _then_detail(
            wo_id, lambda: services.release_work_order(actor, wo_id, reason=payload.reason)
        ),
    )


@router.post("/work-orders/{wo_id}/complete", response={200: WorkOrderDetailOut, **ERRORS})
@require_perm("production.change_workorder")
def complete_work_order(request: HttpRequest, wo_id: int, payload: TransitionIn) -> Any:
    """Production reports the work order done; its record waits for QA's review."""
    actor = Actor.from_request(request)
    return run_idempotent(
        request,
        _fingerprint(COMPLETE, payload),
        _then_detail(
            wo_id, lambda: services.complete_work_order(actor, wo_id, reason=payload.reason)
        ),
    )


@router.post("/work-orders/{wo_id}/cancel", response={200: WorkOrderDetailOut, **ERRORS})
@require_perm("production.change_workorder")
def cancel_work_order(request: HttpRequest, wo_id: int, payload: WorkOrderCancelIn) -> Any:
    """Cancel a planned or released work order with nothing issued (a reason is required)."""
    actor = Actor.from_request(request)
    return run_idempotent(
        request,
        _fingerprint(CANCEL, payload),
        _then_detail(
            wo_id, lambda: services.cancel_work_order(actor, wo_id, reason=payload.reason)
        ),
    )


@router.post("/work-orders/{wo_id}/close", response={200: WorkOrderDetailOut, **ERRORS})
@require_perm("production.close_workorder")
def close_work_order(request: HttpRequest, wo_id: int, payload: SignIn) -> Any:
    """QA closes a completed work order by signing its device history record ``reviewed``.
    Whoever reported output of it is refused (403 ``signatures.sod_excluded_signer``); a Bearer
    API key is refused 403 ``identity.not_a_person``: a signature is a person's."""
    fingerprint = {"transition": "close", "reason": payload.reason}
    if answered(request):
        return run_idempotent(request, fingerprint, already_answered)

    def guarded(work: Any) -> Any:
        def execute() -> tuple[int, Any]:
            work()
            return 200, detail_json(wo_id)

        return run_idempotent(request, fingerprint, execute)

    return services.close_work_order(
        Actor.from_request(request),
        wo_id,
        password=payload.password,
        totp=payload.totp,
        reason=payload.reason,
        session_key=session_key(request),
        around=guarded,
    )


class HistoryEntryOut(Schema):
    id: int
    occurred_at: dt.datetime
    actor_name: str
    action: str
    record_type: str
    record_id: str
    changes: dict[str, Any]
    reason: str

    @staticmethod
    def resolve_changes(obj: Any) -> dict[str, Any]:
        return dict(json.loads(obj.changes))


@router.get("/work-orders/{wo_id}/history", response={200: list[HistoryEntryOut], **ERRORS})
@require_perm("production.view_workorder")
def work_order_history(request: HttpRequest, wo_id: int) -> Any:
    """Who did what, when and why: the work order and every record on it, newest first."""
    return selectors.work_order_history(load_work_order(wo_id))
