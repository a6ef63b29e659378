"""Purchase order endpoints: drafts with lines, the signed approval workflow, the gates that
block it (invariant 6: each problem names the document or product)."""

import datetime as dt
from typing import Any, ClassVar, Literal

from django.http import HttpRequest
from ninja import Query, Schema
from pydantic import Field, StrictInt, StrictStr, ValidationInfo, field_validator

from mederp.core.actors import Actor
from mederp.core.apiperms import require_perm
from mederp.core.errors import NotFound
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
from mederp.procurement import approval, gates, rules, selectors, services
from mederp.procurement.api.common import Exact, Guard, already_answered, decimal_text, router
from mederp.procurement.models import PurchaseOrder, PurchaseOrderLine

State = Literal["draft", "submitted", "approved", "partially_received", "received", "cancelled"]
Ref = StrictStr | StrictInt


class OrderLineIn(StrictIn):
    product: Ref = Field(description="Product code or id")
    quantity: Exact
    unit_price: Exact


class PurchaseOrderIn(StrictIn):
    supplier: Ref = Field(description="Supplier partner code or id")
    market: str = Field(default="CN", max_length=4, description="Whose registration must be valid")
    currency: str = Field(default="CNY", max_length=8)
    expected_date: dt.date | None = None
    notes: str = Field(default="", max_length=4000)
    lines: list[OrderLineIn] = Field(default_factory=list, max_length=500)


class _Patch(StrictIn):
    """Absent fields stay as they are; null only where a field may be empty."""

    nullable: ClassVar[frozenset[str]] = frozenset({"expected_version"})

    @field_validator("*", mode="before")
    @classmethod
    def _refuse_null(cls, value: Any, info: ValidationInfo) -> Any:
        if value is None and info.field_name not in cls.nullable:
            raise ValueError("may not be null")
        return value


class OrderPatch(_Patch):
    nullable = frozenset({"expected_version", "expected_date"})

    reason: str = Field(min_length=1, max_length=2000)
    expected_version: int | None = None
    supplier: Ref | None = None
    market: str | None = Field(default=None, max_length=4)
    currency: str | None = Field(default=None, max_length=8)
    expected_date: dt.date | None = None
    notes: str | None = Field(default=None, max_length=4000)


class LinePatch(_Patch):
    reason: str = Field(min_length=1, max_length=2000)
    expected_version: int | None = None
    product: Ref | None = None
    quantity: Exact | None = None
    unit_price: Exact | None = None


class PurchaseOrderReasonIn(StrictIn):
    reason: str = Field(min_length=1, max_length=2000)


class PurchaseOrderQuery(Schema):
    q: str = Field(default="", max_length=200)
    state: State | None = None
    supplier_id: int | None = None
    limit: int = Field(default=50, ge=1, le=500)
    offset: Offset = 0


class OrderLineOut(Schema):
    id: int
    line_no: int
    product_id: int
    product_code: str
    product_name: str
    gtin: str
    quantity: str
    unit_price: str
    accepted_quantity: str
    rejected_quantity: str
    open_quantity: str
    version: int


class PurchaseOrderOut(Schema):
    id: int
    number: str
    supplier_id: int
    supplier_code: str
    supplier_name: str
    market: str
    currency: str
    expected_date: dt.date | None
    notes: str
    state: str
    created_at: dt.datetime
    total: str
    version: int


class PurchaseOrderProblemOut(Schema):
    code: str
    message: str
    details: dict[str, Any]


class ReceiptRefOut(Schema):
    id: int
    number: str
    received_at: dt.datetime


class PurchaseOrderDetailOut(PurchaseOrderOut):
    lines: list[OrderLineOut]
    approved: bool = Field(description="Approved, and the signature covers the current content")
    signatures: list[SignatureOut]
    gate_problems: list[PurchaseOrderProblemOut] = Field(
        description="What blocks submission or approval now (drafts and submitted orders)"
    )
    gate_warnings: list[PurchaseOrderProblemOut] = Field(
        description="What does not block but the buyer should know: a conditional supplier"
    )
    receipts: list[ReceiptRefOut]


class PurchaseOrderPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[PurchaseOrderOut]


