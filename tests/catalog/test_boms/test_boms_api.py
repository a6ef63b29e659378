"""BOM versions over the API: drafting (idempotent creates), components with exact quantities,
the signed approval and retirement, the version in effect on a day, and the coded refusals
(invariants 5, 7, 9; CM-01, CM-05; ES-02, ES-12)."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from tests.catalog.test_boms.conftest import TABLES, sign

from mederp.catalog.models import BillOfMaterials, BomComponent
from mederp.core.models import IdempotencyRecord, Signature

pytestmark = pytest.mark.django_db

BASE = "/api/v1/catalog"


def client_for(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def post(client, path, body, **headers):
    return client.post(
        BASE + path, data=json.dumps(body), content_type="application/json", **headers
    )


def patch(client, path, body):
    return client.patch(BASE + path, data=json.dumps(body), content_type="application/json")


@pytest.fixture
def planner(plant):
    return client_for(plant.planner)


@pytest.fixture
def qa(plant):
    return client_for(plant.qa)


@pytest.fixture
def draft(plant):
    return plant.draft()


def test_a_version_is_drafted_once_per_idempotency_key(plant, planner):
    body = {"product_id": plant.device.pk, "notes": "first build"}
    first = post(planner, "/boms", body, HTTP_IDEMPOTENCY_KEY="bom-1")
    assert first.status_code == 201, first.json()
    assert (first.json()["revision"], first.json()["state"]) == (1, "draft")
    again = post(planner, "/boms", body, HTTP_IDEMPOTENCY_KEY="bom-1")
    assert again.status_code == 201 and again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    other = post(planner, "/boms", {**body, "notes": "other"}, HTTP_IDEMPOTENCY_KEY="bom-1")
    assert other.status_code == 409
    assert other.json()["code"] == "idempotency.key_reused"
    assert BillOfMaterials.objects.count() == 1


def test_a_new_version_copies_an_earlier_one(plant, planner, draft):
    r = post(planner, "/boms", {"product_id": plant.device.pk, "copy_from_id": draft.pk})
    assert r.status_code == 201, r.json()
    body = r.json()
    assert body["revision"] == 2
    assert [(c["component_code"], c["quantity_per_unit"]) for c in body["components"]] == [
        ("P-0002", "2"),
        ("P-0003", "1"),
    ]


def test_a_material_has_no_bill_of_materials(plant, planner, unchanged):
    with unchanged(*TABLES):
        r = post(planner, "/boms", {"product_id": plant.part.pk})
    assert r.status_code == 422
    assert r.json()["code"] == "catalog.bom_product_not_a_device"
    assert "P-0002" in r.json()["message"]


def test_components_are_added_with_exact_quantities(plant, planner, unchanged):
    bom = post(planner, "/boms", {"product_id": plant.device.pk}).json()
    path = f"/boms/{bom['id']}/components"
    r = post(planner, path, {"component_id": plant.material.pk, "quantity_per_unit": "0.125"})
    assert r.status_code == 201, r.json()
    assert (r.json()["quantity_per_unit"], r.json()["uom_code"]) == ("0.125", "EA")
    with unchanged(*TABLES):
        floated = post(planner, path, {"component_id": plant.part.pk, "quantity_per_unit": 1.5})
        zero = post(planner, path, {"component_id": plant.part.pk, "quantity_per_unit": "0"})
        twice = post(planner, path, {"component_id": plant.material.pk, "quantity_per_unit": 1})
        boxed = post(
            planner,
            path,
            {"component_id": plant.part.pk, "quantity_per_unit": 1, "uom_id": plant.box.pk},
        )
    assert floated.status_code == 422 and floated.json()["code"] == "validation_failed"
    assert zero.status_code == 422
    assert zero.json()["code"] == "catalog.bom_quantity_not_positive"
    assert twice.status_code == 409
    assert twice.json()["code"] == "catalog.bom_component_duplicate"
    assert boxed.status_code == 422 and boxed.json()["code"] == "catalog.bom_uom_mismatch"
    assert "no unit conversions" in boxed.json()["message"]


def test_a_line_is_changed_and_removed_with_a_reason(plant, planner, draft, unchanged):
    line = draft.components.get(line_no=1)
    path = f"/boms/{draft.pk}/components/{line.pk}"
    with unchanged(*TABLES):
        no_reason = patch(planner, path, {"quantity_per_unit": "3"})
    assert no_reason.status_code == 422
    r = patch(planner, path, {"reason": "drawing rev B", "quantity_per_unit": "3"})
    assert r.status_code == 200, r.json()
    assert (r.json()["quantity_per_unit"], r.json()["version"]) == ("3", 2)
    r = post(planner, f"{path}/remove", {"reason": "not fitted"}, HTTP_IDEMPOTENCY_KEY="rm-1")
    assert r.status_code == 200, r.json()
    assert [c["line_no"] for c in r.json()["components"]] == [2]
    elsewhere = post(planner, f"/boms/999/components/{line.pk}/remove", {"reason": "x"})
    assert elsewhere.status_code == 404


def test_the_detail_says_what_blocks_approval(plant, planner):
    unapproved = plant.product(9)
    bom = post(planner, "/boms", {"product_id": unapproved.pk}).json()
    codes = [p["code"] for p in bom["approval_problems"]]
    assert codes == ["catalog.bom_empty", "catalog.bom_product_not_approved"]


def test_qa_approves_by_signature_and_a_retry_replays_the_answer(plant, qa, draft):
    body = {**sign(plant.qa), "effective_from": "2026-06-20"}
    r = post(qa, f"/boms/{draft.pk}/approve", body, HTTP_IDEMPOTENCY_KEY="approve-1")
    assert r.status_code == 200, r.json()
    data = r.json()
    assert (data["state"], data["effective_from"], data["approved"]) == (
        "approved",
        "2026-06-20",
        True,
    )
    assert data["usable_today"] is False, "it takes effect on the 20th"
    (sig,) = data["signatures"]
    assert (sig["printed_name"], sig["meaning"], sig["valid"]) == ("qa 签名人", "approved", True)
    replay = post(qa, f"/boms/{draft.pk}/approve", body, HTTP_IDEMPOTENCY_KEY="approve-1")
    assert replay.status_code == 200 and replay.json() == data
    assert Signature.objects.filter(record_type="catalog.billofmaterials").count() == 1


def test_the_planner_cannot_approve(plant, planner, draft, unchanged):
    with unchanged(*TABLES, Signature):
        r = post(planner, f"/boms/{draft.pk}/approve", sign(plant.planner))
    assert r.status_code == 403


def test_an_approved_version_is_not_edited_over_the_api(plant, planner, draft, unchanged):
    plant.approve(draft)
    line = draft.components.get(line_no=1)
    with unchanged(*TABLES):
        added = post(
            planner,
            f"/boms/{draft.pk}/components",
            {"component_id": plant.material.pk, "quantity_per_unit": 1},
        )
        changed = patch(
            planner,
            f"/boms/{draft.pk}/components/{line.pk}",
            {"reason": "r", "quantity_per_unit": "9"},
        )
        dated = patch(planner, f"/boms/{draft.pk}", {"reason": "r", "effective_from": None})
    for r in (added, changed, dated):
        assert r.status_code == 409
        assert r.json()["code"] == "catalog.bom_not_draft"


def test_a_past_effective_date_is_refused(plant, qa, draft, unchanged):
    with unchanged(*TABLES, Signature):
        body = {**sign(plant.qa), "effective_from": "2026-06-01"}
        r = post(qa, f"/boms/{draft.pk}/approve", body)
    assert r.status_code == 422
    assert r.json()["code"] == "catalog.bom_effective_in_past"


def test_retiring_needs_a_reason(plant, qa, draft, unchanged):
    plant.approve(draft)
    with unchanged(*TABLES, Signature):
        r = post(qa, f"/boms/{draft.pk}/obsolete", sign(plant.qa))
    assert r.status_code == 422
    r = post(qa, f"/boms/{draft.pk}/obsolete", {**sign(plant.qa), "reason": "ECN-9"})
    assert r.status_code == 200, r.json()
    assert r.json()["state"] == "obsolete"
    assert [s["meaning"] for s in r.json()["signatures"]] == ["approved", "obsoleted"]


def test_the_version_in_effect_on_a_day(plant, planner, draft):
    plant.approve(draft)
    path = f"/products/{plant.device.pk}/effective-bom"
    r = planner.get(BASE + path)
    assert r.status_code == 200 and r.json()["id"] == draft.pk
    before = planner.get(BASE + path, {"on_date": "2026-06-14"})
    assert before.status_code == 404
    assert before.json()["code"] == "catalog.bom_not_in_effect"


def test_versions_are_listed_by_product_and_state(plant, planner, draft):
    other = plant.draft(product=plant.product(9))
    plant.approve(draft)
    r = planner.get(BASE + "/boms", {"product_id": plant.device.pk})
    assert [b["id"] for b in r.json()["items"]] == [draft.pk]
    r = planner.get(BASE + "/boms", {"state": "draft"})
    assert [b["id"] for b in r.json()["items"]] == [other.pk]
    assert r.json()["count"] == 1


def test_someone_without_bom_permissions_is_refused(plant, make_user, draft):
    clerk = client_for(make_user("clerk", "sales"))
    assert clerk.get(f"{BASE}/boms/{draft.pk}").status_code == 200, "master data is viewable"
    r = post(clerk, "/boms", {"product_id": plant.device.pk})
    assert r.status_code == 403
    assert IdempotencyRecord.objects.count() == 0
    assert BomComponent.objects.filter(bom=draft).count() == 2
