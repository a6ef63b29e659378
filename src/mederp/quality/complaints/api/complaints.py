"""Complaints under /api/v1/quality/complaints: intake, reportability assessment, regulatory
report submissions, investigation, links to NCR/CAPA/recall, closing by signature, and the
reports due (the deadline dashboard's data).

Closing takes the signer's credentials in the body (``SignIn``), never a signature id (ES-04);
re-authentication runs outside the idempotency guard, and the fingerprint leaves the password
out.
"""

import datetime as dt
from typing import Annotated, Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Query, Schema
from pydantic import Field, StrictInt, StrictStr

from mederp.core import clock, signatures
from mederp.core.actors import Actor
from mederp.core.apiperms import require_perm
from mederp.core.idempotency import answered, replay_lost, run_idempotent
from mederp.core.schemas import ERRORS, Offset, SignatureOut, SignIn, StrictIn, signature_body
from mederp.quality.complaints import rules, selectors, services
from mederp.quality.complaints.api.common import router
from mederp.quality.complaints.models import Complaint, RegulatoryReport

VIEW = "complaints.view_complaint"


class ReportOut(Schema):
    id: int
    jurisdiction: str
    rule_code: str
    rule_label: str
    regulation: str
    deadline: str = Field(description='The rule\'s terms as applied: "30 calendar_days"')
    matched_rules: str
    clock_start: dt.datetime
    due_at: dt.datetime
    submitted_at: dt.datetime | None
    submitted_by: str
    authority_reference: str
    late: bool
    overdue: bool


class ComplaintOut(Schema):
    id: int
    number: str
    state: str
    received_at: dt.datetime
    received_by: str
    channel: str
    customer_code: str | None
    complainant_name: str
    complainant_address: str
    complainant_phone: str
    product_code: str
    product_name: str
    gtin: str
    udi: str
    lot: str | None
    serial: str | None
    event_date: dt.date | None
    event_country: str
    description: str
    patient_involvement: str
    reportable: bool | None
    event_classes: list[str]
    jurisdictions: list[str]
    assessment_rationale: str
    assessed_at: dt.datetime | None
    assessed_by: str
    investigation: str
    no_investigation_justification: str
    correction: str
    reply: str
    ncr_id: int | None
    ncr_number: str
    capa_id: int | None
    capa_number: str
    recall_number: str | None
    closed_at: dt.datetime | None
    closed_by: str
    version: int


class ComplaintDetailOut(ComplaintOut):
    reports: list[ReportOut]
    signatures: list[SignatureOut]


class ComplaintPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[ComplaintOut]


class ComplaintQuery(Schema):
    state: str = Field(
        default="", max_length=16, description="open, assessed, investigating, closed"
    )
    q: str = Field(default="", max_length=200, description="Number, description, product, lot, UDI")
    limit: int = Field(default=50, ge=1, le=500)
    offset: Offset = 0


def report_body(r: RegulatoryReport, now: dt.datetime) -> dict[str, Any]:
    return {
        "id": r.pk,
        "jurisdiction": r.jurisdiction,
        "rule_code": r.rule_code,
        "rule_label": r.rule_label,
        "regulation": r.regulation,
        "deadline": f"{r.deadline_amount} {r.deadline_unit}",
        "matched_rules": r.matched_rules,
        "clock_start": r.clock_start,
        "due_at": r.due_at,
        "submitted_at": r.submitted_at,
        "submitted_by": r.submitted_by_name,
        "authority_reference": r.authority_reference,
        "late": r.submitted_at is not None and r.submitted_at > r.due_at,
        "overdue": r.submitted_at is None and rules.urgency(r.due_at, now) == "overdue",
    }


