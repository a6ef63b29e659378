"""Partner endpoints: schemas in, a service call, schemas out.

No ``from __future__ import annotations`` in api modules: django-ninja resolves handler
annotations through the permission wrapper, which needs real types.
"""

import datetime as dt
from collections.abc import Callable
from typing import Any, ClassVar, Literal

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Query, Router, Schema
from pydantic import Field, StrictBool, ValidationInfo, field_validator

from mederp.core.actors import Actor
from mederp.core.apiperms import require_perm
from mederp.core.errors import Conflict
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
from mederp.partners import approval, rules, selectors, services
from mederp.partners.models import Partner, QualificationDocument

router = Router(tags=["partners"])

Role = Literal["supplier", "customer"]
PartnerStatus = Literal["approved", "conditional", "blocked"]
Kind = Literal[
    "business_licence",
    "manufacturing_licence",
    "distribution_licence",
    "class2_filing",
    "iso13485_certificate",
    "other",
]
ScopeList = list[str]


# USCC, country, scope and file hash are checked by the service (coded errors); the schema only
# bounds their size.
class PartnerIn(StrictIn):
    code: str = Field(min_length=1, max_length=32)
    name: str = Field(min_length=1, max_length=200)
    name_en: str = Field(default="", max_length=200)
    is_supplier: StrictBool = False
    is_customer: StrictBool = False
    uscc: str = Field(default="", max_length=64)
    country: str = Field(default="CN", max_length=16)
    address: str = Field(default="", max_length=300)
    contact: str = Field(default="", max_length=100)
    phone: str = Field(default="", max_length=50)
    email: str = Field(default="", max_length=254)
    status: PartnerStatus = "conditional"
    min_remaining_shelf_life_days: int = Field(
        default=0, ge=0, le=36_500, description="Customers: days to expiry required on delivery"
    )


class StrictPatch(StrictIn):
    """A PATCH body: absent fields stay as they are; null only where a field may be empty."""

    nullable: ClassVar[frozenset[str]] = frozenset({"expected_version"})

    @field_validator("*", mode="before")
    @classmethod
    def _refuse_null(cls, value: Any, info: ValidationInfo) -> Any:
        if value is None and info.field_name not in cls.nullable:
            raise ValueError("may not be null")
        return value


class PartnerPatch(StrictPatch):
    reason: str = Field(min_length=1, max_length=2000)
    expected_version: int | None = None
    code: str | None = Field(default=None, min_length=1, max_length=32)
    name: str | None = Field(default=None, min_length=1, max_length=200)
    name_en: str | None = Field(default=None, max_length=200)
    is_supplier: StrictBool | None = None
    is_customer: StrictBool | None = None
    uscc: str | None = Field(default=None, max_length=64)
    country: str | None = Field(default=None, max_length=16)
    address: str | None = Field(default=None, max_length=300)
    contact: str | None = Field(default=None, max_length=100)
    phone: str | None = Field(default=None, max_length=50)
    email: str | None = Field(default=None, max_length=254)
    status: PartnerStatus | None = None
    min_remaining_shelf_life_days: int | None = Field(default=None, ge=0, le=36_500)


class DocumentIn(StrictIn):
    kind: Kind
    number: str = Field(min_length=1, max_length=100)
    authority: str = Field(default="", max_length=200)
    scope: ScopeList = Field(default_factory=list, max_length=500)
    valid_from: dt.date | None = None
    valid_until: dt.date | None = None
    file_sha256: str = Field(default="", max_length=128)


class DocumentPatch(StrictPatch):
    nullable = frozenset({"expected_version", "valid_from", "valid_until"})

    reason: str = Field(min_length=1, max_length=2000)
    expected_version: int | None = None
    kind: Kind | None = None
    number: str | None = Field(default=None, min_length=1, max_length=100)
    authority: str | None = Field(default=None, max_length=200)
    scope: ScopeList | None = Field(default=None, max_length=500)
    valid_from: dt.date | None = None
    valid_until: dt.date | None = None
    file_sha256: str | None = Field(default=None, max_length=128)


class PartnerQuery(Schema):
    q: str = Field(default="", max_length=200)
    role: Role | None = None
    status: PartnerStatus | None = None
    limit: int = Field(default=50, ge=1, le=500)
    offset: Offset = 0


class PartnerOut(Schema):
    id: int
    code: str
    name: str
    name_en: str
    is_supplier: bool
    is_customer: bool
    uscc: str
    country: str
    address: str
    contact: str
    phone: str
    email: str
    status: str
    min_remaining_shelf_life_days: int
    qualification_state: str = Field(
        description="首营企业 approval: draft, in_review, approved, suspended"
    )
    version: int


class NearDuplicateOut(Schema):
    id: int
    code: str
    name: str
    score: float


