"""Refused requests are security events (issue 3 §8; AT-12; AC-06; 21 CFR 11.300(d)).

Every 401 and 403, from a page or from the API, is recorded once with the principal (or
anonymous), source IP, target (method and path) and time; a burst of refusals raises one alert.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.test import Client

from mederp.core import clock
from mederp.core.models import OutboxEvent
from mederp.identity import securitylog
from mederp.identity.models import SecurityEvent

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 5, 4, 10, 0, tzinfo=dt.UTC)
UOM = {"code": "EA", "name_zh": "个", "name_en": "each"}


def denials():
    return list(SecurityEvent.objects.filter(kind=securitylog.ACCESS_DENIED).order_by("id"))


def alerts():
    return OutboxEvent.objects.filter(event_type=securitylog.ALERT_EVENT)


@pytest.fixture
def clerk(make_user):
    user = make_user("clerk", "warehouse")
    client = Client(HTTP_ACCEPT_LANGUAGE="en", REMOTE_ADDR="10.1.2.3")
    client.force_login(user)
    return user, client


def test_a_refused_page_is_recorded_with_user_ip_target_and_time(clerk):
    user, client = clerk
    with clock.frozen(T0):
        r = client.get("/audit/?record_type=x")
    assert r.status_code == 403
    [event] = denials()
    assert event.user_id == user.pk and event.username == "clerk"
    assert event.client_ip == "10.1.2.3"
    assert event.target == "GET /audit/"  # never the query string
    assert event.occurred_at == T0
    assert event.detail == {"status": 403}


def test_a_refused_form_post_is_recorded_too(clerk):
    _user, client = clerk
    assert client.post("/catalog/uoms/new/", {"code": "EA"}).status_code == 403
    assert denials()[0].target == "POST /catalog/uoms/new/"


def test_a_refused_api_call_is_recorded_with_its_error_code(clerk):
    user, client = clerk
    r = client.post("/api/v1/catalog/uoms", data=json.dumps(UOM), content_type="application/json")
    assert r.status_code == 403
    [event] = denials()
    assert event.user_id == user.pk
    assert event.detail == {"status": 403, "code": "permission_denied"}
    assert event.target == "POST /api/v1/catalog/uoms"


def test_an_anonymous_api_call_is_recorded_as_a_401_from_its_address():
    r = Client(REMOTE_ADDR="203.0.113.9").get("/api/v1/catalog/uoms")
    assert r.status_code == 401
    [event] = denials()
    assert event.user_id is None and event.username == ""
    assert event.client_ip == "203.0.113.9"
    assert event.detail == {"status": 401, "code": "auth.unauthenticated"}


def test_a_basic_auth_header_is_a_recorded_401():
    r = Client().get("/api/v1/catalog/uoms", HTTP_AUTHORIZATION="Basic eA==")
    assert r.status_code == 401 and len(denials()) == 1


def test_a_missing_csrf_token_is_a_recorded_refusal(make_user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(make_user("admin", "administrator"))
    r = client.post("/catalog/uoms/new/", {"code": "EA"})
    assert r.status_code == 403
    assert denials()[0].username == "admin"


def test_allowed_requests_and_redirects_to_login_record_nothing(clerk):
    _user, client = clerk
    assert client.get("/catalog/uoms/").status_code == 200
    assert Client().get("/catalog/uoms/").status_code == 302
    assert not SecurityEvent.objects.filter(kind__in=securitylog.DENIAL_KINDS).exists()


@pytest.fixture
def product_in_review(make_user, system):
    from tests.catalog.conftest import product_fields

    from mederp.catalog import services as catalog
    from mederp.core.actors import Actor

    catalog.create_uom(system, code="EA", name_zh="个", name_en="each")
    author = Actor.for_user(make_user("author", "qa_manager", printed_name="Author"))
    product = catalog.create_product(author, **product_fields(1))
    return catalog.submit_product(author, product.pk)


def test_a_refused_signature_is_one_event_not_two(make_user, product_in_review):
    """The credential check records signature_failed; the 403 it causes adds no access_denied."""
    from tests.signing_support import enrol_totp

    qa = make_user("qa", "qa_manager", printed_name="QA Wang")
    enrol_totp(qa)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(qa)
    r = client.post(
        f"/api/v1/catalog/products/{product_in_review.pk}/approve",
        data=json.dumps({"password": "wrong-password", "totp": "123456"}),
        content_type="application/json",
    )
    assert r.status_code == 403 and r.json()["code"] == "identity.invalid_credentials"
    refusals = SecurityEvent.objects.filter(kind__in=securitylog.DENIAL_KINDS)
    assert [e.kind for e in refusals] == [securitylog.SIGNATURE_FAILED]


def test_eleven_refused_requests_raise_one_alert_not_eleven(clerk):
    """AC-06: a burst (DENIAL_BURST_COUNT, default 10, within the window) alerts once."""
    user, client = clerk
    with clock.frozen(T0):
        for _ in range(11):
            assert client.get("/audit/").status_code == 403
    assert len(denials()) == 11
    [alert] = alerts()
    assert alert.payload["kind"] == securitylog.DENIAL_BURST
    assert alert.payload["username"] == "clerk"
    burst = SecurityEvent.objects.get(kind=securitylog.DENIAL_BURST)
    assert burst.user_id == user.pk and burst.detail["refusals"] == 10


def test_an_anonymous_burst_is_counted_per_address():
    noisy = Client(REMOTE_ADDR="198.51.100.7")
    with clock.frozen(T0):
        for _ in range(9):
            noisy.get("/api/v1/catalog/uoms")
        Client(REMOTE_ADDR="198.51.100.8").get("/api/v1/catalog/uoms")
        assert not alerts().exists()
        noisy.get("/api/v1/catalog/uoms")
    [alert] = alerts()
    assert alert.payload["client_ip"] == "198.51.100.7"


def test_refusals_spread_beyond_the_window_raise_no_alert(clerk):
    _user, client = clerk
    for i in range(12):
        with clock.frozen(T0 + dt.timedelta(seconds=10 * i)):
            client.get("/audit/")
    assert not alerts().exists()


def test_a_new_burst_after_the_window_alerts_again(clerk):
    _user, client = clerk
    for start in (T0, T0 + dt.timedelta(minutes=5)):
        with clock.frozen(start):
            for _ in range(10):
                client.get("/audit/")
    assert alerts().count() == 2
