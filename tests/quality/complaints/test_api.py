"""The complaint API (QE-02, QE-04..QE-06): intake with idempotency, coded refusals that write
nothing, assessment, submission, investigation, closing by signature, reports due, and the
reporting rules QA edits."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from mederp.quality.complaints.models import Complaint, RegulatoryReport, ReportingRule

from .conftest import TABLES, gs1, sign

pytestmark = pytest.mark.django_db
BASE = "/api/v1/quality/complaints"
RULES = "/api/v1/quality/reporting-rules"


def client_for(user: Any) -> Client:
    c = Client(HTTP_ACCEPT_LANGUAGE="en")
    c.force_login(user)
    return c


def post(client: Client, url: str, body: Any, **headers: Any) -> Any:
    return client.post(url, data=json.dumps(body), content_type="application/json", **headers)


def intake(desk: Any, **kw: Any) -> dict[str, Any]:
    body = {
        "udi": gs1(desk.product, lot="L2606A"),
        "description": "Needle detached during injection",
        "patient_involvement": "injury",
        "channel": "email",
        "complainant_name": "李医生",
    }
    body.update(kw)
    return body


def test_sales_receives_a_complaint_by_scanning_its_udi(desk):
    r = post(client_for(desk.seller), BASE, intake(desk))
    assert r.status_code == 201, r.content
    body = r.json()
    assert (body["product_code"], body["lot"], body["state"]) == (
        desk.product.code,
        "L2606A",
        "open",
    )


def test_intake_is_idempotent(desk):
    client = client_for(desk.seller)
    first = post(client, BASE, intake(desk), HTTP_IDEMPOTENCY_KEY="k-1")
    again = post(client, BASE, intake(desk), HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == again.status_code == 201
    assert first.json()["id"] == again.json()["id"] and Complaint.objects.count() == 1
    other = post(client, BASE, intake(desk, description="Other"), HTTP_IDEMPOTENCY_KEY="k-1")
    assert other.status_code == 409


def test_a_complaint_without_product_identification_is_422_and_writes_nothing(desk, unchanged):
    with unchanged(*TABLES):
        r = post(client_for(desk.seller), BASE, intake(desk, udi=""))
    assert r.status_code == 422
    assert r.json()["code"] == "complaints.product_missing"


def test_unknown_fields_and_floats_are_refused(desk, unchanged):
    with unchanged(*TABLES):
        r = post(client_for(desk.seller), BASE, intake(desk, colour="red"))
    assert r.status_code == 422


def test_sales_may_not_assess_or_edit_rules(desk):
    c = desk.receive()
    seller = client_for(desk.seller)
    r = post(seller, f"{BASE}/{c.pk}/assessment", {"reportable": False, "rationale": "x"})
    assert r.status_code == 403
    rule = {
        "jurisdiction": "CN",
        "code": "X",
        "label": "x",
        "condition": "death",
        "deadline_amount": 1,
        "deadline_unit": "hours",
        "regulation": "x",
    }
    assert post(seller, RULES, rule).status_code == 403
    assert seller.get(RULES).status_code == 200


def test_qa_assesses_submits_investigates_and_closes(desk):
    qa = client_for(desk.qa)
    c = desk.receive()
    r = post(
        qa,
        f"{BASE}/{c.pk}/assessment",
        {
            "reportable": True,
            "event_classes": ["group_event"],
            "jurisdictions": ["CN"],
            "rationale": "Three patients, same lot",
        },
    )
    assert r.status_code == 200, r.content
    report = r.json()["reports"][0]
    assert report["rule_code"] == "NMPA-AE-GROUP" and report["deadline"] == "12 hours"
    due = qa.get(f"{BASE}/reports-due?within_days=1").json()
    assert [d["report"]["id"] for d in due] == [report["id"]] and due[0]["hours_left"] == 12
    r = post(qa, f"{BASE}/{c.pk}/close", {**sign(desk.qa), "reason": "done"})
    assert r.status_code == 409 and r.json()["code"] == "complaints.reports_outstanding"
    r = post(qa, f"{BASE}/{c.pk}/reports/{report['id']}/submission", {"authority_reference": "A-1"})
    assert r.status_code == 200 and r.json()["reports"][0]["submitted_at"]
    r = post(qa, f"{BASE}/{c.pk}/investigation", {"investigation": "Needle bonding weak"})
    assert r.json()["state"] == "investigating"
    r = post(qa, f"{BASE}/{c.pk}/close", {**sign(desk.qa), "reason": "Reported and corrected"})
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["state"] == "closed" and body["signatures"][0]["meaning"] == "closed"
    assert qa.get(f"{BASE}/reports-due").json() == []


def test_a_bad_assessment_is_a_coded_422(desk, unchanged):
    c = desk.receive()
    with unchanged(*TABLES):
        r = post(client_for(desk.qa), f"{BASE}/{c.pk}/assessment", {"reportable": False})
    assert (r.status_code, r.json()["code"]) == (422, "complaints.rationale_missing")


def test_list_and_detail(desk):
    c = desk.receive()
    qa = client_for(desk.qa)
    page = qa.get(f"{BASE}?state=open&q=L2606A").json()
    assert page["count"] == 1 and page["items"][0]["number"] == c.number
    assert qa.get(f"{BASE}/{c.pk}").json()["complainant_name"] == ""
    assert qa.get(f"{BASE}/999999").status_code == 404


def test_qa_adds_and_changes_a_rule_with_audit(desk):
    qa = client_for(desk.qa)
    body = {
        "jurisdiction": "CN",
        "code": "NMPA-AE-GROUP-24H",
        "label": "群体不良事件 individual reports",
        "condition": "group_event",
        "deadline_amount": 24,
        "deadline_unit": "hours",
        "regulation": "不良事件监测和再评价管理办法",
    }
    r = post(qa, RULES, body, HTTP_IDEMPOTENCY_KEY="rule-1")
    assert r.status_code == 201, r.content
    rule_id = r.json()["id"]
    assert post(qa, RULES, body).json()["code"] == "complaints.rule_code_taken"
    r = qa.patch(
        f"{RULES}/{rule_id}",
        data=json.dumps({"deadline_amount": 20, "reason": "Internal target", "version": 1}),
        content_type="application/json",
    )
    assert r.status_code == 200 and r.json()["version"] == 2
    stale = qa.patch(
        f"{RULES}/{rule_id}",
        data=json.dumps({"label": "x", "reason": "y", "version": 1}),
        content_type="application/json",
    )
    assert stale.status_code == 409
    from mederp.core.models import AuditEntry

    assert (
        AuditEntry.objects.filter(
            record_type="complaints.reportingrule", record_id=str(rule_id)
        ).count()
        == 2
    )


@pytest.mark.parametrize(
    "change",
    [{"deadline_amount": 0}, {"deadline_unit": "weeks"}, {"condition": "sneeze"}, {"label": " "}],
)
def test_invalid_rule_changes_are_refused(desk, unchanged, change):
    rule = ReportingRule.objects.get(code="FDA-MDR-30D-DEATH")
    with unchanged(*TABLES):
        r = client_for(desk.qa).patch(
            f"{RULES}/{rule.pk}",
            data=json.dumps({**change, "reason": "try"}),
            content_type="application/json",
        )
    assert (r.status_code, r.json()["code"]) == (422, "complaints.rule_invalid")
    assert not RegulatoryReport.objects.exists()
