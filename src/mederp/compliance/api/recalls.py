"""Recalls under /api/v1/compliance/recalls (RC-01..RC-06): open by signature, the affected lots
and the consignee list, tracking per line, close by another person's signature, and the list as
CSV, XLSX or PDF.

Opening and closing take the signer's credentials in the body (``SignIn``), never a signature id
(ES-04); re-authentication runs outside the idempotency guard, so a refused password leaves its
security-log record, and a retried request with the same Idempotency-Key replays the first
answer. The fingerprint holds the request without the password.
"""

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from ninja import Query, Schema
from pydantic import Field, StrictInt, StrictStr

from mederp.compliance import recall_exports, recall_rules, recall_selectors, services
from mederp.compliance.api.common import router
from mederp.compliance.models import Recall, RecallItem, RecallLine
from mederp.core import signatures
from mederp.core.actors import Actor
from mederp.core.apiperms import require_perm
from mederp.core.idempotency import answered, replay_lost, run_idempotent, session_key
from mederp.core.schemas import ERRORS, Offset, SignatureOut, SignIn, StrictIn, signature_body
from mederp.inventory.rules import normal

VIEW = "compliance.view_recall"
OPEN = "compliance.open_recall"
TRACK = "compliance.track_recall"
CLOSE = "compliance.close_recall"

Exact = Annotated[
    StrictStr | StrictInt,
    Field(description='An exact decimal as a string ("12.5") or an integer; never a float'),
]


def _qty(value: Decimal | None) -> str | None:
    return None if value is None else f"{normal(value):f}"


class ScopeOut(Schema):
    kind: str
    number: str
    product_code: str


class EffectivenessOut(Schema):
    accounted: str = Field(
        description="Returned before and since the recall, plus otherwise accounted for"
    )
    shipped: str
    ratio: str | None = Field(
        description="accounted / shipped, four places; null when nothing shipped"
    )


class RecallOut(Schema):
    id: int
    number: str
    classification: str = Field(description='"I", "II" or "III" (一级、二级、三级)')
    class_label: str
    reason: str
    products_summary: str
    scope_summary: str
    state: str
    decision_date: dt.date
    notification_deadline: dt.date
    opened_at: dt.datetime
    opened_by: str
    affected_lots: int
    affected_serials: int
    on_hand_quantity: str
    line_count: int
    consignee_count: int
    shipped_quantity: str
    closed_at: dt.datetime | None
    closed_by: str
    close_reason: str
    accounted_quantity: str | None
    effectiveness: str | None
    version: int


class RecallDetailOut(RecallOut):
    scope: list[ScopeOut]
    signatures: list[SignatureOut]
    effectiveness_now: EffectivenessOut


class RecallPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[RecallOut]


class RecallQuery(Schema):
    state: str = Field(default="", max_length=8, description='"open" or "closed"')
    q: str = Field(default="", max_length=200, description="Number, reason, lot or product")
    limit: int = Field(default=50, ge=1, le=500)
    offset: Offset = 0


def recall_body(r: Recall) -> dict[str, Any]:
    return {
        "id": r.pk,
        "number": r.number,
        "classification": r.classification,
        "class_label": recall_rules.class_label(r.classification),
        "reason": r.reason,
        "products_summary": r.products_summary,
        "scope_summary": r.scope_summary,
        "state": r.state,
        "decision_date": r.decision_date,
        "notification_deadline": r.notification_deadline,
        "opened_at": r.opened_at,
        "opened_by": r.opened_by_name,
        "affected_lots": r.affected_lots,
        "affected_serials": r.affected_serials,
        "on_hand_quantity": _qty(r.on_hand_quantity),
        "line_count": r.line_count,
        "consignee_count": r.consignee_count,
        "shipped_quantity": _qty(r.shipped_quantity),
        "closed_at": r.closed_at,
        "closed_by": r.closed_by_name,
        "close_reason": r.close_reason,
        "accounted_quantity": _qty(r.accounted_quantity),
        "effectiveness": None if r.effectiveness is None else str(r.effectiveness),
        "version": r.version,
    }


