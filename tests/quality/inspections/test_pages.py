"""Inspection pages (ISO 13485 §8.2.6; invariant 9): the list with filters, an inspection's
results form (limits and unit per row, failed rows marked; a failure opens an NCR), the plan
list, the plan editor and the signed approval; bilingual headings; deny by default."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from mederp.quality.inspections.models import Inspection, InspectionPlan, InspectionResult
from mederp.quality.nonconformance.models import Nonconformance
from tests.quality.inspections.support import make_plan, receive
from tests.signing_support import PASSWORD, code, later

EXPIRY = dt.date(2028, 12, 31)


def client_of(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


@pytest.fixture
def inspection(world, approved_order) -> Inspection:
    make_plan(world.qa, world.lot_product)
    receive(world, approved_order().lines.get(), quantity="40", lot="L-UI", expiry_date=EXPIRY)
    return Inspection.objects.get()


def form_for(inspection: Inspection, diameter: str = "5.0", visual: str = "pass") -> dict:
    c = {x.name: x.pk for x in inspection.plan.characteristics.all()}
    return {
        f"value_{c['Outer diameter']}": diameter,
        f"passed_{c['Visual inspection']}": visual,
        f"text_{c['Packaging note']}": "carton intact",
    }


def test_the_list_shows_and_filters_inspections(world, inspection) -> None:
    qa = client_of(world.qa)
    page = qa.get("/quality/inspections/").content.decode()
    assert inspection.number in page and "检验" in page
    page = qa.get("/quality/inspections/", {"stage": "incoming"}).content.decode()
    assert inspection.number in page and "进货检验" in page
    assert (
        inspection.number
        not in qa.get("/quality/inspections/", {"stage": "final"}).content.decode()
    )


def test_the_detail_shows_limits_and_unit_per_characteristic(world, inspection) -> None:
    page = client_of(world.inspector).get(f"/quality/inspections/{inspection.pk}/").content
    text = page.decode()
    assert "[4.9, 5.1] mm" in text and "Visual inspection" in text
    assert f'name="value_{inspection.plan.characteristics.get(sequence=1).pk}"' in text


def test_qc_records_failing_results_and_sees_the_failed_row_and_the_ncr(world, inspection) -> None:
    qc = client_of(world.inspector)
    url = f"/quality/inspections/{inspection.pk}/results/"
    r = qc.post(url, form_for(inspection, diameter="5.4"), follow=True)
    assert r.status_code == 200
    inspection.refresh_from_db()
    assert inspection.result == "fail" and Nonconformance.objects.count() == 1
    text = r.content.decode()
    assert 'class="failed"' in text and 'id="ncr-link"' in text


def test_a_refused_result_is_shown_and_writes_nothing(world, inspection) -> None:
    qc = client_of(world.inspector)
    data = form_for(inspection, diameter="five")
    r = qc.post(f"/quality/inspections/{inspection.pk}/results/", data)
    assert r.status_code == 200 and "not an exact number" in r.content.decode()
    assert not InspectionResult.objects.exists()


def test_qa_drafts_a_plan_in_the_editor_and_approves_it_by_signature(world) -> None:
    qa = client_of(world.qa)
    assert "检验计划" in qa.get("/quality/inspections/plans/new/").content.decode()
    data = {
        "product": world.lot_product.pk,
        "stage": "final",
        "title": "Final",
        "notes": "",
        "c-TOTAL_FORMS": "3",
        "c-INITIAL_FORMS": "0",
        "c-0-name": "Length",
        "c-0-kind": "numeric",
        "c-0-lower_limit": "29.5",
        "c-0-upper_limit": "30.5",
        "c-0-unit": "mm",
        "c-1-name": "Label legible",
        "c-1-kind": "pass_fail",
        "c-2-name": "",
        "c-2-kind": "text",
        "s-TOTAL_FORMS": "2",
        "s-INITIAL_FORMS": "0",
        "s-0-lot_size_from": "1",
        "s-0-lot_size_to": "",
        "s-0-sample_size": "3",
    }
    r = qa.post("/quality/inspections/plans/new/", data)
    assert r.status_code == 302, r.content.decode()[:2000]
    plan = InspectionPlan.objects.get()
    assert [c.name for c in plan.characteristics.all()] == ["Length", "Label legible"]
    assert plan.sampling.get().lot_size_to is None
    later()
    r = qa.post(
        f"/quality/inspections/plans/{plan.pk}/approve/",
        {"approve-password": PASSWORD, "approve-totp": code(world.qa.secret), "approve-reason": ""},
    )
    assert r.status_code == 302, r.content.decode()[:3000]
    plan.refresh_from_db()
    assert plan.state == "approved"
    assert "Approved" in qa.get(f"/quality/inspections/plans/{plan.pk}/").content.decode()


def test_a_bad_plan_in_the_editor_is_refused_with_its_message(world) -> None:
    qa = client_of(world.qa)
    data = {
        "product": world.lot_product.pk,
        "stage": "final",
        "c-TOTAL_FORMS": "1",
        "c-INITIAL_FORMS": "0",
        "c-0-name": "Length",
        "c-0-kind": "numeric",
        "s-TOTAL_FORMS": "0",
        "s-INITIAL_FORMS": "0",
    }
    r = qa.post("/quality/inspections/plans/new/", data)
    assert r.status_code == 200 and "lower limit" in r.content.decode()
    assert not InspectionPlan.objects.exists()


def test_the_plan_list_and_an_approved_plan_offer_a_new_revision(world) -> None:
    plan = make_plan(world.qa, world.lot_product)
    qa = client_of(world.qa)
    assert world.lot_product.code in qa.get("/quality/inspections/plans/").content.decode()
    r = qa.get(f"/quality/inspections/plans/{plan.pk}/edit/")
    assert r.status_code == 302
    r = qa.post(f"/quality/inspections/plans/{plan.pk}/revise/")
    assert r.status_code == 302
    assert InspectionPlan.objects.filter(revision=2, state="draft").exists()


def test_pages_are_denied_without_permission(world, inspection, api_as) -> None:
    sales = api_as("sales")
    assert (
        sales.post(
            f"/quality/inspections/{inspection.pk}/results/", form_for(inspection)
        ).status_code
        == 403
    )
    assert sales.get("/quality/inspections/plans/new/").status_code == 403
    assert Client().get("/quality/inspections/").status_code in (302, 401)