def _line(line: PurchaseOrderLine) -> dict[str, Any]:
    return {
        "id": line.pk,
        "line_no": line.line_no,
        "product_id": line.product_id,
        "product_code": line.product.code,
        "product_name": line.product.name_zh,
        "gtin": line.product.gtin,
        "quantity": decimal_text(line.quantity),
        "unit_price": decimal_text(line.unit_price),
        "accepted_quantity": decimal_text(line.accepted_quantity),
        "rejected_quantity": decimal_text(line.rejected_quantity),
        "open_quantity": decimal_text(rules.open_quantity(line.quantity, line.accepted_quantity)),
        "version": line.version,
    }


def _order(order: PurchaseOrder, lines: list[PurchaseOrderLine] | None = None) -> dict[str, Any]:
    lines = lines if lines is not None else list(order.lines.select_related("product"))
    return {
        "id": order.pk,
        "number": order.number,
        "supplier_id": order.supplier_id,
        "supplier_code": order.supplier.code,
        "supplier_name": order.supplier.name,
        "market": order.market,
        "currency": order.currency,
        "expected_date": order.expected_date,
        "notes": order.notes,
        "state": order.state,
        "created_at": order.created_at,
        "total": decimal_text(selectors.order_total(lines)),
        "version": order.version,
    }


def order_detail(order_id: int) -> dict[str, Any]:
    order = selectors.order_with_lines(order_id)
    if order is None:
        raise NotFound(record_type="PurchaseOrder", record_id=order_id)
    lines = list(order.lines.all())
    approval_ = selectors.approval_of(order)
    data = dict(
        **_order(order, lines),
        lines=[_line(line) for line in lines],
        approved=approval_.approved,
        signatures=[signature_body(v) for v in approval_.signatures],
        gate_problems=[
            {"code": p.code, "message": p.render_message(), "details": _safe(p.details)}
            for p in selectors.gate_problems(order)
        ],
        gate_warnings=[
            {"code": w.code, "message": w.render_message(), "details": _safe(w.details)}
            for w in gates.supplier_warnings(order.supplier)
        ],
        receipts=[
            {"id": r.pk, "number": r.number, "received_at": r.received_at}
            for r in order.receipts.order_by("id")
        ],
    )
    return PurchaseOrderDetailOut.model_validate(data).model_dump(mode="json")


def _safe(details: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in details.items() if k != "problems"}


@router.get("/orders", response={200: PurchaseOrderPage, **ERRORS})
@require_perm("procurement.view_purchaseorder")
def list_orders(request: HttpRequest, filters: Query[PurchaseOrderQuery]) -> Any:
    """Purchase orders by number or supplier, state and supplier; newest first."""
    qs = selectors.orders_matching(
        filters.q, state=filters.state or "", supplier_id=filters.supplier_id
    )
    page = list(qs.prefetch_related("lines")[filters.offset : filters.offset + filters.limit])
    return {
        "count": qs.count(),
        "limit": filters.limit,
        "offset": filters.offset,
        "items": [_order(o, list(o.lines.all())) for o in page],
    }


@router.post("/orders", response={201: PurchaseOrderDetailOut, **ERRORS})
@require_perm("procurement.add_purchaseorder")
def create_order(request: HttpRequest, payload: PurchaseOrderIn) -> Any:
    """Create a draft order with its lines (idempotent). Gates are judged at submission."""

    def execute() -> tuple[int, Any]:
        data = payload.model_dump()
        order = services.create_order(Actor.from_request(request), **data)
        return 201, order_detail(order.pk)

    return run_idempotent(request, payload.model_dump(mode="json"), execute)


@router.get("/orders/{order_id}", response={200: PurchaseOrderDetailOut, **ERRORS})
@require_perm("procurement.view_purchaseorder")
def get_order(request: HttpRequest, order_id: int) -> Any:
    """An order with its lines, quantities received, signatures (each valid or not), what
    blocks it now, and its receipts."""
    return order_detail(order_id)


@router.patch("/orders/{order_id}", response={200: PurchaseOrderDetailOut, **ERRORS})
@require_perm("procurement.change_purchaseorder")
def change_order(request: HttpRequest, order_id: int, payload: OrderPatch) -> Any:
    """Change a draft's header; ``reason`` is required (AT-04)."""
    data = payload.model_dump(exclude_unset=True)
    services.change_order(Actor.from_request(request), order_id, **data)
    return order_detail(order_id)


