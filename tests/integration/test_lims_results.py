"""POST /api/v1/integration/lims/results (issue 6, point 1 and its bad inputs): a LIMS result
goes through the inspection service with ``source="lims"``; the last one completes the
inspection and a failure opens an NCR; deduplicated by result id (invariant 5): a replay gets
the first answer, the same id with another value 409 ``integration.event_id_reused``; every
refusal writes nothing (invariant 7). ISO 13485 §8.2.6; 21 CFR 11.10(e)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client
from tests.production import conftest as production_fixtures
from tests.quality.inspections.support import make_plan

from mederp.core.actors import Actor
from mederp.identity import services as identity
from mederp.identity.roles import sync_roles
from mederp.integration.models import InboundEvent
from mederp.inventory.models import Lot
from mederp.quality.inspections.models import Inspection, InspectionResult
from mederp.quality.nonconformance.models import Nonconformance

URL = "/api/v1/integration/lims/results"
TABLES = (InboundEvent, InspectionResult, Inspection, Nonconformance)

production_plant = production_fixtures.production_plant
production_clock = production_fixtures.production_clock


def lims_client(system: Actor, *, roles: tuple[str, ...] = ("lims_client",)) -> Client:
    """A Django client speaking as a LIMS API client with a key (scope integration:write)."""
    sync_roles()
    _user, token = identity.create_api_client(
        system, name=f"lims-{'-'.join(roles)}", roles=roles, scopes=["integration:write"]
    )
    return Client(HTTP_AUTHORIZATION=f"Bearer {token}", HTTP_ACCEPT_LANGUAGE="en")


def post(client: Client, body: dict[str, Any], **headers: Any) -> Any:
    return client.post(URL, data=json.dumps(body), content_type="application/json", **headers)


def result(target: Inspection, result_id: str = "R-1", **kw: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "result_id": result_id,
        "source_system": "LabWare",
        "occurred_at": "2026-06-15T01:30:00Z",
        "inspection": target.number,
        "characteristic": "Outer diameter",
        "value": "5.02",
    }
    body.update(kw)
    return body


@pytest.fixture
def inspection(production_plant: Any) -> Inspection:
    """The open final inspection of lot FG-001 (5 infusion sets)."""
    p = production_plant
    make_plan(p.qa, p.device, "final")
    p.stock_all()
    p.output(p.work_order(), "5")
    return Inspection.objects.get()


@pytest.fixture
def lims(production_plant: Any) -> Client:
    return lims_client(production_plant.system)


def test_a_lims_result_is_recorded_as_the_lims_s(inspection, lims) -> None:
    r = post(lims, result(inspection))
    assert r.status_code == 201, r.content
    data = r.json()
    assert (data["inspection"], data["inspection_state"], data["passed"]) == (
        inspection.number,
        "open",
        True,
    )
    row = InspectionResult.objects.get()
    assert (row.source, row.external_id, str(row.numeric_value.normalize())) == (
        "lims",
        "R-1",
        "5.02",
    )
    event = InboundEvent.objects.get(source="lims")
    assert event.event_id == "R-1" and event.work_order_number == inspection.number


def test_the_inspection_is_found_by_lot_product_and_stage(inspection, lims) -> None:
    body = result(inspection, inspection="", lot="FG-001", product="DEV-001", stage="final")
    r = post(lims, body)
    assert r.status_code == 201, r.content
    assert r.json()["inspection_id"] == inspection.pk


def test_the_last_failing_result_completes_the_inspection_and_opens_an_ncr(
    inspection, lims
) -> None:
    assert (
        post(
            lims,
            result(inspection, "R-1", characteristic="Visual inspection", value=None, passed=True),
        ).status_code
        == 201
    )
    assert (
        post(
            lims, result(inspection, "R-2", characteristic="Packaging note", value=None, text="ok")
        ).status_code
        == 201
    )
    r = post(lims, result(inspection, "R-3", value="5.4"))
    assert r.status_code == 201, r.content
    data = r.json()
    assert (data["inspection_state"], data["inspection_result"]) == ("completed", "fail")
    ncr = Nonconformance.objects.get(pk=data["ncr_id"])
    assert ncr.source_ref == inspection.number and "5.4 mm outside" in ncr.description
    assert Lot.objects.get(number="FG-001").status == "on_hold"


def test_a_replay_gets_the_first_answer_and_records_once(inspection, lims) -> None:
    first = post(lims, result(inspection))
    again = post(lims, result(inspection))
    assert (first.status_code, again.status_code) == (201, 200)
    assert again["Idempotent-Replay"] == "true"
    assert again.json() == first.json()
    assert InspectionResult.objects.count() == 1
    assert InboundEvent.objects.filter(source="lims").count() == 1


def test_the_same_result_id_with_another_value_is_refused_409(inspection, lims, unchanged) -> None:
    post(lims, result(inspection))
    with unchanged(*TABLES):
        r = post(lims, result(inspection, value="5.09"))
    assert r.status_code == 409
    assert r.json()["code"] == "integration.event_id_reused"


@pytest.mark.parametrize(
    ("change", "status", "code"),
    [
        ({"characteristic": "Colour"}, 422, "inspections.unknown_characteristic"),
        ({"value": None}, 422, "inspections.value_required"),
        ({"inspection": "IN-2026-99999"}, 404, "integration.unknown_inspection"),
        ({"inspection": ""}, 422, "integration.inspection_required"),
        (
            {"inspection": "", "lot": "NOPE", "product": "DEV-001", "stage": "final"},
            404,
            "integration.unknown_inspection",
        ),
    ],
)
def test_bad_results_are_refused_with_their_code_and_write_nothing(
    inspection, lims, unchanged, change, status, code
) -> None:
    with unchanged(*TABLES):
        r = post(lims, result(inspection, **change))
    assert r.status_code == status, r.content
    assert r.json()["code"] == code


def test_a_float_value_is_refused(inspection, lims, unchanged) -> None:
    with unchanged(*TABLES):
        r = post(lims, result(inspection, value=5.02))
    assert r.status_code == 422


def test_a_result_on_a_completed_inspection_is_refused(inspection, lims, unchanged) -> None:
    post(
        lims, result(inspection, "R-1", characteristic="Visual inspection", value=None, passed=True)
    )
    post(lims, result(inspection, "R-2", characteristic="Packaging note", value=None, text="ok"))
    post(lims, result(inspection, "R-3"))
    with unchanged(*TABLES):
        r = post(lims, result(inspection, "R-4"))
    assert r.status_code == 409 and r.json()["code"] == "inspections.inspection_completed"


def test_a_client_without_the_lims_role_is_refused(production_plant, inspection) -> None:
    mes = lims_client(production_plant.system, roles=("mes_client",))
    assert post(mes, result(inspection)).status_code == 403
    assert not InspectionResult.objects.exists()