class PartnerCreatedOut(PartnerOut):
    near_duplicates: list[NearDuplicateOut]


class PartnerSummaryOut(PartnerOut):
    qualification: str


class PartnerPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[PartnerSummaryOut]


class DocumentOut(Schema):
    id: int
    partner_id: int
    kind: str
    number: str
    authority: str
    scope: list[str]
    valid_from: dt.date | None
    valid_until: dt.date | None
    file_sha256: str
    version: int
    status: str


class QualificationOut(Schema):
    on_date: dt.date
    overall: str
    kinds: dict[str, str]


class PartnerApprovalOut(Schema):
    state: str
    qualified: bool = Field(description="Approved, and the signature covers the current content")
    needs_reapproval: bool = Field(description="Changed after approval: the signature is invalid")


class PartnerDetailOut(PartnerOut):
    qualification: QualificationOut
    documents: list[DocumentOut]
    near_duplicates: list[NearDuplicateOut]
    approval: PartnerApprovalOut
    signatures: list[SignatureOut] = Field(
        description="Every signature (printed name, UTC time, meaning), each valid or not"
    )


def _partner(p: Partner) -> dict[str, Any]:
    return PartnerOut.from_orm(p).model_dump(mode="json")


def _document(d: QualificationDocument, status: str) -> dict[str, Any]:
    return DocumentOut(
        id=d.pk,
        partner_id=d.partner_id,
        kind=d.kind,
        number=d.number,
        authority=d.authority,
        scope=list(d.scope),
        valid_from=d.valid_from,
        valid_until=d.valid_until,
        file_sha256=d.file_sha256,
        version=d.version,
        status=status,
    ).model_dump(mode="json")


def _document_now(d: QualificationDocument) -> dict[str, Any]:
    return _document(d, rules.document_status(d, selectors.today(), selectors.warn_days()))


@router.get("", response={200: PartnerPage, **ERRORS})
@require_perm("partners.view_partner")
def list_partners(request: HttpRequest, filters: Query[PartnerQuery]) -> Any:
    """Partners by free text (code, names, USCC), role and status, with the qualification badge."""
    qs = selectors.partners_matching(filters.q, filters.role or "", filters.status or "")
    page = list(qs.prefetch_related("documents")[filters.offset : filters.offset + filters.limit])
    day = selectors.today()
    items = [
        {
            **_partner(p),
            "qualification": selectors.qualification_of(list(p.documents.all()), day).overall,
        }
        for p in page
    ]
    return {"count": qs.count(), "limit": filters.limit, "offset": filters.offset, "items": items}


@router.post("", response={201: PartnerCreatedOut, **ERRORS})
@require_perm("partners.add_partner")
def create_partner(request: HttpRequest, payload: PartnerIn) -> Any:
    """Create a partner (idempotent). Similar existing names are returned, not refused."""

    def execute() -> tuple[int, Any]:
        partner = services.create_partner(Actor.from_request(request), **payload.model_dump())
        near = selectors.partner_near_duplicates(partner)
        return 201, {**_partner(partner), "near_duplicates": near}

    return run_idempotent(request, payload.model_dump(mode="json"), execute)


@router.get("/documents/{document_id}", response={200: DocumentOut, **ERRORS})
@require_perm("partners.view_qualificationdocument")
def get_document(request: HttpRequest, document_id: int) -> Any:
    return _document_now(get_object_or_404(QualificationDocument, pk=document_id))


@router.patch("/documents/{document_id}", response={200: DocumentOut, **ERRORS})
@require_perm("partners.change_qualificationdocument")
def change_document(request: HttpRequest, document_id: int, payload: DocumentPatch) -> Any:
    data = payload.model_dump(exclude_unset=True)
    doc = services.change_document(Actor.from_request(request), document_id, **data)
    return _document_now(doc)


def _partner_detail(partner_id: int) -> dict[str, Any]:
    partner = get_object_or_404(Partner, pk=partner_id)
    qual = selectors.qualification_of(selectors.partner_documents(partner))
    approval = selectors.approval_of(partner)
    return {
        **_partner(partner),
        "qualification": {
            "on_date": qual.on_date,
            "overall": qual.overall,
            "kinds": dict(qual.kinds),
        },
        "documents": [_document(d, s) for d, s in qual.documents],
        "near_duplicates": selectors.partner_near_duplicates(partner),
        "approval": {
            "state": approval.state,
            "qualified": approval.qualified,
            "needs_reapproval": approval.needs_reapproval,
        },
        "signatures": [signature_body(v) for v in approval.signatures],
    }


@router.get("/{partner_id}", response={200: PartnerDetailOut, **ERRORS})
@require_perm("partners.view_partner")
def get_partner(request: HttpRequest, partner_id: int) -> Any:
    """A partner with its documents, each document's status and the per-kind picture, and its
    qualification approval with every signature's manifestation."""
    return _partner_detail(partner_id)


