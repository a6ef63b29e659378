"""Supplier evaluation under /api/v1/quality/suppliers (ISO 13485 §7.4.1; CN-21): the
scorecards of a period, evaluations drafted from them, and their approval by signature, which
sets the supplier's status.

No ``from __future__ import annotations`` here (django-ninja resolves the annotations). Approval
takes the signer's credentials in the body (``SignIn``); re-authentication runs outside the
idempotency guard, so a refused password leaves its security-log record and a retry with the same
Idempotency-Key replays the first answer.
"""

import datetime as dt
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema
from pydantic import Field

from mederp.core import signatures
from mederp.core.actors import Actor
from mederp.core.apiperms import require_perm
from mederp.core.errors import NotFound
from mederp.core.idempotency import answered, replay_lost, run_idempotent
from mederp.core.schemas import ERRORS, SignatureOut, SignIn, StrictIn, signature_body
from mederp.quality.suppliers import selectors, services
from mederp.quality.suppliers.models import SupplierEvaluation

router = Router(tags=["quality"])

VIEW = "supplier_quality.view_supplierevaluation"
ADD = "supplier_quality.add_supplierevaluation"
APPROVE = "supplier_quality.approve_supplierevaluation"


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


class FiguresOut(Schema):
    receipt_lines: int
    quantity_received: str
    quantity_accepted: str
    lines_rejected: int = Field(description="Receipt lines partly or wholly rejected")
    inspections: int = Field(description="Incoming inspections completed")
    inspections_passed: int
    ncrs: int = Field(description="NCRs opened against the supplier")
    deliveries: int = Field(description="Receipts against orders with an expected date")
    deliveries_on_time: int


class ComponentsOut(Schema):
    acceptance: str | None = Field(description="Accepted / received quantity, 0..1")
    inspection: str | None = Field(description="Incoming inspections passed / completed")
    ncr: str | None = Field(description="1 - NCRs x penalty / 100, at least 0")
    delivery: str | None = Field(description="On-time receipts / receipts with a date")


class ScorecardOut(Schema):
    supplier_id: int
    supplier_code: str
    supplier_name: str
    status: str = Field(description='Current status: "approved", "conditional" or "blocked"')
    status_evaluation: str
    figures: FiguresOut
    components: ComponentsOut
    score: str | None = Field(description="0-100, one decimal; null without data")
    suggested_status: str


class ScorecardsOut(Schema):
    period_start: dt.date
    period_end: dt.date
    scoring: dict[str, Any]
    items: list[ScorecardOut]


class ScorecardQuery(Schema):
    period_start: dt.date | None = Field(default=None, description="Default: 12 months back")
    period_end: dt.date | None = Field(default=None, description="Default: today")
    q: str = Field(default="", max_length=200, description="Supplier code or name")


class EvaluationOut(Schema):
    id: int
    number: str
    supplier_id: int
    supplier_code: str
    supplier_name: str
    period_start: dt.date
    period_end: dt.date
    figures: FiguresOut
    components: ComponentsOut
    scoring: dict[str, Any]
    score: str | None
    suggested_status: str
    proposed_status: str
    rationale: str
    state: str = Field(description='"draft" or "approved"')
    created_at: dt.datetime
    created_by: str
    approved_at: dt.datetime | None
    version: int


class EvaluationDetailOut(EvaluationOut):
    signatures: list[SignatureOut]


class EvaluationIn(StrictIn):
    supplier_id: int
    proposed_status: str = Field(
        max_length=16, description='"approved", "conditional" or "disqualified"'
    )
    rationale: str = Field(max_length=4000)
    period_start: dt.date | None = Field(default=None, description="Default: 12 months back")
    period_end: dt.date | None = Field(default=None, description="Default: today")


def _figures(f: Any) -> dict[str, Any]:
    return {
        "receipt_lines": f.receipt_lines,
        "quantity_received": str(f.quantity_received),
        "quantity_accepted": str(f.quantity_accepted),
        "lines_rejected": f.lines_rejected,
        "inspections": f.inspections,
        "inspections_passed": f.inspections_passed,
        "ncrs": f.ncrs,
        "deliveries": f.deliveries,
        "deliveries_on_time": f.deliveries_on_time,
    }


def evaluation_body(ev: SupplierEvaluation) -> dict[str, Any]:
    return {
        "id": ev.pk,
        "number": ev.number,
        "supplier_id": ev.supplier_id,
        "supplier_code": ev.supplier.code,
        "supplier_name": ev.supplier.name,
        "period_start": ev.period_start,
        "period_end": ev.period_end,
        "figures": _figures(ev),
        "components": {k: _text(v) for k, v in selectors.components_of(ev).items()},
        "scoring": ev.scoring,
        "score": _text(ev.score),
        "suggested_status": ev.suggested_status,
        "proposed_status": ev.proposed_status,
        "rationale": ev.rationale,
        "state": ev.state,
        "created_at": ev.created_at,
        "created_by": ev.created_by_name,
        "approved_at": ev.approved_at,
        "version": ev.version,
    }


