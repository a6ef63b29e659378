"""/api/v1/quality/deviations and /api/v1/quality/disposition/...: requests idempotent by key,
the approval signed with credentials in the body, refusals as coded JSON that write nothing,
and what the gate says about a lot (invariants 5, 7, 9; ES-04; ISO 13485 §8.2.6)."""

from __future__ import annotations

import json

from django.test import Client

from mederp.inventory.models import Lot
from mederp.quality.disposition.models import Deviation
from tests.production.conftest import sign
from tests.quality.disposition.conftest import TABLES

URL = "/api/v1/quality/deviations"


def client_for(user) -> Client:
    c = Client(HTTP_ACCEPT_LANGUAGE="en")
    c.force_login(user)
    return c


def post(client, url, body, **headers):
    return client.post(url, data=json.dumps(body), content_type="application/json", **headers)


def body(made, **kw):
    return {
        "lot_id": made.lot.pk,
        "inspection_id": made.final.pk,
        "reason": "Release before the sterility result",
        "justification": "Validated process",
        "risk_assessment": "Low",
        **kw,
    }


def test_request_read_list_approve_and_release(made):
    qa, qa2 = client_for(made.plant.qa), client_for(made.plant.qa2)
    r = post(qa, URL, body(made), HTTP_IDEMPOTENCY_KEY="dv-1")
    assert r.status_code == 201, r.content
    created = r.json()
    assert created["state"] == "draft" and created["inspection_number"] == made.final.number
    again = post(qa, URL, body(made), HTTP_IDEMPOTENCY_KEY="dv-1")
    assert again.json()["id"] == created["id"] and Deviation.objects.count() == 1
    other = post(qa, URL, body(made, reason="other"), HTTP_IDEMPOTENCY_KEY="dv-1")
    assert other.status_code == 409
    assert qa.get(URL, {"state": "draft"}).json()["items"][0]["number"] == created["number"]

    gate = qa.get(f"/api/v1/quality/disposition/lots/{made.lot.pk}").json()
    assert gate["can_release"] is False
    assert gate["release_refused"]["code"] == "disposition.inspection_open"
    assert gate["inspections"][0]["waived_by"] == ""

    url = f"{URL}/{created['id']}/approve"
    mine = post(qa, url, sign(made.plant.qa))
    assert (mine.status_code, mine.json()["code"]) == (403, "signatures.sod_author_cannot_approve")
    approved = post(qa2, url, sign(made.plant.qa2), HTTP_IDEMPOTENCY_KEY="ap-1")
    assert approved.status_code == 200, approved.content
    assert approved.json()["state"] == "approved"
    assert approved.json()["signatures"][0]["meaning"] == "approved"

    gate = qa.get(f"/api/v1/quality/disposition/lots/{made.lot.pk}").json()
    assert gate["can_release"] is True
    assert gate["inspections"][0]["waived_by"] == created["number"]
    made.release()
    assert Lot.objects.get(pk=made.lot.pk).status == "released"


def test_close_and_cancel_need_a_reason(made):
    qa = client_for(made.plant.qa)
    d = made.deviation()
    r = post(qa, f"{URL}/{d.pk}/close", {"reason": ""})
    assert (r.status_code, r.json()["code"]) == (422, "workflow.reason_required")
    r = post(qa, f"{URL}/{d.pk}/close", {"reason": "Result arrived"})
    assert r.status_code == 200 and r.json()["state"] == "closed"
    r = post(qa, f"{URL}/{d.pk}/cancel", {"reason": "x"})
    assert (r.status_code, r.json()["code"]) == (409, "workflow.wrong_state")


def test_bad_requests_are_coded_and_write_nothing(made, unchanged):
    qa = client_for(made.plant.qa)
    with unchanged(*TABLES):
        r = post(qa, URL, body(made, inspection_id=None))
        assert (r.status_code, r.json()["code"]) == (422, "disposition.deviation_target_missing")
        r = post(qa, URL, body(made, lot_id=987654))
        assert (r.status_code, r.json()["code"]) == (404, "disposition.deviation_item_unknown")
        r = post(qa, URL, body(made, reason=""))
        assert (r.status_code, r.json()["code"]) == (422, "disposition.deviation_text_missing")
        r = post(qa, URL, body(made, unknown="x"))
        assert r.status_code == 422
        assert qa.get(f"{URL}/987654").status_code == 404


def test_who_may_do_what(made, api_as):
    sales = api_as("sales")
    assert sales.get(URL).status_code == 403
    assert sales.get(f"/api/v1/quality/disposition/lots/{made.lot.pk}").status_code == 403
    inspector = api_as("qc_inspector")
    assert inspector.get(URL).status_code == 200
    assert post(inspector, URL, body(made)).status_code == 403


def test_the_serial_view_names_the_serial(production_plant, api_as):
    p = production_plant
    [serial] = p.stock(p.serial_part, serials=["SN-777"], release=False)
    r = api_as("qa_manager").get(f"/api/v1/quality/disposition/serials/{serial.pk}").json()
    assert (r["kind"], r["number"], r["can_release"]) == ("serial", "SN-777", True)
    assert r["inspections"] == [] and r["work_orders"] == []


def test_inventorys_release_endpoint_answers_the_gates_refusal_as_409(made, unchanged):
    """Invariant 7: the gate's refusal is a coded 409 on the release API, nothing written."""
    qa2 = client_for(made.plant.qa2)
    url = f"/api/v1/inventory/lots/{made.lot.pk}/release"
    with unchanged(*TABLES):
        r = post(qa2, url, sign(made.plant.qa2), HTTP_IDEMPOTENCY_KEY="rel-1")
    assert (r.status_code, r.json()["code"]) == (409, "disposition.inspection_open")
    assert made.final.number in r.json()["message"]
    assert r.json()["details"]["stage"] == "final"
