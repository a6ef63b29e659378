"""/api/v1/quality/capas: the CAPA's life over the API, idempotency, the signed closing, the
overdue filter and coded refusals (QE-07; invariants 5, 7, 9)."""

from __future__ import annotations

import datetime as dt
import json

from django.test import Client

from mederp.compliance.models import Recall
from mederp.core import clock
from mederp.core.models import Signature
from mederp.quality.capa.models import Capa
from tests.quality.capa.conftest import TABLES, TODAY, sign_body

BASE = "/api/v1/quality/capas"


def client_of(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def post(client: Client, url: str, body: dict, **headers):
    return client.post(url, data=json.dumps(body), content_type="application/json", **headers)


def a_recall() -> Recall:
    return Recall.objects.create(
        number="RC-2026-00009",
        classification="II",
        reason="Seal failure",
        scope_summary="lot L-1",
        decision_date=TODAY,
        notification_deadline=TODAY,
        opened_at=clock.now(),
        opened_by_name="qa",
    )


def test_the_whole_life_over_the_api(desk):
    """QE-07: open (linked to a recall and an audit), root cause, action, verification,
    effectiveness, closure signed ``closed``."""
    qa = client_of(desk.qa)
    recall = a_recall()
    body = {
        "title": "Seal failures",
        "problem": "Seal test failures on three lots",
        "owner_id": desk.qa.pk,
        "due_date": "2026-08-01",
        "effectiveness_criteria": "No failure in 10 lots",
        "effectiveness_due": "2026-10-01",
        "links": [{"kind": "recall", "ref": recall.pk}, {"kind": "audit", "ref": "IA-2026-03"}],
    }
    r = post(qa, BASE, body, HTTP_IDEMPOTENCY_KEY="capa-1")
    assert r.status_code == 201, r.content
    data = r.json()
    assert (data["number"], data["state"], data["overdue"]) == ("CA-2026-00001", "open", False)
    assert data["effectiveness_due"] == "2026-10-01"
    assert data["links"] == [
        {"kind": "recall", "ref_id": recall.pk, "ref_number": "RC-2026-00009"},
        {"kind": "audit", "ref_id": None, "ref_number": "IA-2026-03"},
    ]
    again = post(qa, BASE, body, HTTP_IDEMPOTENCY_KEY="capa-1")
    assert again.status_code == 201 and again["Idempotent-Replayed"] == "true"
    assert Capa.objects.count() == 1
    url = f"{BASE}/{data['id']}"
    r = post(qa, f"{url}/root-cause", {"root_cause": "Worn die", "method": "fishbone"})
    assert r.json()["state"] == "investigating"
    r = post(
        qa,
        f"{url}/actions",
        {"description": "Replace die", "owner_id": desk.owner.pk, "due_date": "2026-07-01"},
    )
    assert r.status_code == 201 and r.json()["state"] == "implementing"
    action_id = r.json()["actions"][0]["id"]
    r = post(qa, f"{url}/actions/{action_id}/complete", {"evidence": "PM-88"})
    assert r.json()["actions"][0]["done_at"] is not None
    r = post(qa, f"{url}/actions/{action_id}/complete", {"evidence": "again"})
    assert (r.status_code, r.json()["code"]) == (409, "capa.action_already_done")
    assert post(qa, f"{url}/verify", {}).json()["state"] == "verifying"
    r = post(qa, f"{url}/close", sign_body(desk.qa))
    assert (r.status_code, r.json()["code"]) == (409, "capa.effectiveness_check_missing")
    r = post(qa, f"{url}/effectiveness", {"result": "effective", "evidence": "10 lots passed"})
    assert r.json()["effectiveness_result"] == "effective"
    r = post(qa, f"{url}/close", sign_body(desk.qa), HTTP_IDEMPOTENCY_KEY="close-1")
    assert r.status_code == 200, r.content
    assert r.json()["state"] == "closed"
    assert [s["meaning"] for s in r.json()["signatures"]] == ["closed"]
    replay = post(qa, f"{url}/close", sign_body(desk.qa), HTTP_IDEMPOTENCY_KEY="close-1")
    assert replay.status_code == 200 and replay["Idempotent-Replayed"] == "true"


def test_closing_without_the_check_writes_nothing(desk, unchanged):
    capa = desk.verifying()
    with unchanged(*TABLES, Signature):
        r = post(client_of(desk.qa), f"{BASE}/{capa.pk}/close", sign_body(desk.qa))
    assert r.status_code == 409
    assert r.json()["code"] == "capa.effectiveness_check_missing"
    assert "effectiveness check" in r.json()["message"]


def test_overdue_flag_and_filter(desk):
    """A CAPA whose open action is past due is overdue; one without is not."""
    late = desk.investigated()
    desk.action(late, due_date=TODAY + dt.timedelta(days=2))
    desk.open(title="On time")
    qa = client_of(desk.qa)
    with clock.frozen(dt.datetime(2026, 6, 20, 2, 0, tzinfo=dt.UTC)):
        items = qa.get(BASE, {"overdue": "true"}).json()["items"]
        assert [(i["id"], i["overdue"]) for i in items] == [(late.pk, True)]
        assert qa.get(f"{BASE}/{late.pk}").json()["actions"][0]["overdue"] is True
        assert qa.get(BASE, {"overdue": "false"}).json()["count"] == 1


def test_aging_buckets(desk):
    desk.open()
    with clock.frozen(dt.datetime(2026, 8, 1, 2, 0, tzinfo=dt.UTC)):
        desk.open(title="Newer")
    with clock.frozen(dt.datetime(2026, 8, 20, 2, 0, tzinfo=dt.UTC)):
        rows = client_of(desk.qa).get(f"{BASE}/aging").json()
    assert [(r["bucket"], r["count"]) for r in rows] == [
        ("0-30", 1),
        ("31-60", 0),
        ("61-90", 1),
        ("90+", 0),
    ]
    assert rows[0]["by_state"]["open"] == 1


def test_coded_refusals(desk, unchanged):
    qa = client_of(desk.qa)
    with unchanged(*TABLES):
        r = post(qa, BASE, {"title": "x", "problem": "y", "links": [{"kind": "ncr", "ref": 99}]})
        assert (r.status_code, r.json()["code"]) == (422, "capa.link_target_not_found")
        r = post(qa, BASE, {"title": "x", "problem": "y", "owner_id": 987654})
        assert (r.status_code, r.json()["code"]) == (422, "capa.owner_not_found")
        r = post(qa, BASE, {"title": "x", "problem": "y", "colour": "red"})
        assert r.status_code == 422
        assert qa.get(f"{BASE}/424242").json()["code"] == "capa.not_found"


def test_permissions(api_as, desk):
    """Deny by default (invariant 9): sales may not read CAPAs; an auditor reads but writes
    nothing."""
    capa = desk.open()
    assert api_as("sales").get(BASE).status_code == 403
    auditor = api_as("auditor")
    assert auditor.get(f"{BASE}/{capa.pk}").status_code == 200
    r = post(auditor, BASE, {"title": "x", "problem": "y"})
    assert r.status_code == 403
    assert Client().get(BASE).status_code == 401
