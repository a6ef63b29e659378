"""Bill-of-materials endpoints: versions with their components, edited while drafts, approved
and retired by electronic signature, and the version in effect on a day (ISO 13485 §7.5.1;
CM-01, CM-05; ES-04, ES-11, ES-12).

Quantities per unit are exact: a string ("0.125") or an integer; a JSON float is refused (422),
never rounded. Signed steps take the signer's credentials (``SignIn``), never a signature id.
"""

import datetime as dt
from collections.abc import Callable
from typing import Annotated, Any, ClassVar, Literal

from django.http import HttpRequest
from ninja import Query, Schema
from pydantic import Field, StrictInt, StrictStr, ValidationInfo, field_validator

from mederp.catalog import bom_approval, bom_rules, bom_selectors, selectors, services
from mederp.catalog.api.common import StrictIn, router
from mederp.catalog.errors import BomNotInEffect
from mederp.catalog.models import BillOfMaterials, BomComponent, BomState, Product
from mederp.core.actors import Actor
from mederp.core.apiperms import require_perm
from mederp.core.errors import Conflict, NotFound
from mederp.core.idempotency import answered, run_idempotent
from mederp.core.schemas import ERRORS, Offset, SignatureOut, SignIn, TransitionIn, signature_body

State = Literal["draft", "approved", "obsolete"]
Exact = Annotated[
    StrictStr | StrictInt,
    Field(description='An exact decimal as a string ("0.125") or an integer; never a float'),
]


class BomIn(StrictIn):
    product_id: int = Field(description="The finished device (a lot- or serial-tracked device)")
    effective_from: dt.date | None = Field(
        default=None, description="The day it takes effect once approved (today or later)"
    )
    notes: str = Field(default="", max_length=4000)
    copy_from_id: int | None = Field(
        default=None, description="Copy the components of an earlier version of the product"
    )


class _Patch(StrictIn):
    """Absent fields stay as they are; null only where a field may be empty."""

    nullable: ClassVar[frozenset[str]] = frozenset({"expected_version"})

    @field_validator("*", mode="before")
    @classmethod
    def _refuse_null(cls, value: Any, info: ValidationInfo) -> Any:
        if value is None and info.field_name not in cls.nullable:
            raise ValueError("may not be null")
        return value


class BomPatch(_Patch):
    nullable = frozenset({"expected_version", "effective_from"})

    reason: str = Field(min_length=1, max_length=2000)
    expected_version: int | None = None
    effective_from: dt.date | None = Field(default=None, description="null clears it")
    notes: str | None = Field(default=None, max_length=4000)


class ComponentIn(StrictIn):
    component_id: int
    quantity_per_unit: Exact
    uom_id: int | None = Field(default=None, description="The component's own unit by default")
    notes: str = Field(default="", max_length=200)


class ComponentPatch(_Patch):
    reason: str = Field(min_length=1, max_length=2000)
    expected_version: int | None = None
    component_id: int | None = None
    quantity_per_unit: Exact | None = None
    uom_id: int | None = None
    notes: str | None = Field(default=None, max_length=200)


class BomReasonIn(StrictIn):
    reason: str = Field(min_length=1, max_length=2000)


class BomSignIn(SignIn):
    effective_from: dt.date | None = Field(
        default=None,
        description="The day it takes effect (today or later); default: the drafted date, "
        "else today",
    )


class BomQuery(Schema):
    product_id: int | None = None
    state: State | None = None
    q: str = Field(default="", max_length=200, description="Product code or name")
    limit: int = Field(default=50, ge=1, le=200)
    offset: Offset = 0


class EffectiveQuery(Schema):
    on_date: dt.date | None = Field(default=None, description="Default: today")


class ComponentOut(Schema):
    id: int
    line_no: int
    component_id: int
    component_code: str
    component_name: str
    gtin: str
    tracking: str
    quantity_per_unit: str
    uom_id: int
    uom_code: str
    notes: str
    version: int


class BomOut(Schema):
    id: int
    product_id: int
    product_code: str
    product_name: str
    revision: int
    state: str = Field(description="draft, approved, obsolete")
    effective_from: dt.date | None
    notes: str
    created_at: dt.datetime
    approved_at: dt.datetime | None
    obsoleted_at: dt.datetime | None
    version: int


class BomProblemOut(Schema):
    code: str
    message: str
    details: dict[str, Any]


class BomDetailOut(BomOut):
    components: list[ComponentOut]
    approved: bool = Field(description="Approved, and the signature covers the current content")
    usable_today: bool = Field(description="Production may follow it today (bom_is_usable)")
    signatures: list[SignatureOut]
    approval_problems: list[BomProblemOut] = Field(
        description="What blocks approving a draft now (empty once approved or obsolete)"
    )


class BomPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[BomOut]


def _line(line: BomComponent) -> dict[str, Any]:
    return {
        "id": line.pk,
        "line_no": line.line_no,
        "component_id": line.component_id,
        "component_code": line.component.code,
        "component_name": line.component.name_zh,
        "gtin": line.component.gtin,
        "tracking": line.component.tracking,
        "quantity_per_unit": bom_rules.quantity_text(line.quantity_per_unit),
        "uom_id": line.uom_id,
        "uom_code": line.uom.code,
        "notes": line.notes,
        "version": line.version,
    }


def _bom(bom: BillOfMaterials) -> dict[str, Any]:
    return {
        "id": bom.pk,
        "product_id": bom.product_id,
        "product_code": bom.product.code,
        "product_name": bom.product.name_zh,
        "revision": bom.revision,
        "state": bom.state,
        "effective_from": bom.effective_from,
        "notes": bom.notes,
        "created_at": bom.created_at,
        "approved_at": bom.approved_at,
        "obsoleted_at": bom.obsoleted_at,
        "version": bom.version,
    }


def bom_detail(bom_id: int) -> dict[str, Any]:
    bom = BillOfMaterials.objects.select_related("product").filter(pk=bom_id).first()
    if bom is None:
        raise NotFound(record_type="BillOfMaterials", record_id=bom_id)
    today = selectors.business_date()
    approval = bom_selectors.approval_of(bom, today)
    problems = bom_selectors.approval_problems(bom, today) if bom.state == BomState.DRAFT else []
    data = dict(
        **_bom(bom),
        components=[_line(line) for line in bom_selectors.bom_lines(bom)],
        approved=approval.approved,
        usable_today=approval.usable_today,
        signatures=[signature_body(v) for v in approval.signatures],
        approval_problems=[
            {"code": p.code, "message": p.render_message(), "details": p.details} for p in problems
        ],
    )
    return BomDetailOut.model_validate(data).model_dump(mode="json")


def _line_of(bom_id: int, line_id: int) -> None:
    if not BomComponent.objects.filter(pk=line_id, bom_id=bom_id).exists():
        raise NotFound(record_type="BomComponent", record_id=line_id)


@router.get("/boms", response={200: BomPage, **ERRORS})
@require_perm("catalog.view_billofmaterials")
def list_boms(request: HttpRequest, filters: Query[BomQuery]) -> Any:
    """BOM versions by product and state; each product's newest version first."""
    qs = bom_selectors.search_boms(
        product_id=filters.product_id, state=filters.state or "", q=filters.q
    )
    page = qs[filters.offset : filters.offset + filters.limit]
    return {
        "count": qs.count(),
        "limit": filters.limit,
        "offset": filters.offset,
        "items": [_bom(b) for b in page],
    }


@router.post("/boms", response={201: BomDetailOut, **ERRORS})
@require_perm("catalog.add_billofmaterials")
def create_bom(request: HttpRequest, payload: BomIn) -> Any:
    """Draft a new version (idempotent), numbered after the product's last one;
    ``copy_from_id`` copies an earlier version's components (how a change is made)."""

    def execute() -> tuple[int, Any]:
        bom = services.create_bom(Actor.from_request(request), **payload.model_dump())
        return 201, bom_detail(bom.pk)

    return run_idempotent(request, payload.model_dump(mode="json"), execute)


@router.get("/boms/{bom_id}", response={200: BomDetailOut, **ERRORS})
@require_perm("catalog.view_billofmaterials")
def get_bom(request: HttpRequest, bom_id: int) -> Any:
    """A version with its components, its signatures (each valid or not), whether production
    may use it today, and what blocks its approval (drafts)."""
    return bom_detail(bom_id)


@router.patch("/boms/{bom_id}", response={200: BomDetailOut, **ERRORS})
@require_perm("catalog.change_billofmaterials")
def change_bom(request: HttpRequest, bom_id: int, payload: BomPatch) -> Any:
    """Change a draft's effective date or notes; ``reason`` is required (AT-04). An approved
    version is never changed (409 ``catalog.bom_not_draft``)."""
    services.change_bom(
        Actor.from_request(request), bom_id, **payload.model_dump(exclude_unset=True)
    )
    return bom_detail(bom_id)


@router.get("/products/{product_id}/effective-bom", response={200: BomDetailOut, **ERRORS})
@require_perm("catalog.view_billofmaterials")
def effective_bom(request: HttpRequest, product_id: int, filters: Query[EffectiveQuery]) -> Any:
    """The version a work order starting on ``on_date`` cites: the approved version with the
    latest effective date not after that day (404 ``catalog.bom_not_in_effect`` when none)."""
    product = Product.objects.filter(pk=product_id).first()
    if product is None:
        raise NotFound(record_type="Product", record_id=product_id)
    day = filters.on_date or selectors.business_date()
    bom = selectors.effective_bom(product_id, day)
    if bom is None:
        raise BomNotInEffect(product=product.code, on_date=day.isoformat())
    return bom_detail(bom.pk)