def complaint_body(c: Complaint) -> dict[str, Any]:
    return {
        "id": c.pk,
        "number": c.number,
        "state": c.state,
        "received_at": c.received_at,
        "received_by": c.received_by_name,
        "channel": c.channel,
        "customer_code": c.customer.code if c.customer else None,
        "complainant_name": c.complainant_name,
        "complainant_address": c.complainant_address,
        "complainant_phone": c.complainant_phone,
        "product_code": c.product.code,
        "product_name": c.product.name_zh,
        "gtin": c.product.gtin,
        "udi": c.udi,
        "lot": c.lot.number if c.lot else None,
        "serial": c.serial.serial_number if c.serial else None,
        "event_date": c.event_date,
        "event_country": c.event_country,
        "description": c.description,
        "patient_involvement": c.patient_involvement,
        "reportable": c.reportable,
        "event_classes": list(c.event_classes or []),
        "jurisdictions": list(c.jurisdictions or []),
        "assessment_rationale": c.assessment_rationale,
        "assessed_at": c.assessed_at,
        "assessed_by": c.assessed_by_name,
        "investigation": c.investigation,
        "no_investigation_justification": c.no_investigation_justification,
        "correction": c.correction,
        "reply": c.reply,
        "ncr_id": c.ncr_id,
        "ncr_number": c.ncr_number,
        "capa_id": c.capa_id,
        "capa_number": c.capa_number,
        "recall_number": c.recall.number if c.recall else None,
        "closed_at": c.closed_at,
        "closed_by": c.closed_by_name,
        "version": c.version,
    }


def detail_json(complaint_id: int) -> dict[str, Any]:
    c = get_object_or_404(
        Complaint.objects.select_related("product", "lot", "serial", "customer", "recall"),
        pk=complaint_id,
    )
    now = clock.now()
    body = {
        **complaint_body(c),
        "reports": [report_body(r, now) for r in selectors.reports_of(c.pk)],
        "signatures": [signature_body(v) for v in signatures.signatures_for(c)],
    }
    return ComplaintDetailOut.model_validate(body).model_dump(mode="json")


@router.get("/complaints", response={200: ComplaintPage, **ERRORS})
@require_perm(VIEW)
def list_complaints(request: HttpRequest, filters: Query[ComplaintQuery]) -> Any:
    qs = selectors.complaints(state=filters.state, q=filters.q).select_related("recall")
    items = [complaint_body(c) for c in qs[filters.offset : filters.offset + filters.limit]]
    return {"count": qs.count(), "limit": filters.limit, "offset": filters.offset, "items": items}


class DueOut(Schema):
    complaint_id: int
    complaint_number: str
    product_code: str
    report: ReportOut
    hours_left: int = Field(description="Negative when overdue")


class DueQuery(Schema):
    within_days: int | None = Field(
        default=30, ge=0, le=3650, description="Due within this many days; empty: all open"
    )


