"""The REST API under /api/v1 (django-ninja): auth, error mapping and routers in one place.

Every error is JSON ``{"code", "message", "details"}`` with the message in the request's
language (invariant 7); nothing a client can send produces a 500.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.security import APIKeyCookie, HttpBearer

from mederp.core.errors import DomainError
from mederp.core.ratelimit import RateLimited
from mederp.identity import apicalls, denials, ratelimits


class SessionAuth(APIKeyCookie):
    """The browser's Django session, with CSRF checked on unsafe methods."""

    param_name = "sessionid"

    def __init__(self) -> None:
        super().__init__(csrf=True)

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.is_active:
            ratelimits.enforce(user)  # one token per call, or 429
            return user
        return None


class BearerAuth(HttpBearer):
    """``Authorization: Bearer mederp_<prefix>_<secret>`` for API clients."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        # Refused keys are security-logged; accepted ones carry their scopes (AC-07).
        client = apicalls.authenticate_bearer(request, token)
        if client is not None:
            ratelimits.enforce(client)  # one token per call, or 429
        return client


api = NinjaAPI(
    title="MedERP API",
    version="1",
    urls_namespace="api-v1",
    auth=[BearerAuth(), SessionAuth()],
    docs_url="/docs",
    docs_decorator=login_required,
    openapi_url="/openapi.json",
)


def error_response(
    request: HttpRequest,
    status: int,
    code: str,
    message: str,
    details: dict[str, Any] | None = None,
) -> HttpResponse:
    if status in denials.DENIED_STATUSES:
        denials.note_code(request, code)  # the security event names the refusal (AT-12)
    return api.create_response(
        request, {"code": code, "message": message, "details": details or {}}, status=status
    )


@api.exception_handler(DomainError)
def on_domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    return error_response(request, exc.http_status, exc.code, exc.render_message(), exc.details)


@api.exception_handler(RateLimited)
def on_rate_limited(request: HttpRequest, exc: RateLimited) -> HttpResponse:
    response = on_domain_error(request, exc)
    for name, value in exc.decision.headers().items():
        response[name] = value
    return response


@api.exception_handler(ValidationError)
def on_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    fields: dict[str, list[str]] = {}
    for err in exc.errors:
        loc = [str(p) for p in err.get("loc", ()) if p not in ("body", "payload", "query", "path")]
        fields.setdefault(".".join(loc) or "body", []).append(str(err.get("msg", "")))
    return error_response(
        request, 422, "validation_failed", _("Some fields are not valid."), {"fields": fields}
    )


@api.exception_handler(AuthenticationError)
def on_unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return error_response(
        request, 401, "auth.unauthenticated", _("Sign in or send a valid API token.")
    )


@api.exception_handler(Http404)
def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return error_response(request, 404, "not_found", _("The record does not exist."))


@api.exception_handler(RequestDataTooBig)
def on_too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    return error_response(
        request, 413, "request.too_large", _("The request body is larger than the server accepts.")
    )


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    if exc.status_code == 400:
        return error_response(
            request, 400, "request.malformed", _("The request body is not valid JSON.")
        )
    return error_response(request, exc.status_code, f"http.{exc.status_code}", str(exc))


def register_routers() -> None:
    from mederp.catalog.api import router as catalog_router
    from mederp.compliance.api import router as compliance_router
    from mederp.core.api import router as core_router
    from mederp.identity.api import router as identity_router
    from mederp.integration.api import router as integration_router
    from mederp.inventory.api import router as inventory_router
    from mederp.inventory.api_coldchain import router as coldchain_router
    from mederp.partners.api import router as partners_router
    from mederp.procurement.api import router as procurement_router
    from mederp.production.api import router as production_router
    from mederp.quality.capa.api import router as capa_router
    from mederp.quality.complaints.api import router as complaints_router
    from mederp.quality.dashboard.api import router as quality_dashboard_router
    from mederp.quality.disposition.api import router as disposition_router
    from mederp.quality.inspections.api import router as inspections_router
    from mederp.quality.nonconformance.api import router as ncr_router
    from mederp.quality.suppliers.api import router as supplier_quality_router
    from mederp.sales.api import router as sales_router

    api.add_router("/core", core_router)
    api.add_router("/catalog", catalog_router)
    api.add_router("/partners", partners_router)
    api.add_router("/inventory", inventory_router)
    api.add_router("/inventory", coldchain_router)
    api.add_router("/procurement", procurement_router)
    api.add_router("/sales", sales_router)
    api.add_router("/production", production_router)
    api.add_router("/compliance", compliance_router)
    api.add_router("/quality", inspections_router)
    api.add_router("/quality", disposition_router)
    api.add_router("/quality", ncr_router)
    api.add_router("/quality", capa_router)
    api.add_router("/quality", complaints_router)
    api.add_router("/quality", supplier_quality_router)
    api.add_router("/quality", quality_dashboard_router)
    api.add_router("/integration", integration_router)
    api.add_router("/identity", identity_router)


register_routers()