@router.patch("/{partner_id}", response={200: PartnerOut, **ERRORS})
@require_perm("partners.change_partner")
def change_partner(request: HttpRequest, partner_id: int, payload: PartnerPatch) -> Any:
    """Change facts or status; ``reason`` is required (AT-04), ``expected_version`` optional."""
    data = payload.model_dump(exclude_unset=True)
    return services.change_partner(Actor.from_request(request), partner_id, **data)


@router.post("/{partner_id}/documents", response={201: DocumentOut, **ERRORS})
@require_perm("partners.add_qualificationdocument")
def add_document(request: HttpRequest, partner_id: int, payload: DocumentIn) -> Any:
    """File a qualification document for the partner (idempotent)."""

    def execute() -> tuple[int, Any]:
        doc = services.add_document(Actor.from_request(request), partner_id, **payload.model_dump())
        return 201, _document_now(doc)

    return run_idempotent(request, payload.model_dump(mode="json"), execute)


# 首营企业 approval: signed transitions take credentials, never a signature id (ES-04); a Bearer
# API key is refused 403 identity.not_a_person (ES-11). The idempotency guard runs inside the
# re-authentication, so a refused password leaves its security-log record.


def _already_answered() -> tuple[int, Any]:
    # Only reached if the stored response was purged in between: ask the client to retry.
    raise Conflict()


Guard = Callable[[dict[str, Any], Callable[[], tuple[int, Any]]], Any]


def _transition(
    request: HttpRequest,
    partner_id: int,
    name: str,
    payload: SignIn | TransitionIn,
    guard: Guard,
) -> Any:
    """Re-authenticate (signed steps), then run the step inside the handler's idempotency
    ``guard``; a retry with the same key replays the first answer without signing again."""
    reason = payload.reason
    fingerprint = {"transition": name, "reason": reason}
    if answered(request):
        return guard(fingerprint, _already_answered)

    def guarded(work: Any) -> Any:
        def execute() -> tuple[int, Any]:
            return 200, _partner_detail(work().pk)

        return guard(fingerprint, execute)

    session = getattr(request, "session", None)
    return services.transition_partner(
        Actor.from_request(request),
        partner_id,
        name,
        reason=reason,
        password=getattr(payload, "password", None),
        totp=getattr(payload, "totp", None),
        session_key=getattr(session, "session_key", None),
        around=guarded,
    )


@router.post("/{partner_id}/submit", response={200: PartnerDetailOut, **ERRORS})
@require_perm("partners.change_partner")
def submit_partner(request: HttpRequest, partner_id: int, payload: TransitionIn) -> Any:
    """Send a partner's qualification (identity and documents) to QA for approval."""
    return _transition(
        request, partner_id, approval.SUBMIT, payload, lambda b, e: run_idempotent(request, b, e)
    )


@router.post("/{partner_id}/resubmit", response={200: PartnerDetailOut, **ERRORS})
@require_perm("partners.change_partner")
def resubmit_partner(request: HttpRequest, partner_id: int, payload: TransitionIn) -> Any:
    """Send a suspended partner back to QA for a new approval."""
    return _transition(
        request, partner_id, approval.RESUBMIT, payload, lambda b, e: run_idempotent(request, b, e)
    )


@router.post("/{partner_id}/approve", response={200: PartnerDetailOut, **ERRORS})
@require_perm("partners.approve_partner")
def approve_partner(request: HttpRequest, partner_id: int, payload: SignIn) -> Any:
    """Approve the qualification with an electronic signature (meaning "approved"); whoever
    created or changed the partner may not (403 ``signatures.sod_author_cannot_approve``)."""
    return _transition(
        request, partner_id, approval.APPROVE, payload, lambda b, e: run_idempotent(request, b, e)
    )


@router.post("/{partner_id}/reject", response={200: PartnerDetailOut, **ERRORS})
@require_perm("partners.approve_partner")
def reject_partner(request: HttpRequest, partner_id: int, payload: SignIn) -> Any:
    """Send the qualification back to draft, signed "rejected"; ``reason`` is required."""
    return _transition(
        request, partner_id, approval.REJECT, payload, lambda b, e: run_idempotent(request, b, e)
    )


@router.post("/{partner_id}/suspend", response={200: PartnerDetailOut, **ERRORS})
@require_perm("partners.approve_partner")
def suspend_partner(request: HttpRequest, partner_id: int, payload: SignIn) -> Any:
    """Suspend an approved partner, signed "suspended"; ``reason`` is required."""
    return _transition(
        request, partner_id, approval.SUSPEND, payload, lambda b, e: run_idempotent(request, b, e)
    )