@router.get("/complaints/reports-due", response={200: list[DueOut], **ERRORS})
@require_perm(VIEW)
def reports_due(request: HttpRequest, filters: Query[DueQuery]) -> Any:
    """Regulatory reports not yet submitted, soonest deadline first (overdue ones included)."""
    now = clock.now()
    return [
        {
            "complaint_id": r.complaint_id,
            "complaint_number": r.complaint.number,
            "product_code": r.complaint.product.code,
            "report": report_body(r, now),
            "hours_left": int((r.due_at - now).total_seconds() // 3600),
        }
        for r in selectors.reports_due(now, within_days=filters.within_days)
    ]


class ReceiveIn(StrictIn):
    """A complaint as taken: identify the device by product code, UDI scan, lot or serial."""

    product: str = Field(default="", max_length=32, description="Product code")
    udi: str = Field(default="", max_length=500, description="GS1 or HIBC scan of the label")
    lot: str = Field(default="", max_length=64)
    serial: str = Field(default="", max_length=64)
    received_at: dt.datetime | None = Field(
        default=None, description="When the company became aware (default: now)"
    )
    channel: str = Field(default="phone", max_length=16)
    customer: str = Field(default="", max_length=32, description="Customer partner code")
    complainant_name: str = Field(default="", max_length=200)
    complainant_address: str = Field(default="", max_length=300)
    complainant_phone: str = Field(default="", max_length=50)
    event_date: dt.date | None = None
    event_country: str = Field(default="", max_length=2)
    description: str = Field(default="", max_length=10000)
    patient_involvement: str = Field(max_length=10, description="none, involved, injury, death")


@router.post("/complaints", response={201: ComplaintDetailOut, **ERRORS})
@require_perm("complaints.add_complaint")
def receive(request: HttpRequest, payload: ReceiveIn) -> Any:
    """Receive a complaint. Refused with nothing written: ``complaints.product_missing``,
    ``complaints.lot_not_of_product``, ``complaints.udi_product_unknown``, ``barcodes.*``,
    ``complaints.event_date_in_future``, ``complaints.description_missing``."""

    def execute() -> tuple[int, Any]:
        c = services.receive_complaint(
            Actor.from_request(request),
            product_code=payload.product,
            udi=payload.udi,
            lot_number=payload.lot,
            serial_number=payload.serial,
            received_at=payload.received_at,
            channel=payload.channel,
            customer_code=payload.customer,
            complainant_name=payload.complainant_name,
            complainant_address=payload.complainant_address,
            complainant_phone=payload.complainant_phone,
            event_date=payload.event_date,
            event_country=payload.event_country,
            description=payload.description,
            patient_involvement=payload.patient_involvement,
        )
        return 201, detail_json(c.pk)

    return run_idempotent(request, payload.model_dump(mode="json"), execute)


@router.get("/complaints/{complaint_id}", response={200: ComplaintDetailOut, **ERRORS})
@require_perm(VIEW)
def get_complaint(request: HttpRequest, complaint_id: int) -> Any:
    return detail_json(complaint_id)


class AssessIn(StrictIn):
    reportable: bool
    event_classes: list[Annotated[str, Field(max_length=40)]] = Field(default=[], max_length=20)
    jurisdictions: list[Annotated[str, Field(max_length=2)]] = Field(default=[], max_length=10)
    rationale: str = Field(default="", max_length=5000)


@router.post("/complaints/{complaint_id}/assessment", response={200: ComplaintDetailOut, **ERRORS})
@require_perm("complaints.assess_complaint")
def assess(request: HttpRequest, complaint_id: int, payload: AssessIn) -> Any:
    """Decide reportability; creates one report per jurisdiction with its deadline. Refused:
    ``complaints.rationale_missing``, ``complaints.reportability_incomplete``,
    ``complaints.no_rule_matches``, ``workflow.wrong_state`` (409)."""

    def execute() -> tuple[int, Any]:
        services.assess(
            Actor.from_request(request),
            _complaint(complaint_id),
            reportable=payload.reportable,
            event_classes=payload.event_classes,
            jurisdictions=payload.jurisdictions,
            rationale=payload.rationale,
        )
        return 200, detail_json(complaint_id)

    return run_idempotent(request, payload.model_dump(mode="json"), execute)


def _complaint(complaint_id: int) -> Complaint:
    return get_object_or_404(Complaint, pk=complaint_id)


class SubmissionIn(StrictIn):
    authority_reference: str = Field(default="", max_length=100)
    submitted_at: dt.datetime | None = Field(default=None, description="Default: now")


@router.post(
    "/complaints/{complaint_id}/reports/{report_id}/submission",
    response={200: ComplaintDetailOut, **ERRORS},
)
@require_perm("complaints.submit_report")
def submit_report(
    request: HttpRequest, complaint_id: int, report_id: int, payload: SubmissionIn
) -> Any:
    """Record a report's submission to its authority. Refused: ``complaints.report_unknown``
    (404), ``complaints.report_already_submitted`` (409)."""

    def execute() -> tuple[int, Any]:
        services.record_submission(
            Actor.from_request(request),
            _complaint(complaint_id),
            report_id,
            authority_reference=payload.authority_reference,
            submitted_at=payload.submitted_at,
        )
        return 200, detail_json(complaint_id)

    return run_idempotent(request, payload.model_dump(mode="json"), execute)


class InvestigationIn(StrictIn):
    investigation: str | None = Field(default=None, max_length=20000)
    no_investigation_justification: str | None = Field(default=None, max_length=5000)
    correction: str | None = Field(default=None, max_length=5000)
    reply: str | None = Field(default=None, max_length=5000)
    reason: str = Field(default="", max_length=2000)


@router.post(
    "/complaints/{complaint_id}/investigation", response={200: ComplaintDetailOut, **ERRORS}
)
@require_perm("complaints.investigate_complaint")
def investigate(request: HttpRequest, complaint_id: int, payload: InvestigationIn) -> Any:
    """Record the investigation (or why none), the correction and the reply; omitted fields
    stay. Refused before the assessment (``complaints.not_assessed``, 409)."""

    def execute() -> tuple[int, Any]:
        services.record_investigation(
            Actor.from_request(request),
            _complaint(complaint_id),
            investigation=payload.investigation,
            no_investigation_justification=payload.no_investigation_justification,
            correction=payload.correction,
            reply=payload.reply,
            reason=payload.reason,
        )
        return 200, detail_json(complaint_id)

    return run_idempotent(request, payload.model_dump(mode="json"), execute)


Exact = Annotated[
    StrictStr | StrictInt,
    Field(description='An exact decimal as a string ("2") or an integer; never a float'),
]


class NcrIn(StrictIn):
    quantity: Exact | None = Field(
        default=None,
        description="Our stock of the complaint's lot to hold under the NCR; omit to name the "
        "product only",
    )
    description: str = Field(default="", max_length=5000)


@router.post("/complaints/{complaint_id}/ncr", response={200: ComplaintDetailOut, **ERRORS})
@require_perm("complaints.link_complaint")
def open_ncr(request: HttpRequest, complaint_id: int, payload: NcrIn) -> Any:
    """Open an NCR (source ``complaint``) for the complained-about lot or serial, and link it.
    Refused: ``complaints.already_linked`` (409)."""

    def execute() -> tuple[int, Any]:
        services.open_ncr_for(
            Actor.from_request(request),
            _complaint(complaint_id),
            quantity=payload.quantity,
            description=payload.description,
        )
        return 200, detail_json(complaint_id)

    return run_idempotent(request, payload.model_dump(mode="json"), execute)


class CapaIn(StrictIn):
    title: str = Field(max_length=200)
    problem: str = Field(default="", max_length=5000)
    due_date: dt.date | None = None


@router.post("/complaints/{complaint_id}/capa", response={200: ComplaintDetailOut, **ERRORS})
@require_perm("complaints.link_complaint")
def open_capa(request: HttpRequest, complaint_id: int, payload: CapaIn) -> Any:
    """Open a CAPA linked to the complaint (and its NCR), and link it back."""

    def execute() -> tuple[int, Any]:
        services.open_capa_for(
            Actor.from_request(request),
            _complaint(complaint_id),
            title=payload.title,
            problem=payload.problem,
            due_date=payload.due_date,
        )
        return 200, detail_json(complaint_id)

    return run_idempotent(request, payload.model_dump(mode="json"), execute)


class RecallLinkIn(StrictIn):
    recall: str = Field(max_length=32, description="The recall's number (RC-YYYY-NNNNN)")


@router.post("/complaints/{complaint_id}/recall", response={200: ComplaintDetailOut, **ERRORS})
@require_perm("complaints.link_complaint")
def link_recall(request: HttpRequest, complaint_id: int, payload: RecallLinkIn) -> Any:
    """Link a recall by its number. Refused: ``complaints.recall_unknown`` (404)."""

    def execute() -> tuple[int, Any]:
        services.link_recall(
            Actor.from_request(request), _complaint(complaint_id), recall_number=payload.recall
        )
        return 200, detail_json(complaint_id)

    return run_idempotent(request, payload.model_dump(mode="json"), execute)


@router.post("/complaints/{complaint_id}/close", response={200: ComplaintDetailOut, **ERRORS})
@require_perm("complaints.close_complaint")
def close(request: HttpRequest, complaint_id: int, payload: SignIn) -> Any:
    """Close the complaint, signed ``closed``, the reason being the closing summary. Refused:
    ``complaints.reports_outstanding`` (409), ``complaints.investigation_missing``,
    ``workflow.wrong_state`` (409), wrong credentials (``identity.*``)."""
    fingerprint = {"transition": "close", "reason": payload.reason}
    if answered(request):
        return run_idempotent(request, fingerprint, replay_lost)

    def guarded(work: Any) -> Any:
        def execute() -> tuple[int, Any]:
            work()
            return 200, detail_json(complaint_id)

        return run_idempotent(request, fingerprint, execute)

    return services.close_complaint(
        Actor.from_request(request),
        _complaint(complaint_id),
        password=payload.password,
        totp=payload.totp,
        reason=payload.reason,
        session_key=getattr(getattr(request, "session", None), "session_key", None),
        around=guarded,
    )