@router.post("/orders/{order_id}/lines", response={201: OrderLineOut, **ERRORS})
@require_perm("procurement.change_purchaseorder")
def add_line(request: HttpRequest, order_id: int, payload: OrderLineIn) -> Any:
    """Add a line to a draft (idempotent)."""

    def execute() -> tuple[int, Any]:
        line = services.add_line(Actor.from_request(request), order_id, **payload.model_dump())
        return 201, _line(line)

    return run_idempotent(request, payload.model_dump(mode="json"), execute)


@router.patch("/lines/{line_id}", response={200: OrderLineOut, **ERRORS})
@require_perm("procurement.change_purchaseorder")
def change_line(request: HttpRequest, line_id: int, payload: LinePatch) -> Any:
    """Change a draft line's product, quantity or price; ``reason`` is required (AT-04)."""
    data = payload.model_dump(exclude_unset=True)
    return _line(services.change_line(Actor.from_request(request), line_id, **data))


@router.post("/lines/{line_id}/remove", response={200: PurchaseOrderDetailOut, **ERRORS})
@require_perm("procurement.change_purchaseorder")
def remove_line(request: HttpRequest, line_id: int, payload: PurchaseOrderReasonIn) -> Any:
    """Remove a line from a draft; ``reason`` is required (AT-04)."""

    def execute() -> tuple[int, Any]:
        order = services.remove_line(Actor.from_request(request), line_id, reason=payload.reason)
        return 200, order_detail(order.pk)

    return run_idempotent(request, {"remove": line_id, **payload.model_dump()}, execute)


def _transition(
    request: HttpRequest, order_id: int, name: str, payload: SignIn | TransitionIn, guard: Guard
) -> Any:
    """Re-authenticate (signed steps), then run the step inside the handler's idempotency
    ``guard``; a retry with the same key replays the first answer without signing again."""
    reason = payload.reason
    fingerprint = {"transition": name, "reason": reason}
    if answered(request):
        return guard(fingerprint, already_answered)

    def guarded(work: Any) -> Any:
        def execute() -> tuple[int, Any]:
            return 200, order_detail(work().pk)

        return guard(fingerprint, execute)

    session = getattr(request, "session", None)
    return services.transition_order(
        Actor.from_request(request),
        order_id,
        name,
        reason=reason,
        password=getattr(payload, "password", None),
        totp=getattr(payload, "totp", None),
        session_key=getattr(session, "session_key", None),
        around=guarded,
    )


@router.post("/orders/{order_id}/submit", response={200: PurchaseOrderDetailOut, **ERRORS})
@require_perm("procurement.change_purchaseorder")
def submit_order(request: HttpRequest, order_id: int, payload: TransitionIn) -> Any:
    """Send a draft to approval. Refused (409) with the blocking document or product named
    when a gate fails: supplier qualification, licence scope and validity, product approval,
    registration certificate for the order's market."""
    return _transition(
        request, order_id, approval.SUBMIT, payload, lambda b, e: run_idempotent(request, b, e)
    )


@router.post("/orders/{order_id}/approve", response={200: PurchaseOrderDetailOut, **ERRORS})
@require_perm("procurement.approve_purchaseorder")
def approve_order(request: HttpRequest, order_id: int, payload: SignIn) -> Any:
    """Approve a submitted order with an electronic signature (meaning "approved"); whoever
    created or changed it may not (403 ``signatures.sod_author_cannot_approve``)."""
    return _transition(
        request, order_id, approval.APPROVE, payload, lambda b, e: run_idempotent(request, b, e)
    )


@router.post("/orders/{order_id}/reject", response={200: PurchaseOrderDetailOut, **ERRORS})
@require_perm("procurement.approve_purchaseorder")
def reject_order(request: HttpRequest, order_id: int, payload: SignIn) -> Any:
    """Send a submitted order back to draft, signed "rejected"; ``reason`` is required."""
    return _transition(
        request, order_id, approval.REJECT, payload, lambda b, e: run_idempotent(request, b, e)
    )


@router.post("/orders/{order_id}/cancel", response={200: PurchaseOrderDetailOut, **ERRORS})
@require_perm("procurement.change_purchaseorder")
def cancel_order(request: HttpRequest, order_id: int, payload: TransitionIn) -> Any:
    """Cancel an order nothing was received on; ``reason`` is required."""
    return _transition(
        request, order_id, approval.CANCEL, payload, lambda b, e: run_idempotent(request, b, e)
    )