def detail_json(evaluation_id: int) -> dict[str, Any]:
    ev = SupplierEvaluation.objects.select_related("supplier").filter(pk=evaluation_id).first()
    if ev is None:
        raise NotFound(record_type="SupplierEvaluation", record_id=evaluation_id)
    body = evaluation_body(ev)
    body["signatures"] = [signature_body(v) for v in signatures.signatures_for(ev)]
    return EvaluationDetailOut.model_validate(body).model_dump(mode="json")


@router.get("/suppliers/scorecards", response={200: ScorecardsOut, **ERRORS})
@require_perm(VIEW)
def scorecards(request: HttpRequest, query: Query[ScorecardQuery]) -> Any:
    """Every supplier's scorecard over the period (default: the last 12 months), best first:
    acceptance, incoming inspection, NCR and on-time figures, rates, score, suggested status."""
    start, end = services.period(query.period_start, query.period_end)
    cfg = selectors.scoring()
    return {
        "period_start": start,
        "period_end": end,
        "scoring": cfg.as_dict(),
        "items": [
            {
                "supplier_id": c.supplier.pk,
                "supplier_code": c.supplier.code,
                "supplier_name": c.supplier.name,
                "status": c.supplier.status,
                "status_evaluation": c.supplier.status_evaluation,
                "figures": _figures(c.figures),
                "components": {k: _text(v) for k, v in c.components.items()},
                "score": _text(c.score),
                "suggested_status": c.suggested_status,
            }
            for c in selectors.scorecards(start, end, q=query.q, cfg=cfg)
        ],
    }


@router.get("/suppliers/evaluations", response={200: list[EvaluationOut], **ERRORS})
@require_perm(VIEW)
def list_evaluations(request: HttpRequest, supplier_id: int | None = None) -> Any:
    """Evaluations, newest first (at most 500), optionally of one supplier."""
    return [evaluation_body(ev) for ev in selectors.evaluations(supplier_id=supplier_id)[:500]]


@router.post("/suppliers/evaluations", response={201: EvaluationDetailOut, **ERRORS})
@require_perm(ADD)
def create_evaluation(request: HttpRequest, payload: EvaluationIn) -> Any:
    """Draft an evaluation from the supplier's scorecard over the period. Refused with nothing
    written: ``supplier_quality.not_a_supplier``, ``.period_invalid``, ``.period_in_future``,
    ``.nothing_to_evaluate``, ``.status_invalid``, ``.rationale_required`` (422); unknown
    supplier (404)."""

    def execute() -> tuple[int, Any]:
        ev = services.create_evaluation(
            Actor.from_request(request),
            supplier=payload.supplier_id,
            proposed_status=payload.proposed_status,
            rationale=payload.rationale,
            period_start=payload.period_start,
            period_end=payload.period_end,
        )
        return 201, detail_json(ev.pk)

    return run_idempotent(request, payload.model_dump(mode="json"), execute)


@router.get("/suppliers/evaluations/{evaluation_id}", response={200: EvaluationDetailOut, **ERRORS})
@require_perm(VIEW)
def get_evaluation(request: HttpRequest, evaluation_id: int) -> Any:
    return detail_json(evaluation_id)


@router.post(
    "/suppliers/evaluations/{evaluation_id}/approve",
    response={200: EvaluationDetailOut, **ERRORS},
)
@require_perm(APPROVE)
def approve_evaluation(request: HttpRequest, evaluation_id: int, payload: SignIn) -> Any:
    """Approve the evaluation, signed ``approved`` by someone other than its author
    (``signatures.sod_author_cannot_approve``); the supplier's status becomes the proposed
    one in the same transaction (``supplier.status.changed``). Refused: not a draft
    (``workflow.wrong_state``), wrong password or TOTP (``identity.*``)."""
    fingerprint = {"transition": "approve", "reason": payload.reason}
    if answered(request):
        return run_idempotent(request, fingerprint, replay_lost)

    def guarded(work: Any) -> Any:
        def execute() -> tuple[int, Any]:
            work()
            return 200, detail_json(evaluation_id)

        return run_idempotent(request, fingerprint, execute)

    session = getattr(request, "session", None)
    return services.approve_evaluation(
        Actor.from_request(request),
        evaluation_id,
        password=payload.password,
        totp=payload.totp,
        reason=payload.reason,
        session_key=getattr(session, "session_key", None),
        around=guarded,
    )
