"""Production pages: list, plan, detail (components expected vs issued, issues, outputs, checks,
operations, yield, the DHR link, the workflow buttons), issue by scan with the focus on the
scan field, report output, scrap, operations, checks, closing by signature; each guarded by its
permission (invariant 9)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from tests.production.conftest import PASSWORD, TABLES, TODAY, gs1, sign

from mederp.production.models import InProcessCheck, MaterialIssue, OperationRecord, WorkOrder

pytestmark = pytest.mark.django_db


def browser(user: Any) -> Client:
    c = Client(HTTP_ACCEPT_LANGUAGE="en")
    c.force_login(user)
    return c


def test_the_list_and_the_navigation(production_plant):
    p = production_plant
    order = p.work_order()
    page = browser(p.planner).get(reverse("production:workorder_list"), {"q": "DEV"})
    assert page.status_code == 200
    html = page.content.decode()
    assert order.number in html and reverse("production:workorder_list") in html
    assert reverse("production:workorder_create") in html


def test_planning_a_work_order_from_the_form(production_plant):
    p = production_plant
    planner = browser(p.planner)
    url = reverse("production:workorder_create")
    assert planner.get(url).status_code == 200
    r = planner.post(
        url,
        {
            "product": p.device.pk,
            "planned_quantity": "5",
            "planned_start": TODAY.isoformat(),
            "production_location": p.line.pk,
            "output_location": p.fg_quarantine.pk,
            "output_lot_number": "FG-9",
        },
    )
    order = WorkOrder.objects.get()
    assert r.status_code == 302 and r["Location"] == reverse(
        "production:workorder_detail", args=[order.pk]
    )
    assert order.bom_id == p.bom.pk and order.output_lot_number == "FG-9"


def test_a_refused_plan_shows_its_code_and_writes_nothing(production_plant, unchanged):
    p = production_plant
    with unchanged(*TABLES):
        r = browser(p.planner).post(
            reverse("production:workorder_create"),
            {
                "product": p.device.pk,
                "planned_quantity": "0",
                "planned_start": TODAY.isoformat(),
                "production_location": p.line.pk,
                "output_location": p.fg_quarantine.pk,
            },
        )
    assert r.status_code == 200
    assert "greater than zero" in r.content.decode()


def test_the_detail_page_shows_the_record(production_plant):
    p = production_plant
    p.stock_all()
    order = p.work_order()
    p.issue(order, component=p.part, quantity="4")
    p.output(order, "2")
    p.output(order, "1", kind="scrap", reason="leak")
    page = browser(p.qa).get(reverse("production:workorder_detail", args=[order.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    for text in ("CMP-LOT", "CMP-SER", "CMP-NON", "P-L1", "FG-001", "66.7 %", "leak"):
        assert text in html, text
    assert f"/compliance/dhr/{order.pk}/" in html
    assert 'data-component="CMP-LOT"' in html


def test_the_issue_page_focuses_the_scan_and_issues_by_scan(production_plant):
    p = production_plant
    p.stock(p.part, "P1", "10")
    order = p.work_order()
    operator = browser(p.operator)
    url = reverse("production:workorder_issue", args=[order.pk])
    page = operator.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="scan"' in html and "autofocus" in html
    r = operator.post(url, {"scan": gs1(p.part, lot="P1"), "quantity": "3"})
    assert r.status_code == 302 and r["Location"] == url
    issue = MaterialIssue.objects.get()
    assert issue.lot.number == "P1" and issue.method == "scan" and issue.quantity == 3


def test_a_refused_scan_shows_the_code_on_the_page(production_plant, unchanged):
    p = production_plant
    p.stock(p.outsider, "X1", "5")
    order = p.work_order()
    with unchanged(*TABLES):
        r = browser(p.operator).post(
            reverse("production:workorder_issue", args=[order.pk]),
            {"scan": gs1(p.outsider, lot="X1"), "quantity": "1"},
        )
    assert r.status_code == 200
    assert "CMP-OUT" in r.content.decode() and "is not a component" in r.content.decode()


def test_reporting_output_scrap_operations_and_checks_from_the_pages(production_plant):
    p = production_plant
    lot = p.stock(p.part, "P1", "10")
    order = p.work_order()
    p.issue(order, component=p.part, quantity="4")
    operator = browser(p.operator)
    detail = reverse("production:workorder_detail", args=[order.pk])
    r = operator.post(
        reverse("production:workorder_output", args=[order.pk]),
        {"kind": "good", "quantity": "2", "lot_number": "FG-001"},
    )
    assert r.status_code == 302 and r["Location"] == detail
    r = operator.post(
        reverse("production:workorder_scrap", args=[order.pk]),
        {"item": f"{p.part.pk}:{lot.pk}:", "quantity": "1", "reason": "cracked"},
    )
    assert r.status_code == 302, r.content.decode()[:2000]
    r = operator.post(
        reverse("production:workorder_operation", args=[order.pk]),
        {"operation": "ASSEMBLY", "completed_at": "2026-06-15T10:30", "quantity_good": "2"},
    )
    assert r.status_code == 302 and OperationRecord.objects.get().quantity_good == 2
    r = browser(p.qa).post(
        reverse("production:workorder_check", args=[order.pk]),
        {"characteristic": "Leak test", "result": "pass", "measured_value": "0.1"},
    )
    assert r.status_code == 302 and InProcessCheck.objects.get().result == "pass"


def test_output_refusals_are_shown_on_the_form(production_plant, unchanged):
    p = production_plant
    order = p.work_order()
    with unchanged(*TABLES):
        r = browser(p.operator).post(
            reverse("production:workorder_output", args=[order.pk]),
            {"kind": "scrap", "quantity": "1"},
        )
    assert r.status_code == 200 and "reason" in r.content.decode().lower()


def test_closing_by_signature_from_the_page(production_plant):
    p = production_plant
    order = p.work_order()
    p.output(order, "1")
    p.complete(order)
    qa = browser(p.qa)
    detail = qa.get(reverse("production:workorder_detail", args=[order.pk])).content.decode()
    close_url = reverse("production:workorder_transition", args=[order.pk, "close"])
    assert close_url in detail
    assert qa.get(close_url).status_code == 200
    r = qa.post(close_url, {"close-password": PASSWORD, "close-totp": sign(p.qa)["totp"]})
    assert r.status_code == 302, r.content.decode()[:3000]
    assert WorkOrder.objects.get().state == "closed"


def test_pages_are_guarded_by_their_permission(production_plant, make_user):
    p = production_plant
    order = p.work_order()
    nobody = browser(make_user("nobody"))
    for name in (
        "workorder_detail",
        "workorder_issue",
        "workorder_output",
        "workorder_scrap",
        "workorder_operation",
        "workorder_check",
    ):
        assert nobody.get(reverse(f"production:{name}", args=[order.pk])).status_code == 403
    assert nobody.get(reverse("production:workorder_list")).status_code == 403
    # QA may read and check but not issue material.
    qa = browser(p.qa)
    assert qa.get(reverse("production:workorder_issue", args=[order.pk])).status_code == 403
    assert qa.get(reverse("production:workorder_check", args=[order.pk])).status_code == 200
    assert browser(p.operator).get(reverse("production:workorder_create")).status_code == 403
