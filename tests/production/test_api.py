"""The production API (/api/v1/production): every creating POST takes an Idempotency-Key;
refusals are JSON ``{code, message, details}`` with the right status and write nothing
(invariants 5, 7); closing is signed with credentials, never a signature id (ES-04)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client
from tests.production.conftest import TABLES, TODAY, gs1, person, sign

from mederp.production.models import MaterialIssue, WorkOrder

pytestmark = pytest.mark.django_db

BASE = "/api/v1/production"


def client_for(user: Any) -> Client:
    c = Client(HTTP_ACCEPT_LANGUAGE="en")
    c.force_login(user)
    return c


def send(client: Client, url: str, body: Any = None, **headers: Any) -> Any:
    data = body if isinstance(body, str) else json.dumps(body if body is not None else {})
    return client.generic("POST", url, data=data, content_type="application/json", **headers)


def plan(p: Any, **kw: Any) -> dict[str, Any]:
    body = {
        "product_id": p.device.pk,
        "planned_quantity": "5",
        "planned_start": TODAY.isoformat(),
        "production_location_id": p.line.pk,
        "output_location_id": p.fg_quarantine.pk,
        "output_lot_number": "FG-001",
    }
    body.update(kw)
    return body


def test_creating_a_work_order_is_idempotent(production_plant):
    p = production_plant
    planner = client_for(p.planner)
    r1 = send(planner, f"{BASE}/work-orders", plan(p), HTTP_IDEMPOTENCY_KEY="wo-1")
    assert r1.status_code == 201, r1.json()
    body = r1.json()
    assert body["number"] == "WO-2026-00001" and body["state"] == "planned"
    assert body["bom_revision"] == 1 and body["planned_quantity"] == "5"
    assert [c["component_code"] for c in body["components"]] == ["CMP-LOT", "CMP-SER", "CMP-NON"]
    assert body["components"][0]["planned"] == "10"
    r2 = send(planner, f"{BASE}/work-orders", plan(p), HTTP_IDEMPOTENCY_KEY="wo-1")
    assert r2.status_code == 201 and r2["Idempotent-Replayed"] == "true"
    assert r2.json()["id"] == body["id"] and WorkOrder.objects.count() == 1
    r3 = send(planner, f"{BASE}/work-orders", plan(p, notes="x"), HTTP_IDEMPOTENCY_KEY="wo-1")
    assert r3.status_code == 409 and r3.json()["code"] == "idempotency.key_reused"


@pytest.mark.parametrize(
    "kw,status,code",
    [
        ({"planned_quantity": 1.5}, 422, "validation_failed"),
        ({"planned_quantity": "0"}, 422, "inventory.quantity_not_positive"),
        ({"planned_start": "2026-06-14"}, 409, "production.no_effective_bom"),
        ({"production_location_id": "storage"}, 422, "production.location_kind"),
        ({"unknown": 1}, 422, "validation_failed"),
        ({"product_id": 999999}, 404, "not_found"),
    ],
)
def test_bad_plans_are_refused_and_write_nothing(production_plant, unchanged, kw, status, code):
    p = production_plant
    if kw.get("production_location_id") == "storage":
        kw["production_location_id"] = p.storage.pk
    with unchanged(*TABLES):
        r = send(client_for(p.planner), f"{BASE}/work-orders", plan(p, **kw))
    assert (r.status_code, r.json()["code"]) == (status, code), r.json()


def test_the_shop_floor_cannot_plan(production_plant, unchanged):
    p = production_plant
    with unchanged(*TABLES):
        r = send(client_for(p.operator), f"{BASE}/work-orders", plan(p))
    assert r.status_code == 403 and r.json()["code"] == "permission_denied"


def test_list_and_read(production_plant):
    p = production_plant
    order = p.work_order()
    reader = client_for(p.qa)
    r = reader.get(f"{BASE}/work-orders", {"q": "DEV-001", "state": "released"})
    assert r.status_code == 200 and r.json()["count"] == 1
    assert r.json()["items"][0]["number"] == order.number
    r = reader.get(f"{BASE}/work-orders/{order.pk}")
    assert r.status_code == 200 and r.json()["state"] == "released"
    assert r.json()["yield_ratio"] is None
    assert reader.get(f"{BASE}/work-orders/999999").status_code == 404
    history = reader.get(f"{BASE}/work-orders/{order.pk}/history")
    assert history.status_code == 200
    assert {e["action"] for e in history.json()} >= {"create", "transition"}


def test_the_whole_life_through_the_api(production_plant):
    p = production_plant
    p.stock(p.part, "P1", "20")
    planner, operator, qa = client_for(p.planner), client_for(p.operator), client_for(p.qa)
    wo = send(planner, f"{BASE}/work-orders", plan(p)).json()
    url = f"{BASE}/work-orders/{wo['id']}"
    r = send(planner, f"{url}/release", {}, HTTP_IDEMPOTENCY_KEY="rel-1")
    assert r.status_code == 200 and r.json()["state"] == "released"
    again = send(planner, f"{url}/release", {}, HTTP_IDEMPOTENCY_KEY="rel-1")
    assert again.status_code == 200 and again["Idempotent-Replayed"] == "true"
    scan = gs1(p.part, lot="P1")
    r = send(operator, f"{url}/issues", {"scan": scan, "quantity": "4"}, HTTP_IDEMPOTENCY_KEY="i1")
    assert r.status_code == 201, r.json()
    assert r.json()["issues"][0]["lot_number"] == "P1" and r.json()["issues"][0]["method"] == "scan"
    assert r.json()["work_order"]["state"] == "in_progress"
    replay = send(
        operator, f"{url}/issues", {"scan": scan, "quantity": "4"}, HTTP_IDEMPOTENCY_KEY="i1"
    )
    assert replay.status_code == 201 and MaterialIssue.objects.count() == 1
    r = send(operator, f"{url}/outputs", {"quantity": "2"})
    assert r.status_code == 201, r.json()
    body = r.json()["work_order"]
    assert body["good"] == "2" and body["genealogy"][0]["consumed_number"] == "P1"
    assert body["genealogy"][0]["produced_number"] == "FG-001"
    r = send(operator, f"{url}/outputs", {"quantity": 1, "kind": "scrap", "reason": "leak"})
    assert r.status_code == 201 and r.json()["work_order"]["yield_ratio"] == "0.6667"
    lot_id = body["issues"][0]["lot_id"]
    r = send(operator, f"{url}/scrap", {"quantity": "1", "lot_id": lot_id, "reason": "dropped"})
    assert r.status_code == 201 and r.json()["scrap"]["lot_number"] == "P1"
    r = send(
        operator,
        f"{url}/operations",
        {"operation": "ASSEMBLY", "completed_at": "2026-06-15T02:30:00Z", "quantity_good": 2},
    )
    assert r.status_code == 201 and r.json()["operation"]["quantity_good"] == "2"
    r = send(qa, f"{url}/checks", {"characteristic": "Leak test", "result": "pass"})
    assert r.status_code == 201 and r.json()["check"]["result"] == "pass"
    r = send(operator, f"{url}/complete", {})
    assert r.status_code == 200 and r.json()["state"] == "completed"
    r = send(qa, f"{url}/close", {"password": "wrong", **{"totp": sign(p.qa)["totp"]}})
    assert r.status_code in (401, 403, 422) and WorkOrder.objects.get().state == "completed"
    r = send(qa, f"{url}/close", sign(p.qa), HTTP_IDEMPOTENCY_KEY="close-1")
    assert r.status_code == 200, r.json()
    assert r.json()["state"] == "closed" and r.json()["signatures"][0]["meaning"] == "reviewed"
    replay = send(qa, f"{url}/close", sign(p.qa), HTTP_IDEMPOTENCY_KEY="close-1")
    assert replay.status_code == 200 and replay["Idempotent-Replayed"] == "true"


def test_issue_refusals_are_coded_and_write_nothing(production_plant, unchanged):
    p = production_plant
    p.stock(p.outsider, "X1", "5")
    p.stock(p.part, "Q1", "5", release=False)
    order = p.work_order()
    url = f"{BASE}/work-orders/{order.pk}/issues"
    operator = client_for(p.operator)
    cases = [
        ({"scan": gs1(p.outsider, lot="X1"), "quantity": "1"}, 422, "production.not_in_bom"),
        ({"scan": gs1(p.part, lot="Q1"), "quantity": "1"}, 409, "inventory.stock_not_available"),
        ({"component_id": p.part.pk, "quantity": "500"}, 409, "production.not_enough_stock"),
        ({"component_id": p.part.pk, "quantity": 0.5}, 422, "validation_failed"),
        ({"scan": "nonsense", "quantity": "1"}, 422, "barcodes.unrecognised"),
    ]
    for body, status, code in cases:
        with unchanged(*TABLES):
            r = send(operator, url, body, HTTP_IDEMPOTENCY_KEY=f"bad-{code}")
        assert (r.status_code, r.json()["code"]) == (status, code), r.json()
        assert r.json()["message"]


def test_output_on_a_closed_work_order_is_refused(production_plant, unchanged):
    p = production_plant
    order = p.work_order()
    p.output(order, "1")
    p.complete(order)
    with unchanged(*TABLES):
        r = send(client_for(p.operator), f"{BASE}/work-orders/{order.pk}/outputs", {"quantity": 1})
    assert r.status_code == 409 and r.json()["code"] == "production.work_order_closed"


def test_closing_by_whoever_reported_output_is_refused(production_plant, make_user):
    p = production_plant
    both = person(make_user, "qa-op", "qa_manager", "production")
    order = p.work_order()
    p.output(order, "1", by=both)
    p.complete(order)
    r = send(client_for(both), f"{BASE}/work-orders/{order.pk}/close", sign(both))
    assert r.status_code == 403 and r.json()["code"] == "signatures.sod_excluded_signer"


def test_cancel_needs_a_reason(production_plant, unchanged):
    p = production_plant
    order = p.work_order()
    planner = client_for(p.planner)
    with unchanged(WorkOrder):
        r = send(planner, f"{BASE}/work-orders/{order.pk}/cancel", {"reason": ""})
    assert r.status_code == 422
    r = send(planner, f"{BASE}/work-orders/{order.pk}/cancel", {"reason": "plan changed"})
    assert r.status_code == 200 and r.json()["state"] == "cancelled"


def test_an_mes_event_needs_its_id_and_is_recorded_once(production_plant):
    p = production_plant
    order = p.work_order()
    operator = client_for(p.operator)
    url = f"{BASE}/work-orders/{order.pk}/checks"
    body = {"characteristic": "Visual", "result": "pass", "source": "mes"}
    r = send(operator, url, body)
    assert r.status_code == 422 and r.json()["code"] == "production.event_id_required"
    first = send(operator, url, {**body, "event_id": "mes-1"})
    again = send(operator, url, {**body, "event_id": "mes-1"})
    assert first.status_code == again.status_code == 201
    assert first.json()["check"]["id"] == again.json()["check"]["id"]