def detail_json(recall_id: int) -> dict[str, Any]:
    r = get_object_or_404(Recall, pk=recall_id)
    accounted, shipped, ratio = services.effectiveness(r)
    body = {
        **recall_body(r),
        "scope": [
            {"kind": s.kind, "number": s.number, "product_code": s.product.code}
            for s in r.scope.select_related("product").order_by("id")
        ],
        "signatures": [signature_body(v) for v in signatures.signatures_for(r)],
        "effectiveness_now": {
            "accounted": _qty(accounted),
            "shipped": _qty(shipped),
            "ratio": None if ratio is None else str(ratio),
        },
    }
    return RecallDetailOut.model_validate(body).model_dump(mode="json")


@router.get("/recalls", response={200: RecallPage, **ERRORS})
@require_perm(VIEW)
def list_recalls(request: HttpRequest, filters: Query[RecallQuery]) -> Any:
    qs = recall_selectors.recalls(state=filters.state, q=filters.q)
    items = [recall_body(r) for r in qs[filters.offset : filters.offset + filters.limit]]
    return {"count": qs.count(), "limit": filters.limit, "offset": filters.offset, "items": items}


class RecallOpenIn(SignIn):
    """The recall decision and the opener's credentials (the reason is the recall's reason)."""

    lots: list[Annotated[str, Field(min_length=1, max_length=500)]] = Field(
        max_length=1000,
        description="Lot numbers, serial numbers or GS1/HIBC scans of what is recalled",
    )
    product: str = Field(
        default="", max_length=32, description="Product code, when several products share a number"
    )
    classification: str = Field(max_length=8, description='"I", "II" or "III"')
    decision_date: dt.date | None = Field(default=None, description="Default: today")


@router.post("/recalls", response={201: RecallDetailOut, **ERRORS})
@require_perm(OPEN)
def open_recall(request: HttpRequest, payload: RecallOpenIn) -> Any:
    """Open a recall, signed ``opened``: every named lot and serial and everything made from
    them is set ``recalled`` at once, and every consignee they reached is listed. Refused
    with nothing written: ``compliance.unknown_lot`` (404), ``compliance.ambiguous_lot``,
    ``compliance.already_recalled`` (409), ``compliance.recall_class_unknown``,
    ``compliance.recall_reason_missing``, a wrong password or TOTP (``identity.*``)."""
    fingerprint = payload.model_dump(mode="json", exclude={"password", "totp"})
    if answered(request):
        return run_idempotent(request, fingerprint, replay_lost)

    def guarded(work: Any) -> Any:
        def execute() -> tuple[int, Any]:
            recall = work()
            return 201, detail_json(recall.pk)

        return run_idempotent(request, fingerprint, execute)

    return services.open_recall(
        Actor.from_request(request),
        references=payload.lots,
        product_code=payload.product or None,
        classification=payload.classification,
        reason=payload.reason,
        decision_date=payload.decision_date,
        password=payload.password,
        totp=payload.totp,
        session_key=session_key(request),
        around=guarded,
    )


@router.get("/recalls/{recall_id}", response={200: RecallDetailOut, **ERRORS})
@require_perm(VIEW)
def get_recall(request: HttpRequest, recall_id: int) -> Any:
    return detail_json(recall_id)


class RecallItemOut(Schema):
    kind: str
    id: int = Field(description="The lot's or serial's id")
    number: str
    product_code: str
    previous_status: str
    on_hand: str = Field(description="Stock on hand when the recall opened")
    depth: int = Field(description="Work orders between it and what the recall names")


@router.get("/recalls/{recall_id}/items", response={200: list[RecallItemOut], **ERRORS})
@require_perm(VIEW)
def list_items(request: HttpRequest, recall_id: int) -> Any:
    """Every lot and serial the recall holds: the named ones and everything made from them."""
    get_object_or_404(Recall, pk=recall_id)
    return [_item_body(i) for i in recall_selectors.items(recall_id)]


def _item_body(i: RecallItem) -> dict[str, Any]:
    return {
        "kind": i.kind,
        "id": i.node_id,
        "number": i.number,
        "product_code": i.product.code,
        "previous_status": i.previous_status,
        "on_hand": _qty(i.on_hand),
        "depth": i.depth,
    }


class RecallLineOut(Schema):
    id: int
    record_id: int
    consignee_code: str
    consignee_name: str
    consignee_address: str
    consignee_contact: str
    consignee_phone: str
    consignee_email: str
    product_code: str
    product_name: str
    specification: str
    gtin: str
    udi: str
    lot_number: str
    serial_number: str
    expiry_date: dt.date | None
    quantity: str
    previously_returned: str
    shipped_on: dt.date
    shipment_number: str
    order_number: str
    notified_at: dt.datetime | None
    notified_via: str
    notified_by: str
    acknowledged_at: dt.datetime | None
    quantity_returned: str
    quantity_accounted: str
    disposition: str
    notes: str
    version: int


