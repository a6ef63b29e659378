"""Registration certificate endpoints (注册证 / 备案凭证), nested under their product."""

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Schema
from pydantic import Field

from mederp.catalog import rules, selectors, services
from mederp.catalog.api.common import StrictIn, router
from mederp.catalog.models import Jurisdiction, Product, Registration, RegistrationKind
from mederp.core.actors import Actor
from mederp.core.apiperms import require_perm
from mederp.core.idempotency import run_idempotent
from mederp.core.schemas import ERRORS


class RegistrationIn(StrictIn):
    jurisdiction: Jurisdiction
    kind: RegistrationKind
    number: str = Field(min_length=1, max_length=100)
    valid_until: dt.date = Field(description="Last day the certificate is valid")
    valid_from: dt.date | None = None
    scope: str = Field(default="", max_length=5000)
    holder: str = Field(default="", max_length=200, description="Registrant / filing holder")


class RegistrationPatch(StrictIn):
    reason: str = Field(min_length=1, max_length=2000)
    expected_version: int | None = None
    jurisdiction: Jurisdiction | None = None
    kind: RegistrationKind | None = None
    number: str | None = Field(default=None, min_length=1, max_length=100)
    valid_until: dt.date | None = None
    valid_from: dt.date | None = None
    scope: str | None = Field(default=None, max_length=5000)
    holder: str | None = Field(default=None, max_length=200)


class RegistrationOut(Schema):
    id: int
    product_id: int
    jurisdiction: str
    kind: str
    number: str
    scope: str
    valid_from: dt.date | None
    valid_until: dt.date
    holder: str
    version: int
    status: str = Field(description="valid / expiring / expired / missing (not yet in force)")
    days_left: int


def registration_body(registration: Registration) -> dict[str, Any]:
    """The certificate as the API shows it, with its status as of today."""
    today = selectors.business_date()
    body = {
        name: getattr(registration, name)
        for name in RegistrationOut.model_fields
        if name not in ("status", "days_left")
    }
    body["status"] = str(rules.certificate_status(registration, today))
    body["days_left"] = rules.days_left(registration, today)
    return body


def _registration(product_id: int, registration_id: int) -> Registration:
    return get_object_or_404(Registration, pk=registration_id, product_id=product_id)


@router.get("/products/{product_id}/registrations", response={200: list[RegistrationOut], **ERRORS})
@require_perm("catalog.view_registration")
def list_registrations(request: HttpRequest, product_id: int) -> Any:
    product = get_object_or_404(Product, pk=product_id)
    return [registration_body(r) for r in selectors.product_registrations(product)]


@router.post("/products/{product_id}/registrations", response={201: RegistrationOut, **ERRORS})
@require_perm("catalog.add_registration")
def add_registration(request: HttpRequest, product_id: int, payload: RegistrationIn) -> Any:
    """Record a certificate. The same number twice in one jurisdiction is refused (409)."""

    def execute() -> tuple[int, Any]:
        registration = services.add_registration(
            Actor.from_request(request), product_id, **payload.model_dump()
        )
        body = registration_body(registration)
        return 201, RegistrationOut.model_validate(body).model_dump(mode="json")

    return run_idempotent(request, payload.model_dump(mode="json"), execute)


@router.get(
    "/products/{product_id}/registrations/{registration_id}",
    response={200: RegistrationOut, **ERRORS},
)
@require_perm("catalog.view_registration")
def get_registration(request: HttpRequest, product_id: int, registration_id: int) -> Any:
    return registration_body(_registration(product_id, registration_id))


@router.patch(
    "/products/{product_id}/registrations/{registration_id}",
    response={200: RegistrationOut, **ERRORS},
)
@require_perm("catalog.change_registration")
def change_registration(
    request: HttpRequest, product_id: int, registration_id: int, payload: RegistrationPatch
) -> Any:
    """Correct or renew a certificate; ``reason`` is required (AT-04)."""
    _registration(product_id, registration_id)
    data = payload.model_dump(exclude_unset=True)
    registration = services.change_registration(
        Actor.from_request(request), registration_id, **data
    )
    return registration_body(registration)
