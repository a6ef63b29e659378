"""Inbound MES events (invariants 1, 5, 7; 21 CFR 820.184): each type is recorded through the
production services as source "mes"; a redelivery is answered from the stored event and never
posts twice; every refusal has its code and writes nothing.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from tests.production import conftest as production_fixtures
from tests.production.conftest import TABLES, ProductionPlant, gs1

from mederp.core.actors import Actor
from mederp.identity import services as identity
from mederp.identity.roles import sync_roles
from mederp.integration.models import InboundEvent
from mederp.inventory.models import Lot, Move
from mederp.production import services as production
from mederp.production.models import InProcessCheck, MaterialIssue, OperationRecord

production_plant = production_fixtures.production_plant
production_clock = production_fixtures.production_clock

URL = "/api/v1/integration/mes/events"
WHEN = "2026-06-15T10:05:00+08:00"
EVENT_TABLES = (*TABLES, InboundEvent)


def mes_client(system: Actor, *, roles: tuple[str, ...] = ("mes_client",), **kw: Any) -> Client:
    """A Django client speaking as an MES API client with a key (default scope
    integration:write)."""
    sync_roles()
    kw.setdefault("scopes", ["integration:write"])
    _user, token = identity.create_api_client(system, name=f"mes-{len(roles)}", roles=roles, **kw)
    return Client(HTTP_AUTHORIZATION=f"Bearer {token}", HTTP_ACCEPT_LANGUAGE="en")


def post(client: Client, body: dict[str, Any]) -> Any:
    return client.post(URL, data=json.dumps(body), content_type="application/json")


@pytest.fixture
def plant(production_plant: ProductionPlant) -> ProductionPlant:
    production_plant.stock_all()
    return production_plant


@pytest.fixture
def wo(plant: ProductionPlant) -> Any:
    return plant.work_order(quantity="5")


@pytest.fixture
def mes(plant: ProductionPlant) -> Client:
    return mes_client(plant.system)


def consumed(wo: Any, event_id: str = "evt-1", **data: Any) -> dict[str, Any]:
    return {
        "event_id": event_id,
        "type": "material_consumed",
        "occurred_at": WHEN,
        "work_order": wo.number,
        "data": {"component": "CMP-LOT", "lot_number": "P-L1", "quantity": "4", **data},
    }


def refused(unchanged: Callable[..., Any], client: Client, body: dict[str, Any]) -> Any:
    with unchanged(*EVENT_TABLES):
        r = post(client, body)
    assert r.status_code >= 400, r.content
    return r


# --- each type ------------------------------------------------------------------------------------


def test_material_consumed_issues_the_named_lot_as_the_mes(mes, wo, plant):
    r = post(mes, consumed(wo))

    assert r.status_code == 201, r.content
    body = r.json()
    assert body["status"] == "processed" and body["work_order"] == wo.number
    [issue] = body["issues"]
    assert (issue["component"], issue["lot_number"], issue["quantity"]) == ("CMP-LOT", "P-L1", "4")
    record = MaterialIssue.objects.get(pk=issue["id"])
    assert (record.source, record.event_id) == ("mes", "evt-1")
    stored = InboundEvent.objects.get(source="mes", event_id="evt-1")
    assert stored.event_type == "material_consumed"
    assert stored.work_order_number == wo.number
    assert stored.status_code == 201 and stored.principal_name.startswith("mes-")
    assert len(stored.body_sha256) == 64


def test_material_consumed_by_a_gs1_scan_of_a_serial(mes, wo, plant):
    scan = gs1(plant.serial_part, serial="SN-002")

    r = post(mes, consumed(wo, "evt-scan") | {"data": {"scan": scan, "quantity": 1}})

    assert r.status_code == 201, r.content
    [issue] = r.json()["issues"]
    assert (issue["serial_number"], issue["component"]) == ("SN-002", "CMP-SER")


def test_output_reported_registers_the_output_lot_in_quarantine(mes, wo, plant):
    post(mes, consumed(wo))

    r = post(
        mes,
        {
            "event_id": "evt-out",
            "type": "output_reported",
            "occurred_at": WHEN,
            "work_order": wo.number,
            "data": {"quantity": "2", "lot_number": "FG-001", "kind": "good"},
        },
    )

    assert r.status_code == 201, r.content
    [output] = r.json()["outputs"]
    assert (output["kind"], output["lot_number"], output["quantity"]) == ("good", "FG-001", "2")
    assert Lot.objects.get(product=plant.device, number="FG-001").status == "quarantine"


def test_scrap_output_needs_and_keeps_its_reason(mes, wo):
    r = post(
        mes,
        {
            "event_id": "evt-scrap",
            "type": "output_reported",
            "occurred_at": WHEN,
            "work_order": wo.number,
            "data": {"quantity": 1, "kind": "scrap", "reason": "leak"},
        },
    )

    assert r.status_code == 201, r.content
    assert r.json()["outputs"][0]["kind"] == "scrap"


def test_operation_completed_records_the_operation_and_each_check(mes, wo):
    r = post(
        mes,
        {
            "event_id": "evt-op",
            "type": "operation_completed",
            "occurred_at": WHEN,
            "work_order": wo.number,
            "data": {
                "operation": "ASSEMBLY",
                "workstation": "WS-1",
                "started_at": "2026-06-15T09:30:00+08:00",
                "completed_at": "2026-06-15T10:00:00+08:00",
                "quantity_good": "4",
                "quantity_scrap": 1,
                "notes": "ok",
                "checks": [
                    {"characteristic": "Leak", "result": "pass", "measured_value": "0.2"},
                    {"characteristic": "Visual", "result": "fail", "notes": "scratch"},
                ],
            },
        },
    )

    assert r.status_code == 201, r.content
    body = r.json()
    assert body["operation"]["operation"] == "ASSEMBLY"
    assert [(c["characteristic"], c["result"]) for c in body["checks"]] == [
        ("Leak", "pass"),
        ("Visual", "fail"),
    ]
    op = OperationRecord.objects.get(work_order=wo)
    assert (op.source, op.event_id, op.workstation) == ("mes", "evt-op", "WS-1")
    checks = InProcessCheck.objects.filter(work_order=wo).order_by("id")
    assert [c.event_id for c in checks] == ["evt-op#c1", "evt-op#c2"]
    assert {c.operation for c in checks} == {"ASSEMBLY"}


# --- idempotency ----------------------------------------------------------------------------------


def test_a_redelivery_with_the_same_body_replays_the_first_answer_and_posts_nothing(mes, wo):
    first = post(mes, consumed(wo))
    moves = Move.objects.count()
    issues = MaterialIssue.objects.count()

    again = post(mes, consumed(wo))

    assert again.status_code == 200
    assert again["Idempotent-Replay"] == "true"
    assert again.json() == first.json()
    assert Move.objects.count() == moves
    assert MaterialIssue.objects.count() == issues
    assert InboundEvent.objects.filter(event_id="evt-1").count() == 1


def test_key_order_and_spacing_do_not_make_another_body(mes, wo):
    body = consumed(wo)
    post(mes, body)
    reordered = json.dumps(dict(reversed(list(body.items()))), indent=2)

    r = mes.post(URL, data=reordered, content_type="application/json")

    assert r.status_code == 200 and r["Idempotent-Replay"] == "true"


def test_the_same_event_id_with_another_body_is_refused(mes, wo, unchanged):
    post(mes, consumed(wo))

    r = refused(unchanged, mes, consumed(wo, quantity="5"))

    assert r.status_code == 409
    assert r.json()["code"] == "integration.event_id_reused"
    assert r.json()["details"]["event_id"] == "evt-1"


def test_a_refused_event_is_not_stored_and_its_corrected_retry_runs(mes, wo, unchanged):
    bad = consumed(wo, lot_number="NO-SUCH-LOT")
    r = refused(unchanged, mes, bad)
    assert r.json()["code"] == "production.lot_unknown"

    fixed = post(mes, consumed(wo))

    assert fixed.status_code == 201


# --- refusals -------------------------------------------------------------------------------------


def test_an_unknown_work_order_is_named(mes, wo, unchanged):
    r = refused(unchanged, mes, consumed(wo) | {"work_order": "WO-2099-99999"})

    assert r.status_code == 404
    assert r.json()["code"] == "integration.unknown_work_order"
    assert "WO-2099-99999" in r.json()["message"]


def test_a_completed_work_order_takes_no_more_events(mes, wo, plant, unchanged):
    plant.issue(wo)
    plant.output(wo, "5")
    plant.complete(wo)

    r = refused(unchanged, mes, consumed(wo))

    assert r.status_code == 409
    assert r.json()["code"] == "production.work_order_closed"


def test_a_cancelled_work_order_takes_no_events(mes, plant, unchanged):
    order = plant.work_order(quantity="1", lot="FG-X")
    production.cancel_work_order(Actor.for_user(plant.planner), order.pk, reason="not needed")

    r = refused(unchanged, mes, consumed(order))

    assert r.status_code == 409
    assert r.json()["code"] == "production.work_order_closed"


def test_a_float_quantity_is_refused(mes, wo, unchanged):
    r = refused(unchanged, mes, consumed(wo, quantity=4.0))

    assert r.status_code == 422
    assert r.json()["code"] == "validation_failed"
    assert any("quantity" in k for k in r.json()["details"]["fields"])


@pytest.mark.parametrize(
    "change",
    [
        {"type": "coffee_brewed"},
        {"occurred_at": "2026-06-15T10:05:00"},
        {"event_id": ""},
        {"event_id": "x" * 65},
        {"surprise": True},
    ],
    ids=["unknown type", "no time zone", "empty id", "long id", "unknown field"],
)
def test_malformed_events_are_refused(mes, wo, unchanged, change):
    r = refused(unchanged, mes, consumed(wo) | change)

    assert r.status_code == 422
    assert r.json()["code"] == "validation_failed"


def test_an_unknown_component_is_named(mes, wo, unchanged):
    r = refused(unchanged, mes, consumed(wo, component="NOPE"))

    assert r.status_code == 422
    assert r.json()["code"] == "integration.unknown_component"


def test_a_component_outside_the_bom_is_refused_by_production(mes, wo, plant, unchanged):
    r = refused(unchanged, mes, consumed(wo, component=plant.outsider.gtin, lot_number=""))

    assert r.json()["code"] == "production.not_in_bom"


# --- who may post -------------------------------------------------------------------------------


def test_a_client_without_the_mes_role_is_refused(plant, wo, unchanged):
    client = mes_client(plant.system, roles=("auditor",))

    r = refused(unchanged, client, consumed(wo))

    assert r.status_code == 403 and r.json()["code"] == "permission_denied"


def test_a_key_without_the_integration_scope_is_refused(plant, wo, unchanged):
    client = mes_client(plant.system, scopes=["production:read"])

    r = refused(unchanged, client, consumed(wo))

    assert r.status_code == 403 and r.json()["code"] == "identity.scope_missing"


def test_anonymous_callers_are_refused(wo, unchanged):
    r = refused(unchanged, Client(), consumed(wo))

    assert r.status_code == 401