class LinePage(Schema):
    count: int
    limit: int
    offset: int
    items: list[RecallLineOut]


class LineQuery(Schema):
    consignee: str = Field(default="", max_length=32, description="A consignee code")
    pending: bool = Field(default=False, description="Only lines not notified yet")
    limit: int = Field(default=100, ge=1, le=1000)
    offset: Offset = 0


def line_body(line: RecallLine) -> dict[str, Any]:
    return {
        "id": line.pk,
        "record_id": line.record_id,
        "consignee_code": line.consignee_code,
        "consignee_name": line.consignee_name,
        "consignee_address": line.consignee_address,
        "consignee_contact": line.consignee_contact,
        "consignee_phone": line.consignee_phone,
        "consignee_email": line.consignee_email,
        "product_code": line.product_code,
        "product_name": line.product_name,
        "specification": line.specification,
        "gtin": line.gtin,
        "udi": recall_rules.udi_text(
            line.gtin, lot=line.lot_number, serial=line.serial_number, expiry=line.expiry_date
        ),
        "lot_number": line.lot_number,
        "serial_number": line.serial_number,
        "expiry_date": line.expiry_date,
        "quantity": _qty(line.quantity),
        "previously_returned": _qty(line.previously_returned),
        "shipped_on": line.shipped_on,
        "shipment_number": line.shipment_number,
        "order_number": line.order_number,
        "notified_at": line.notified_at,
        "notified_via": line.notified_via,
        "notified_by": line.notified_by_name,
        "acknowledged_at": line.acknowledged_at,
        "quantity_returned": _qty(line.quantity_returned),
        "quantity_accounted": _qty(line.quantity_accounted),
        "disposition": line.disposition,
        "notes": line.notes,
        "version": line.version,
    }


def _lines_json(lines: list[RecallLine]) -> list[dict[str, Any]]:
    return [RecallLineOut.model_validate(line_body(x)).model_dump(mode="json") for x in lines]


@router.get("/recalls/{recall_id}/lines", response={200: LinePage, **ERRORS})
@require_perm(VIEW)
def list_lines(request: HttpRequest, recall_id: int, filters: Query[LineQuery]) -> Any:
    """The consignee list (RC-04), by consignee then ship date."""
    get_object_or_404(Recall, pk=recall_id)
    qs = recall_selectors.lines(recall_id, consignee=filters.consignee, pending=filters.pending)
    items = [line_body(x) for x in qs[filters.offset : filters.offset + filters.limit]]
    return {"count": qs.count(), "limit": filters.limit, "offset": filters.offset, "items": items}


class NotifyIn(StrictIn):
    line_ids: list[int] = Field(min_length=1, max_length=5000)
    via: str = Field(max_length=8, description="phone, email, letter, visit or other")
    notified_at: dt.datetime | None = Field(default=None, description="Default: now")
    notes: str = Field(default="", max_length=2000)


class AcknowledgeIn(StrictIn):
    line_ids: list[int] = Field(min_length=1, max_length=5000)
    acknowledged_at: dt.datetime | None = Field(default=None, description="Default: now")
    notes: str = Field(default="", max_length=2000)


class AccountIn(StrictIn):
    quantity_returned: Exact = Field(description="Returned since the recall opened, in total")
    quantity_accounted: Exact = Field(
        description="Otherwise accounted for (destroyed, corrected, used up), in total"
    )
    disposition: str = Field(default="", max_length=12)
    notes: str = Field(default="", max_length=2000)


class LinesOut(Schema):
    items: list[RecallLineOut]


@router.post("/recalls/{recall_id}/notifications", response={200: LinesOut, **ERRORS})
@require_perm(TRACK)
def notify(request: HttpRequest, recall_id: int, payload: NotifyIn) -> Any:
    """Record that the consignee of these lines was notified (RC-02). Refused:
    ``compliance.recall_closed``, ``compliance.recall_line_unknown``,
    ``compliance.notification_method_unknown``."""

    def execute() -> tuple[int, Any]:
        done = services.record_notification(
            Actor.from_request(request),
            payload.line_ids,
            via=payload.via,
            notified_at=payload.notified_at,
            notes=payload.notes,
            recall_id=recall_id,
        )
        return 200, {"items": _lines_json(done)}

    return run_idempotent(request, payload.model_dump(mode="json"), execute)


