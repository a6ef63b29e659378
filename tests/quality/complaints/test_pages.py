"""Complaint pages (bilingual UI, QE-02..QE-06): list, intake by UDI scan, the detail with the
assessment, reports and the closing dialog, the deadline dashboard with its SVG timeline and
overdue reports in red, and the reporting rules."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from mederp.core import clock
from mederp.quality.complaints.models import Complaint, ReportingRule

from .conftest import START, gs1, sign

pytestmark = pytest.mark.django_db


def browser(user: Any, lang: str = "en") -> Client:
    c = Client(HTTP_ACCEPT_LANGUAGE=lang)
    c.force_login(user)
    return c


def test_the_list_shows_complaints_in_both_languages(desk):
    c = desk.receive()
    for lang, heading in (("en", "Complaints and adverse events"), ("zh-hans", "投诉与不良事件")):
        page = browser(desk.seller, lang).get(reverse("complaints:complaint_list"))
        assert page.status_code == 200
        text = page.content.decode()
        assert c.number in text and "投诉与不良事件" in text
        assert heading in text or lang == "zh-hans"


def test_intake_by_scanning_a_udi(desk):
    client = browser(desk.seller)
    form = {
        "udi": gs1(desk.product, lot="L2606A"),
        "channel": "phone",
        "patient_involvement": "none",
        "description": "Cap cracked on delivery",
    }
    r = client.post(reverse("complaints:complaint_new"), form)
    c = Complaint.objects.get()
    assert r.status_code == 302 and r["Location"] == reverse(
        "complaints:complaint_detail", args=[c.pk]
    )
    assert c.lot == desk.lot


def test_intake_without_product_shows_the_refusal_on_the_form(desk):
    r = browser(desk.seller).post(
        reverse("complaints:complaint_new"),
        {"channel": "phone", "patient_involvement": "none", "description": "Broken"},
    )
    assert r.status_code == 200 and not Complaint.objects.exists()
    assert "Identify the product" in r.content.decode()


def test_qa_assesses_on_the_detail_page_and_sees_the_close_dialog(desk):
    c = desk.receive()
    qa = browser(desk.qa)
    detail = reverse("complaints:complaint_detail", args=[c.pk])
    assert "Record assessment" in qa.get(detail).content.decode()
    qa.post(
        reverse("complaints:complaint_assess", args=[c.pk]),
        {"reportable": "yes", "event_classes": ["death"], "jurisdictions": ["CN", "EU"]},
    )
    text = qa.get(detail).content.decode()
    assert "NMPA-AE-DEATH" in text and "MDR-87-DEATH" in text
    assert 'id="sign-close"' in text  # the sign dialog for closure


def test_closing_through_the_sign_page(desk):
    c = desk.assess(desk.receive(), reportable=False, rationale="Cosmetic only")
    qa = browser(desk.qa)
    qa.post(
        reverse("complaints:complaint_investigation", args=[c.pk]),
        {"investigation": "Visual check of retained samples", "reply": "Letter sent"},
    )
    url = reverse("complaints:complaint_transition", args=[c.pk, "close"])
    creds = sign(desk.qa)
    r = qa.post(
        url,
        {
            "close-password": creds["password"],
            "close-totp": creds["totp"],
            "close-reason": "Closed after investigation",
        },
    )
    assert r.status_code == 302, r.content.decode()[:2000]
    c.refresh_from_db()
    assert c.state == "closed"


def test_the_deadline_dashboard_marks_overdue_reports_red_and_draws_the_timeline(desk):
    overdue = desk.assess(desk.receive(), event_classes=["group_event"])  # due in 12 hours
    later = desk.assess(desk.receive(), event_classes=["serious_injury"])  # due in 20 days
    with clock.frozen(START + dt.timedelta(hours=13)):
        page = browser(desk.seller).get(reverse("complaints:deadlines"))
    text = page.content.decode()
    assert page.status_code == 200
    assert '<svg class="deadline-chart"' in text and "#c92a2a" in text
    assert 'data-urgency="overdue"' in text and "1 regulatory report is overdue" in text
    assert text.index(overdue.number) < text.index(later.number)


def test_the_rules_page_lists_the_seeded_rules_and_qa_edits_one(desk):
    qa = browser(desk.qa)
    assert "MDR-87-SERIOUS-INCIDENT" in qa.get(reverse("complaints:rule_list")).content.decode()
    rule = ReportingRule.objects.get(code="NMPA-AE-DEATH")
    url = reverse("complaints:rule_edit", args=[rule.pk])
    form = {
        "jurisdiction": "CN",
        "code": rule.code,
        "label": rule.label,
        "condition": "death",
        "deadline_amount": 5,
        "deadline_unit": "calendar_days",
        "regulation": rule.regulation,
        "active": "on",
        "reason": "Internal target stricter than the law",
    }
    assert qa.post(url, form).status_code == 302
    rule.refresh_from_db()
    assert rule.deadline_amount == 5 and rule.version == 2
    assert browser(desk.seller).get(url).status_code == 403


def test_the_assessed_event_classes_read_as_words_not_codes(desk):
    c = desk.assess(desk.receive(), event_classes=["serious_injury"])
    detail = reverse("complaints:complaint_detail", args=[c.pk])
    english = browser(desk.qa).get(detail).content.decode()
    chinese = browser(desk.qa, "zh-hans").get(detail).content.decode()
    assert "serious injury" in english and "serious_injury</dd>" not in english
    assert "严重伤害" in chinese
