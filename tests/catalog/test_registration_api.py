"""Registration certificates through /api/v1/catalog/products/{id}/registrations (CN-02, CN-04)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from tests.catalog.conftest import TODAY

from mederp.catalog.models import Product, Registration
from mederp.core.models import AuditEntry, OutboxEvent

pytestmark = pytest.mark.django_db


def url(product_id, registration_id=None):
    base = f"/api/v1/catalog/products/{product_id}/registrations"
    return base if registration_id is None else f"{base}/{registration_id}"


def post(client, path, body, **headers):
    return client.post(path, data=json.dumps(body), content_type="application/json", **headers)


def patch(client, path, body):
    return client.patch(path, data=json.dumps(body), content_type="application/json")


def cert(**overrides):
    data = {
        "jurisdiction": "CN",
        "kind": "registration",
        "number": "苏械注准20242140001",
        "valid_from": "2024-01-01",
        "valid_until": "2029-01-01",
        "holder": "示例",
        "scope": "用于抽取药液",
    }
    data.update(overrides)
    return data


def test_add_returns_the_certificate_with_its_status(api, product, today):
    r = post(api, url(product.pk), cert(valid_until=(TODAY + dt.timedelta(days=20)).isoformat()))
    assert r.status_code == 201, r.content
    data = r.json()
    assert (data["product_id"], data["number"], data["status"], data["days_left"]) == (
        product.pk,
        "苏械注准20242140001",
        "expiring",
        20,
    )
    entry = AuditEntry.objects.get(record_type="catalog.registration")
    assert entry.record_id == str(data["id"])
    event = OutboxEvent.objects.get(event_type="catalog.registration.added")
    assert event.aggregate_id == str(product.pk)


def test_list_and_get_show_the_products_certificates(api, product, make_registration):
    reg = make_registration(product)
    listed = api.get(url(product.pk)).json()
    assert [r["id"] for r in listed] == [reg.pk]
    assert api.get(url(product.pk, reg.pk)).json()["number"] == reg.number


def test_idempotent_add_replays_and_refuses_another_body(api, product, unchanged):
    first = post(api, url(product.pk), cert(), HTTP_IDEMPOTENCY_KEY="reg-1")
    with unchanged(Registration):
        again = post(api, url(product.pk), cert(), HTTP_IDEMPOTENCY_KEY="reg-1")
        other = post(api, url(product.pk), cert(number="X"), HTTP_IDEMPOTENCY_KEY="reg-1")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    assert (other.status_code, other.json()["code"]) == (409, "idempotency.key_reused")


@pytest.mark.parametrize(
    ("overrides", "status", "code"),
    [
        (
            {"valid_from": "2026-02-01", "valid_until": "2026-01-31"},
            422,
            "catalog.registration_dates_invalid",
        ),
        ({"valid_until": "someday"}, 422, "validation_failed"),
        ({"valid_until": None}, 422, "validation_failed"),
        ({"jurisdiction": "XX"}, 422, "validation_failed"),
        ({"kind": "permit"}, 422, "validation_failed"),
        ({"number": ""}, 422, "validation_failed"),
        ({"number": 42}, 422, "validation_failed"),
        ({"product": 1}, 422, "validation_failed"),
    ],
)
def test_bad_certificate_is_refused_and_writes_nothing(
    api, product, unchanged, overrides, status, code
):
    with unchanged(Product, Registration):
        r = post(api, url(product.pk), cert(**overrides), HTTP_IDEMPOTENCY_KEY="bad")
    assert (r.status_code, r.json()["code"]) == (status, code), r.content


def test_number_already_recorded_in_the_jurisdiction_is_a_conflict(
    api, make_product, make_registration, unchanged
):
    make_registration(make_product(1), number="苏械注准20242140001")
    other = make_product(2)
    with unchanged(Registration):
        r = post(api, url(other.pk), cert())
    assert (r.status_code, r.json()["code"]) == (409, "catalog.registration_number_taken")
    assert r.json()["details"]["field"] == "number"


def test_unknown_product_or_certificate_is_404(
    api, product, make_registration, make_product, unchanged
):
    reg = make_registration(product)
    stranger = make_product(2)
    with unchanged(Registration):
        responses = [
            api.get(url(999999)),
            post(api, url(999999), cert(number="N")),
            api.get(url(product.pk, 999999)),
            api.get(url(stranger.pk, reg.pk)),
            patch(api, url(stranger.pk, reg.pk), {"reason": "x", "holder": "y"}),
        ]
    assert [(r.status_code, r.json()["code"]) for r in responses] == [(404, "not_found")] * 5


def test_patch_needs_a_reason_and_is_audited(api, product, make_registration, unchanged):
    reg = make_registration(product)
    with unchanged(Registration):
        r = patch(api, url(product.pk, reg.pk), {"valid_until": "2034-01-01"})
    assert r.status_code == 422
    ok = patch(
        api,
        url(product.pk, reg.pk),
        {"valid_until": "2034-01-01", "reason": "renewed", "expected_version": 1},
    )
    assert ok.status_code == 200 and ok.json()["version"] == 2
    entry = AuditEntry.objects.get(record_type="catalog.registration", action="update")
    assert json.loads(entry.changes)["valid_until"] == ["2029-01-01", "2034-01-01"]


@pytest.mark.parametrize(
    ("change", "status", "code"),
    [
        ({"valid_from": "2030-01-01"}, 422, "catalog.registration_dates_invalid"),
        ({"expected_version": 9, "holder": "x"}, 409, "stale_record"),
        ({"product_id": 3}, 422, "validation_failed"),
        ({"valid_until": "2030-02-30"}, 422, "validation_failed"),
    ],
)
def test_bad_patch_is_refused_and_writes_nothing(
    api, product, make_registration, unchanged, change, status, code
):
    reg = make_registration(product)
    with unchanged(Registration):
        r = patch(api, url(product.pk, reg.pk), {"reason": "test", **change})
    assert (r.status_code, r.json()["code"]) == (status, code), r.content


def test_certificate_changes_appear_in_the_products_history(api, product, make_registration):
    reg = make_registration(product)
    patch(api, url(product.pk, reg.pk), {"reason": "holder renamed", "holder": "新名称"})
    history = api.get(f"/api/v1/catalog/products/{product.pk}/history").json()
    assert [(e["record_type"], e["action"]) for e in history][:2] == [
        ("catalog.registration", "update"),
        ("catalog.registration", "create"),
    ]
    assert history[0]["reason"] == "holder renamed"


def test_roles_without_certificate_rights_get_403(api_as, product, make_registration, unchanged):
    reg = make_registration(product)
    nobody, warehouse = api_as(), api_as("warehouse")
    with unchanged(Registration):
        assert nobody.get(url(product.pk)).status_code == 403
        assert nobody.get(url(product.pk, reg.pk)).status_code == 403
        assert post(warehouse, url(product.pk), cert(number="N")).status_code == 403
        assert (
            patch(warehouse, url(product.pk, reg.pk), {"reason": "x", "holder": "y"}).status_code
            == 403
        )
    assert warehouse.get(url(product.pk)).status_code == 200