@router.post("/recalls/{recall_id}/acknowledgements", response={200: LinesOut, **ERRORS})
@require_perm(TRACK)
def acknowledge(request: HttpRequest, recall_id: int, payload: AcknowledgeIn) -> Any:
    """Record the consignee's acknowledgement. Refused before the notice
    (``compliance.recall_line_not_notified``)."""

    def execute() -> tuple[int, Any]:
        done = services.record_acknowledgement(
            Actor.from_request(request),
            payload.line_ids,
            acknowledged_at=payload.acknowledged_at,
            notes=payload.notes,
            recall_id=recall_id,
        )
        return 200, {"items": _lines_json(done)}

    return run_idempotent(request, payload.model_dump(mode="json"), execute)


@router.post(
    "/recalls/{recall_id}/lines/{line_id}/account", response={200: RecallLineOut, **ERRORS}
)
@require_perm(TRACK)
def account(request: HttpRequest, recall_id: int, line_id: int, payload: AccountIn) -> Any:
    """What of the line came back or was otherwise accounted for, as totals (RC-06). Refused:
    ``compliance.recall_quantity_exceeds_shipped``, ``compliance.recall_quantity_invalid``."""

    def execute() -> tuple[int, Any]:
        done = services.record_accounted(
            Actor.from_request(request),
            line_id,
            quantity_returned=payload.quantity_returned,
            quantity_accounted=payload.quantity_accounted,
            disposition=payload.disposition,
            notes=payload.notes,
            recall_id=recall_id,
        )
        return 200, _lines_json([done])[0]

    return run_idempotent(request, payload.model_dump(mode="json"), execute)


@router.post("/recalls/{recall_id}/close", response={200: RecallDetailOut, **ERRORS})
@require_perm(CLOSE)
def close(request: HttpRequest, recall_id: int, payload: SignIn) -> Any:
    """Close the recall, signed ``closed`` by someone other than the opener
    (``signatures.sod_distinct_signers``), the reason being the closing assessment; refused
    while a consignee is not notified (``compliance.recall_not_notified``)."""
    fingerprint = {"transition": "close", "reason": payload.reason}
    if answered(request):
        return run_idempotent(request, fingerprint, replay_lost)

    def guarded(work: Any) -> Any:
        def execute() -> tuple[int, Any]:
            work()
            return 200, detail_json(recall_id)

        return run_idempotent(request, fingerprint, execute)

    return services.close_recall(
        Actor.from_request(request),
        recall_id,
        password=payload.password,
        totp=payload.totp,
        reason=payload.reason,
        session_key=session_key(request),
        around=guarded,
    )


def _file(recall: Recall, data: bytes, content_type: str, extension: str) -> HttpResponse:
    response = HttpResponse(data, content_type=content_type)
    name = recall_exports.filename(recall, extension)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


_FILE = {200: None, **ERRORS}


@router.get("/recalls/{recall_id}/list.csv", response=_FILE)
@require_perm(VIEW)
def list_csv(request: HttpRequest, recall_id: int) -> Any:
    """The recall list as CSV (UTF-8 with BOM; bilingual headers; the facts first)."""
    recall = get_object_or_404(Recall, pk=recall_id)
    return _file(recall, recall_exports.to_csv(recall), recall_exports.CSV_TYPE, "csv")


@router.get("/recalls/{recall_id}/list.xlsx", response=_FILE)
@require_perm(VIEW)
def list_xlsx(request: HttpRequest, recall_id: int) -> Any:
    """The recall list as an XLSX workbook: the facts, and the consignee list."""
    recall = get_object_or_404(Recall, pk=recall_id)
    return _file(recall, recall_exports.to_xlsx(recall), recall_exports.XLSX_TYPE, "xlsx")


@router.get("/recalls/{recall_id}/list.pdf", response=_FILE)
@require_perm(VIEW)
def list_pdf(request: HttpRequest, recall_id: int) -> Any:
    """The recall list as PDF, with the signatures' manifestations (11.50(b))."""
    recall = get_object_or_404(Recall, pk=recall_id)
    return _file(recall, recall_exports.to_pdf(recall), recall_exports.PDF_TYPE, "pdf")
