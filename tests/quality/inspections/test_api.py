"""/api/v1/quality/inspection-plans and /inspections: plans drafted and approved by signature,
inspections listed with filters and read with their results, results posted (idempotent), and
coded refusals that write nothing (ISO 13485 §7.4.3, §8.2.6; invariants 5, 7, 9)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.test import Client

from mederp.core.models import Signature
from mederp.quality.inspections.models import Inspection, InspectionPlan, InspectionResult
from mederp.quality.nonconformance.models import Nonconformance
from tests.quality.inspections.support import (
    CHARACTERISTICS,
    SAMPLING,
    TABLES,
    make_plan,
    receive,
    results_for,
    sign_body,
)

PLANS = "/api/v1/quality/inspection-plans"
INSPECTIONS = "/api/v1/quality/inspections"
EXPIRY = dt.date(2028, 12, 31)


def client_of(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def post(client: Client, url: str, body: dict, **headers):
    return client.post(url, data=json.dumps(body), content_type="application/json", **headers)


@pytest.fixture
def inspection(world, approved_order) -> Inspection:
    make_plan(world.qa, world.lot_product)
    receive(world, approved_order().lines.get(), quantity="40", lot="L-API", expiry_date=EXPIRY)
    return Inspection.objects.get()


def test_qa_drafts_and_approves_a_plan_by_signature(world) -> None:
    qa = client_of(world.qa)
    body = {
        "product_id": world.lot_product.pk,
        "stage": "final",
        "title": "Final release checks",
        "characteristics": CHARACTERISTICS,
        "sampling": SAMPLING,
    }
    r = post(qa, PLANS, body, HTTP_IDEMPOTENCY_KEY="plan-1")
    assert r.status_code == 201, r.content
    plan = r.json()
    assert (plan["state"], plan["revision"], len(plan["characteristics"])) == ("draft", 1, 3)
    assert plan["characteristics"][0]["lower_limit"] == "4.9"
    assert plan["sampling"][2] == {"lot_size_from": "501", "lot_size_to": None, "sample_size": "50"}
    again = post(qa, PLANS, body, HTTP_IDEMPOTENCY_KEY="plan-1")
    assert again.status_code == 201 and again.json()["id"] == plan["id"]
    assert InspectionPlan.objects.count() == 1
    r = post(qa, f"{PLANS}/{plan['id']}/approve", sign_body(world.qa))
    assert r.status_code == 200, r.content
    assert r.json()["state"] == "approved"
    assert r.json()["signatures"][0]["meaning"] == "approved"
    listed = qa.get(PLANS, {"product": world.lot_product.code, "state": "approved"}).json()
    assert [p["id"] for p in listed["items"]] == [plan["id"]]


def test_a_float_limit_and_an_unknown_field_are_refused(world, unchanged) -> None:
    qa = client_of(world.qa)
    body = {
        "product_id": world.lot_product.pk,
        "stage": "final",
        "characteristics": [{"name": "L", "kind": "numeric", "lower_limit": 4.9}],
    }
    with unchanged(InspectionPlan):
        assert post(qa, PLANS, body).status_code == 422
        assert post(qa, PLANS, {**body, "colour": "red"}).status_code == 422


def test_an_approved_plan_cannot_be_edited_over_the_api(world, unchanged) -> None:
    plan = make_plan(world.qa, world.lot_product)
    qa = client_of(world.qa)
    with unchanged(*TABLES):
        r = qa.put(
            f"{PLANS}/{plan.pk}",
            data=json.dumps({"characteristics": CHARACTERISTICS[:1]}),
            content_type="application/json",
        )
    assert r.status_code == 409 and r.json()["code"] == "inspections.plan_not_draft"
    r = post(qa, f"{PLANS}/{plan.pk}/revise", {})
    assert r.status_code == 201 and r.json()["revision"] == 2


def test_approval_with_a_wrong_password_is_refused_and_signs_nothing(world) -> None:
    plan = make_plan(world.qa, world.lot_product, approve=False)
    r = post(client_of(world.qa), f"{PLANS}/{plan.pk}/approve", {"password": "wrong"})
    assert r.status_code in (401, 403, 422)
    assert not Signature.objects.filter(record_type="inspections.inspectionplan").exists()


def test_inspections_are_listed_with_filters_and_read_with_results(world, inspection) -> None:
    qa = client_of(world.qa)
    page = qa.get(INSPECTIONS, {"stage": "incoming", "state": "open", "lot": "L-API"}).json()
    assert [i["number"] for i in page["items"]] == [inspection.number]
    assert qa.get(INSPECTIONS, {"stage": "final"}).json()["count"] == 0
    assert qa.get(INSPECTIONS, {"product": world.lot_product.code}).json()["count"] == 1
    one = qa.get(f"{INSPECTIONS}/{inspection.pk}").json()
    assert one["sample_size"] == "5" and one["lot_number"] == "L-API"
    assert [c["result"] for c in one["characteristics"]] == [None, None, None]


def test_qc_posts_results_and_a_failure_opens_an_ncr(world, inspection) -> None:
    qc = client_of(world.inspector)
    body = {"results": results_for(inspection, diameter="5.3")}
    r = post(qc, f"{INSPECTIONS}/{inspection.pk}/results", body, HTTP_IDEMPOTENCY_KEY="res-1")
    assert r.status_code == 201, r.content
    data = r.json()
    assert (data["state"], data["result"]) == ("completed", "fail")
    assert data["ncr_id"] == Nonconformance.objects.get().pk
    assert data["characteristics"][0]["result"]["value"] == "5.3"
    assert data["characteristics"][0]["result"]["passed"] is False
    again = post(qc, f"{INSPECTIONS}/{inspection.pk}/results", body, HTTP_IDEMPOTENCY_KEY="res-1")
    assert again.status_code == 201 and again.json() == data
    assert InspectionResult.objects.count() == 3


@pytest.mark.parametrize(
    ("change", "status", "code"),
    [
        ({"characteristic_id": 999999}, 422, "inspections.unknown_characteristic"),
        ({"value": None}, 422, "inspections.value_required"),
    ],
)
def test_bad_results_get_their_code_and_write_nothing(
    world, inspection, unchanged, change, status, code
) -> None:
    rows = results_for(inspection)
    rows[0] = {**rows[0], **change}
    with unchanged(*TABLES, Nonconformance):
        r = post(
            client_of(world.inspector), f"{INSPECTIONS}/{inspection.pk}/results", {"results": rows}
        )
    assert r.status_code == status and r.json()["code"] == code


def test_a_float_value_is_refused_by_the_schema(world, inspection, unchanged) -> None:
    rows = results_for(inspection)
    rows[0] = {**rows[0], "value": 5.0}
    with unchanged(*TABLES):
        r = post(
            client_of(world.inspector), f"{INSPECTIONS}/{inspection.pk}/results", {"results": rows}
        )
    assert r.status_code == 422


def test_unknown_and_completed_inspections_are_refused(world, inspection, unchanged) -> None:
    qc = client_of(world.inspector)
    with unchanged(*TABLES):
        r = post(qc, f"{INSPECTIONS}/999999/results", {"results": results_for(inspection)})
    assert r.status_code == 404 and r.json()["code"] == "inspections.unknown_inspection"
    assert (
        post(
            qc, f"{INSPECTIONS}/{inspection.pk}/results", {"results": results_for(inspection)}
        ).status_code
        == 201
    )
    with unchanged(*TABLES):
        r = post(qc, f"{INSPECTIONS}/{inspection.pk}/results", {"results": results_for(inspection)})
    assert r.status_code == 409 and r.json()["code"] == "inspections.inspection_completed"
    assert client_of(world.inspector).get(f"{INSPECTIONS}/999999").status_code == 404


def test_permissions_are_denied_by_default(world, inspection, api_as) -> None:
    """Invariant 9: sales may neither record results nor draft plans; QC may not approve."""
    sales = api_as("sales")
    r = post(sales, f"{INSPECTIONS}/{inspection.pk}/results", {"results": results_for(inspection)})
    assert r.status_code == 403
    r = post(
        client_of(world.inspector),
        PLANS,
        {"product_id": world.lot_product.pk, "stage": "final", "characteristics": CHARACTERISTICS},
    )
    assert r.status_code == 403
    assert Client().get(INSPECTIONS).status_code == 401
