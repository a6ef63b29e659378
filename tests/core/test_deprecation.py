"""A deprecated operation says so in OpenAPI and on every answer (RFC 9745 / RFC 8594 headers).

A small NinjaAPI mounted by this module's own URLconf, served through the whole middleware stack.
"""

from __future__ import annotations

from datetime import date

import pytest
from django.http import HttpRequest
from django.test import Client
from django.urls import path
from ninja import NinjaAPI, Router
from ninja.errors import HttpError

from mederp.core.deprecation import MIN_NOTICE_DAYS, Deprecation, deprecated

router = Router()
DEPRECATION = {
    "since": "2026-12-01",
    "sunset": "2027-06-30",
    "link": "/docs/api-changelog#2026-12-01",
    "replacement": "/api/test-deprecation/things",
}


@router.get("/old-things", auth=None)
@deprecated(**DEPRECATION)
def old_things(request: HttpRequest) -> dict[str, bool]:
    """The old listing."""
    return {"ok": True}


@router.post("/old-things", auth=None)
@deprecated(**DEPRECATION)
def refuse_old_thing(request: HttpRequest) -> dict[str, bool]:
    raise HttpError(409, "refused")


@deprecated(**DEPRECATION)  # above the route decorator works as well
@router.get("/old-secret", auth=lambda request: None)
def old_secret(request: HttpRequest) -> dict[str, bool]:
    return {"ok": True}


@router.get("/things", auth=None)
def things(request: HttpRequest) -> dict[str, bool]:
    return {"ok": True}


api = NinjaAPI(title="deprecation test", version="test-deprecation", urls_namespace="test-dep")
api.add_router("", router)
urlpatterns = [path("api/test-deprecation/", api.urls)]

pytestmark = [pytest.mark.urls(__name__), pytest.mark.django_db]

# 2026-12-01T00:00:00Z and the end of 2027-06-30 (UTC).
EXPECTED = {
    "Deprecation": "@1796083200",
    "Sunset": "Wed, 30 Jun 2027 23:59:59 GMT",
    "Link": '</docs/api-changelog#2026-12-01>; rel="deprecation", '
    '</api/test-deprecation/things>; rel="successor-version"',
}


def headers_of(response) -> dict[str, str | None]:
    return {name: response.headers.get(name) for name in EXPECTED}


def test_a_deprecated_operation_answers_with_deprecation_sunset_and_link():
    response = Client().get("/api/test-deprecation/old-things")
    assert response.status_code == 200
    assert headers_of(response) == EXPECTED


def test_an_error_from_a_deprecated_operation_carries_the_headers_too():
    response = Client().post("/api/test-deprecation/old-things", content_type="application/json")
    assert response.status_code == 409
    assert headers_of(response) == EXPECTED


def test_an_authentication_refusal_carries_the_headers_too():
    response = Client().get("/api/test-deprecation/old-secret")
    assert response.status_code == 401
    assert headers_of(response) == EXPECTED


def test_an_operation_that_is_not_deprecated_has_no_such_headers():
    response = Client().get("/api/test-deprecation/things")
    assert response.status_code == 200
    assert headers_of(response) == dict.fromkeys(EXPECTED)


def test_the_openapi_document_marks_the_operation_deprecated_with_its_sunset():
    paths = api.get_openapi_schema()["paths"]
    old = paths["/api/test-deprecation/old-things"]["get"]
    assert old["deprecated"] is True
    assert old["x-sunset"] == "2027-06-30"
    assert old["description"].startswith("The old listing.\n\n**Deprecated** since 2026-12-01")
    assert paths["/api/test-deprecation/old-secret"]["get"]["deprecated"] is True
    assert "deprecated" not in paths["/api/test-deprecation/things"]["get"]


def test_a_sunset_sooner_than_the_policy_allows_is_refused():
    with pytest.raises(ValueError, match=f"at least {MIN_NOTICE_DAYS} days"):
        Deprecation(date(2026, 12, 1), date(2027, 3, 1), "/docs/api-changelog")


def test_a_deprecation_without_a_link_is_refused():
    with pytest.raises(ValueError, match="link"):
        Deprecation(date(2026, 12, 1), date(2027, 12, 1), "")
