"""Product endpoints: the item master with its UDI-DI and market status (UDI-01, CN-02)."""

import datetime as dt
import json
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Query, Schema
from pydantic import Field

from mederp.catalog import selectors, services
from mederp.catalog.api.common import StrictIn, router
from mederp.catalog.api.registrations import RegistrationOut, registration_body
from mederp.catalog.models import DeviceClass, Product, ProductStatus, Tracking
from mederp.core.actors import Actor
from mederp.core.apiperms import require_perm
from mederp.core.idempotency import run_idempotent
from mederp.core.schemas import ERRORS, Offset, SignatureOut, signature_body


class ProductIn(StrictIn):
    code: str = Field(min_length=1, max_length=32)
    name_zh: str = Field(min_length=1, max_length=200)
    name_en: str = Field(min_length=1, max_length=200)
    specification: str = Field(default="", max_length=200, description="规格型号")
    uom: str = Field(min_length=1, max_length=16, description="Base unit of measure code")
    gtin: str = Field(max_length=64, description="GTIN-14 (UDI-DI), GS1 check digit verified")
    tracking: Tracking
    device_class: DeviceClass
    category_code: str = Field(
        min_length=1, max_length=32, description="NMPA classification code, e.g. 07-01 or 6815"
    )
    shelf_life_days: int | None = None
    storage_min_c: Decimal | None = None
    storage_max_c: Decimal | None = None
    manufacturer: str = Field(default="", max_length=200)
    hibc_di: str = Field(default="", max_length=24)


class ProductPatch(StrictIn):
    reason: str = Field(min_length=1, max_length=2000)
    expected_version: int | None = None
    code: str | None = Field(default=None, min_length=1, max_length=32)
    name_zh: str | None = Field(default=None, min_length=1, max_length=200)
    name_en: str | None = Field(default=None, min_length=1, max_length=200)
    specification: str | None = Field(default=None, max_length=200)
    uom: str | None = Field(default=None, min_length=1, max_length=16)
    gtin: str | None = Field(default=None, max_length=64)
    tracking: Tracking | None = None
    device_class: DeviceClass | None = None
    category_code: str | None = Field(default=None, min_length=1, max_length=32)
    shelf_life_days: int | None = None
    storage_min_c: Decimal | None = None
    storage_max_c: Decimal | None = None
    manufacturer: str | None = Field(default=None, max_length=200)
    hibc_di: str | None = Field(default=None, max_length=24)
    status: ProductStatus | None = None


class ProductOut(Schema):
    id: int
    code: str
    name_zh: str
    name_en: str
    specification: str
    uom: str
    uom_id: int
    gtin: str
    tracking: str
    shelf_life_days: int | None
    storage_min_c: Decimal | None
    storage_max_c: Decimal | None
    device_class: str
    category_code: str
    manufacturer: str
    hibc_di: str
    status: str
    approval_state: str = Field(
        description="首营品种 approval: draft, in_review, approved, obsolete"
    )
    version: int
    registration_status: dict[str, str] = Field(
        description="valid / expiring / expired / missing per jurisdiction, as of today"
    )


class SimilarProductOut(Schema):
    id: int
    code: str
    name: str
    score: float


class ProductCreatedOut(ProductOut):
    near_duplicates: list[SimilarProductOut] = Field(
        description="Existing products with similar names: the create went through, check them"
    )


class ProductApprovalOut(Schema):
    state: str
    approved_for_use: bool = Field(
        description="Approved, and the approval signature covers the current content"
    )
    needs_reapproval: bool = Field(description="Changed after approval: the signature is invalid")


class ProductDetailOut(ProductOut):
    registrations: list[RegistrationOut]
    approval: ProductApprovalOut
    signatures: list[SignatureOut] = Field(
        description="Every signature (printed name, UTC time, meaning), each valid or not"
    )


class ProductPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[ProductOut]


