"""Units of measure through the API: the reference slice for every master-data endpoint."""

from __future__ import annotations

import json

import pytest

from mederp.catalog.models import UnitOfMeasure
from mederp.core.models import AuditEntry, OutboxEvent

pytestmark = pytest.mark.django_db


def post(client, url, body, **headers):
    return client.post(url, data=json.dumps(body), content_type="application/json", **headers)


def test_creating_a_unit_writes_record_audit_and_event(api):
    r = post(api, "/api/v1/catalog/uoms", {"code": "box", "name_zh": "盒", "name_en": "box"})
    assert r.status_code == 201, r.content
    uom = UnitOfMeasure.objects.get(code="BOX")
    entry = AuditEntry.objects.get(record_type="catalog.unitofmeasure", record_id=str(uom.pk))
    assert entry.action == "create" and "admin" in entry.actor_name
    assert OutboxEvent.objects.get(aggregate_id=str(uom.pk)).event_type == "catalog.uom.created"


def test_duplicate_code_is_refused_with_a_stable_code_and_writes_nothing(api, unchanged):
    post(api, "/api/v1/catalog/uoms", {"code": "EA", "name_zh": "个", "name_en": "each"})
    with unchanged(UnitOfMeasure):
        r = post(api, "/api/v1/catalog/uoms", {"code": "ea", "name_zh": "个", "name_en": "each"})
    assert r.status_code == 409
    assert r.json()["code"] == "catalog.uom_code_taken"


def test_error_message_follows_accept_language(api, unchanged):
    post(api, "/api/v1/catalog/uoms", {"code": "EA", "name_zh": "个", "name_en": "each"})
    r = post(
        api,
        "/api/v1/catalog/uoms",
        {"code": "EA", "name_zh": "个", "name_en": "each"},
        HTTP_ACCEPT_LANGUAGE="zh-Hans",
    )
    assert r.status_code == 409
    assert "已存在" in r.json()["message"]


def test_unknown_field_wrong_type_and_malformed_json_are_refused(api, unchanged):
    with unchanged(UnitOfMeasure):
        r1 = post(
            api,
            "/api/v1/catalog/uoms",
            {"code": "EA", "name_zh": "个", "name_en": "each", "colour": "red"},
        )
        r2 = post(api, "/api/v1/catalog/uoms", {"code": 5, "name_zh": [], "name_en": "each"})
        r3 = api.post("/api/v1/catalog/uoms", data="{not json", content_type="application/json")
    assert (r1.status_code, r1.json()["code"]) == (422, "validation_failed")
    assert "colour" in r1.json()["details"]["fields"]
    assert r2.status_code == 422
    assert r3.status_code in (400, 422) and "code" in r3.json()


def test_change_needs_a_reason(api, unchanged):
    r = post(api, "/api/v1/catalog/uoms", {"code": "EA", "name_zh": "个", "name_en": "each"})
    uom_id = r.json()["id"]
    with unchanged(UnitOfMeasure):
        bad = api.patch(
            f"/api/v1/catalog/uoms/{uom_id}",
            data=json.dumps({"name_en": "Each"}),
            content_type="application/json",
        )
    assert bad.status_code == 422
    ok = api.patch(
        f"/api/v1/catalog/uoms/{uom_id}",
        data=json.dumps({"name_en": "Each", "reason": "capitalise"}),
        content_type="application/json",
    )
    assert ok.status_code == 200 and ok.json()["version"] == 2
    entry = AuditEntry.objects.filter(action="update").get()
    assert json.loads(entry.changes)["name_en"] == ["each", "Each"]
    assert entry.reason == "capitalise"


def test_unknown_id_is_404_json(api):
    r = api.get("/api/v1/catalog/uoms/999999")
    assert r.status_code == 404 and r.json()["code"] == "not_found"


def test_idempotency_key_replays_first_response_and_refuses_other_body(api, unchanged):
    body = {"code": "EA", "name_zh": "个", "name_en": "each"}
    first = post(api, "/api/v1/catalog/uoms", body, HTTP_IDEMPOTENCY_KEY="k-1")
    with unchanged(UnitOfMeasure):
        again = post(api, "/api/v1/catalog/uoms", body, HTTP_IDEMPOTENCY_KEY="k-1")
        other = post(
            api, "/api/v1/catalog/uoms", {**body, "code": "BX"}, HTTP_IDEMPOTENCY_KEY="k-1"
        )
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert other.status_code == 409 and other.json()["code"] == "idempotency.key_reused"