@router.post("/boms/{bom_id}/components", response={201: ComponentOut, **ERRORS})
@require_perm("catalog.change_billofmaterials")
def add_component(request: HttpRequest, bom_id: int, payload: ComponentIn) -> Any:
    """Add a component line to a draft (idempotent)."""

    def execute() -> tuple[int, Any]:
        line = services.add_component(Actor.from_request(request), bom_id, **payload.model_dump())
        return 201, ComponentOut.model_validate(_line(line)).model_dump(mode="json")

    return run_idempotent(request, payload.model_dump(mode="json"), execute)


@router.patch("/boms/{bom_id}/components/{line_id}", response={200: ComponentOut, **ERRORS})
@require_perm("catalog.change_billofmaterials")
def change_component(
    request: HttpRequest, bom_id: int, line_id: int, payload: ComponentPatch
) -> Any:
    """Change a draft line's component, quantity per unit, unit or notes; ``reason`` is
    required (AT-04)."""
    _line_of(bom_id, line_id)
    line = services.change_component(
        Actor.from_request(request), line_id, **payload.model_dump(exclude_unset=True)
    )
    return _line(BomComponent.objects.select_related("component", "uom").get(pk=line.pk))


@router.post("/boms/{bom_id}/components/{line_id}/remove", response={200: BomDetailOut, **ERRORS})
@require_perm("catalog.change_billofmaterials")
def remove_component(request: HttpRequest, bom_id: int, line_id: int, payload: BomReasonIn) -> Any:
    """Remove a line from a draft; ``reason`` is required (AT-04)."""

    def execute() -> tuple[int, Any]:
        _line_of(bom_id, line_id)
        services.remove_component(Actor.from_request(request), line_id, reason=payload.reason)
        return 200, bom_detail(bom_id)

    return run_idempotent(request, {"remove": line_id, **payload.model_dump()}, execute)


def _already_answered() -> tuple[int, Any]:
    # Only reached if the stored response was purged in between: ask the client to retry.
    raise Conflict()


Guard = Callable[[dict[str, Any], Callable[[], tuple[int, Any]]], Any]


def _transition(
    request: HttpRequest,
    bom_id: int,
    name: str,
    payload: BomSignIn | SignIn | TransitionIn,
    guard: Guard,
) -> Any:
    """Re-authenticate, then run the step inside the idempotency guard; a retry with the same
    key replays the first answer without signing again. The fingerprint never holds a secret."""
    reason = payload.reason
    effective_from = getattr(payload, "effective_from", None)
    fingerprint = {
        "transition": name,
        "reason": reason,
        "effective_from": effective_from.isoformat() if effective_from else None,
    }
    if answered(request):
        return guard(fingerprint, _already_answered)

    def guarded(work: Any) -> Any:
        def execute() -> tuple[int, Any]:
            return 200, bom_detail(work().pk)

        return guard(fingerprint, execute)

    session = getattr(request, "session", None)
    return services.transition_bom(
        Actor.from_request(request),
        bom_id,
        name,
        reason=reason,
        password=getattr(payload, "password", None),
        totp=getattr(payload, "totp", None),
        session_key=getattr(session, "session_key", None),
        effective_from=effective_from,
        around=guarded,
    )


@router.post("/boms/{bom_id}/approve", response={200: BomDetailOut, **ERRORS})
@require_perm("catalog.approve_billofmaterials")
def approve_bom(request: HttpRequest, bom_id: int, payload: BomSignIn) -> Any:
    """Approve a draft with an electronic signature (meaning "approved"); whoever created or
    changed it may not (403 ``signatures.sod_author_cannot_approve``). Refused while
    ``approval_problems`` lists anything (no components, device not approved, a date in the
    past, a component rule)."""
    return _transition(
        request, bom_id, bom_approval.APPROVE, payload, lambda b, e: run_idempotent(request, b, e)
    )


@router.post("/boms/{bom_id}/obsolete", response={200: BomDetailOut, **ERRORS})
@require_perm("catalog.approve_billofmaterials")
def obsolete_bom(request: HttpRequest, bom_id: int, payload: SignIn) -> Any:
    """Retire an approved version, signed "obsoleted"; ``reason`` is required. No work order
    may cite it afterwards."""
    return _transition(
        request, bom_id, bom_approval.OBSOLETE, payload, lambda b, e: run_idempotent(request, b, e)
    )