class ProductQuery(Schema):
    q: str = Field(default="", max_length=200, description="Code, name, GTIN or specification")
    tracking: Tracking | None = None
    device_class: DeviceClass | None = None
    status: ProductStatus | None = None
    limit: int = Field(default=50, ge=1, le=200)
    offset: Offset = 0


_DERIVED = ("uom", "registration_status")


def product_body(product: Product, *, detail: bool = False) -> dict[str, Any]:
    """The product as the API shows it: its unit by code and its status in each market."""
    body = {
        name: getattr(product, name) for name in ProductOut.model_fields if name not in _DERIVED
    }
    body["uom"] = product.uom.code
    body["registration_status"] = {
        k: str(v) for k, v in selectors.registration_statuses(product).items()
    }
    if detail:
        body["registrations"] = [
            registration_body(r) for r in selectors.product_registrations(product)
        ]
        approval = selectors.approval_of(product)
        body["approval"] = {
            "state": approval.state,
            "approved_for_use": approval.approved_for_use,
            "needs_reapproval": approval.needs_reapproval,
        }
        body["signatures"] = [signature_body(v) for v in approval.signatures]
    return body


class ProductHistoryEntryOut(Schema):
    id: int
    occurred_at: dt.datetime
    actor_name: str
    action: str
    record_type: str
    record_id: str
    record_label: str
    changes: dict[str, Any]
    reason: str

    @staticmethod
    def resolve_changes(obj: Any) -> dict[str, Any]:
        return dict(json.loads(obj.changes))


@router.get("/products", response={200: ProductPage, **ERRORS})
@require_perm("catalog.view_product")
def list_products(request: HttpRequest, filters: Query[ProductQuery]) -> Any:
    qs = selectors.search_products(
        filters.q,
        tracking=filters.tracking or "",
        device_class=filters.device_class or "",
        status=filters.status or "",
    )
    items = [product_body(p) for p in qs[filters.offset : filters.offset + filters.limit]]
    return {"count": qs.count(), "limit": filters.limit, "offset": filters.offset, "items": items}


@router.post("/products", response={201: ProductCreatedOut, **ERRORS})
@require_perm("catalog.add_product")
def create_product(request: HttpRequest, payload: ProductIn) -> Any:
    """Create a product. Similar existing names do not refuse it: they come back in
    ``near_duplicates`` for the caller to review. A taken code or GTIN is refused (409)."""

    def execute() -> tuple[int, Any]:
        product = services.create_product(Actor.from_request(request), **payload.model_dump())
        body = ProductOut.model_validate(product_body(product)).model_dump(mode="json")
        near = selectors.near_duplicate_products(
            product.name_zh, product.name_en, exclude_id=product.pk
        )
        body["near_duplicates"] = [SimilarProductOut.from_orm(m).model_dump() for m in near]
        return 201, body

    return run_idempotent(request, payload.model_dump(mode="json"), execute)


def _product(product_id: int) -> Product:
    return get_object_or_404(
        Product.objects.select_related("uom").prefetch_related("registrations"), pk=product_id
    )


@router.get("/products/{product_id}", response={200: ProductDetailOut, **ERRORS})
@require_perm("catalog.view_product")
def get_product(request: HttpRequest, product_id: int) -> Any:
    return product_body(_product(product_id), detail=True)


@router.patch("/products/{product_id}", response={200: ProductOut, **ERRORS})
@require_perm("catalog.change_product")
def change_product(request: HttpRequest, product_id: int, payload: ProductPatch) -> Any:
    """Change master data; ``reason`` is required (AT-04), ``expected_version`` guards against
    overwriting someone else's change (409 ``stale_record``)."""
    data = payload.model_dump(exclude_unset=True)
    product = services.change_product(Actor.from_request(request), product_id, **data)
    return product_body(_product(product.pk))


@router.get(
    "/products/{product_id}/history", response={200: list[ProductHistoryEntryOut], **ERRORS}
)
@require_perm("catalog.view_product")
def product_history(request: HttpRequest, product_id: int) -> Any:
    """Who changed what, when and why: the product and its certificates, newest first."""
    return selectors.product_history(_product(product_id))
