"""首营品种 approval over the API: transitions, the manifestation in detail responses, and the
refusals (ES-02, ES-04, ES-11, ES-13; invariant 7)."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from tests.signing_support import PASSWORD, code, enrol_totp, frozen_clock, later

from mederp.catalog import services
from mederp.catalog.models import Product
from mederp.core.actors import Actor
from mederp.core.models import Signature
from mederp.identity import services as identity
from mederp.identity.models import SecurityEvent

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def clock_frozen():
    with frozen_clock():
        yield


@pytest.fixture
def author(make_user):
    user = make_user("author", "qa_manager", printed_name="录入人 张三")
    user.secret = enrol_totp(user)
    return user


@pytest.fixture
def qa(make_user):
    user = make_user("qa", "qa_manager", printed_name="质量经理 王芳")
    user.secret = enrol_totp(user)
    return user


@pytest.fixture
def browser(qa):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(qa)
    return client


@pytest.fixture
def in_review(ea, author):
    from tests.catalog.conftest import product_fields

    product = services.create_product(Actor.for_user(author), **product_fields(1))
    return services.submit_product(Actor.for_user(author), product.pk)


def post(client, path, body, **headers):
    return client.post(path, data=json.dumps(body), content_type="application/json", **headers)


def approve(client, product, body):
    return post(client, f"/api/v1/catalog/products/{product.pk}/approve", body)


def test_approving_returns_the_product_with_its_manifestation(browser, qa, in_review):
    """ES-01, ES-02: printed name, UTC time and meaning wherever the record is shown."""
    r = approve(browser, in_review, {"password": PASSWORD, "totp": code(qa.secret)})
    assert r.status_code == 200, r.json()
    body = r.json()
    assert body["approval_state"] == "approved"
    assert body["approval"] == {
        "state": "approved",
        "approved_for_use": True,
        "needs_reapproval": False,
    }
    (sig,) = body["signatures"]
    assert sig["printed_name"] == "质量经理 王芳"
    assert sig["meaning"] == "approved" and sig["valid"] is True
    assert sig["signed_at"].startswith("2026-06-15T02:00:00")


def test_the_detail_shows_an_invalid_signature_after_a_change(browser, qa, in_review, author):
    approve(browser, in_review, {"password": PASSWORD, "totp": code(qa.secret)})
    services.change_product(Actor.for_user(author), in_review.pk, name_en="x", reason="typo")
    body = browser.get(f"/api/v1/catalog/products/{in_review.pk}").json()
    assert body["approval_state"] == "in_review"
    assert body["approval"]["needs_reapproval"] is True
    assert [s["valid"] for s in body["signatures"]] == [False]


def test_a_signature_id_cannot_be_passed_to_the_approve_api(browser, qa, in_review):
    """ES-04: replaying a signature id on another record is refused by the strict schema."""
    r = approve(browser, in_review, {"password": PASSWORD, "signature_id": 1})
    assert r.status_code == 422
    assert "signature_id" in r.json()["details"]["fields"]
    assert not Signature.objects.exists()


def test_an_api_key_cannot_sign(in_review, system):
    """ES-11: 403 identity.not_a_person for a service account, even one with the QA role."""
    _client, token = identity.create_api_client(system, name="mes", roles=["qa_manager"])
    r = post(
        Client(),
        f"/api/v1/catalog/products/{in_review.pk}/approve",
        {"password": "whatever"},
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert r.status_code == 403 and r.json()["code"] == "identity.not_a_person"
    assert not Signature.objects.exists()
    assert Product.objects.get(pk=in_review.pk).approval_state == "in_review"
    assert SecurityEvent.objects.filter(kind="signature_refused").exists()


def test_a_wrong_password_is_refused_and_its_security_record_survives(browser, in_review):
    """ES-13: the failure is recorded outside the refused transaction (and the idempotency
    guard's), so it is still there after the 403."""
    r = approve(browser, in_review, {"password": "wrong"})
    assert r.status_code == 403 and r.json()["code"] == "identity.invalid_credentials"
    assert SecurityEvent.objects.filter(kind="signature_failed", username="qa").count() == 1
    assert not Signature.objects.exists()


def test_the_author_is_refused_with_the_segregation_code(author, in_review):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(author)
    r = approve(client, in_review, {"password": PASSWORD, "totp": code(author.secret)})
    assert r.status_code == 403
    assert r.json()["code"] == "signatures.sod_author_cannot_approve"
    assert not Signature.objects.exists()


def test_a_wrong_state_is_409_and_logged(browser, qa, in_review):
    approve(browser, in_review, {"password": PASSWORD, "totp": code(qa.secret)})
    later()
    r = approve(browser, in_review, {"password": PASSWORD, "totp": code(qa.secret)})
    assert r.status_code == 409 and r.json()["code"] == "workflow.wrong_state"
    assert SecurityEvent.objects.filter(kind="signature_refused").exists()
    assert Signature.objects.count() == 1


def test_a_retry_with_the_same_idempotency_key_replays_the_first_answer(browser, qa, in_review):
    headers = {"HTTP_IDEMPOTENCY_KEY": "approve-1"}
    path = f"/api/v1/catalog/products/{in_review.pk}/approve"
    first = post(browser, path, {"password": PASSWORD, "totp": code(qa.secret)}, **headers)
    later()
    again = post(browser, path, {"password": PASSWORD, "totp": code(qa.secret)}, **headers)
    assert first.status_code == again.status_code == 200
    assert again["Idempotent-Replayed"] == "true"
    assert Signature.objects.count() == 1


def test_rejecting_needs_a_reason(browser, qa, in_review):
    path = f"/api/v1/catalog/products/{in_review.pk}/reject"
    r = post(browser, path, {"password": PASSWORD, "totp": code(qa.secret)})
    assert r.status_code == 422
    assert r.json()["code"] in ("signatures.reason_required", "workflow.reason_required")
    later()
    r = post(browser, path, {"password": PASSWORD, "totp": code(qa.secret), "reason": "缺资料"})
    assert r.status_code == 200 and r.json()["approval_state"] == "draft"


def test_submitting_over_the_api(ea, make_user, system):
    from tests.catalog.conftest import product_fields

    product = services.create_product(system, **product_fields(3))
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(make_user("buyer", "qa_manager", printed_name="X"))
    r = post(client, f"/api/v1/catalog/products/{product.pk}/submit", {})
    assert r.status_code == 200 and r.json()["approval_state"] == "in_review"


def test_the_list_shows_the_approval_state(browser, in_review):
    items = browser.get("/api/v1/catalog/products").json()["items"]
    assert items[0]["approval_state"] == "in_review"
