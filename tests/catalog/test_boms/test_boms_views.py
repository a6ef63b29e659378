"""The bill-of-materials pages: the list, a version with its components, signatures and
history, the forms that draft and edit it, and the sign dialog that approves it (ES-02; CM-01;
invariant 9)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from tests.catalog.test_boms.conftest import sign

from mederp.catalog.models import BillOfMaterials, BomComponent
from mederp.core import clock
from mederp.core.models import Signature
from mederp.identity.models import UserSession

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    UserSession.objects.get_or_create(
        session_key=client.session.session_key,
        defaults={"user": user, "created_at": clock.now(), "last_seen_at": clock.now()},
    )
    return client


@pytest.fixture
def planner(plant):
    return signed_in(plant.planner)


@pytest.fixture
def qa(plant):
    return signed_in(plant.qa)


def test_the_list_shows_versions_filtered_by_device(plant, planner):
    bom = plant.draft()
    plant.draft(product=plant.product(9))
    r = planner.get(reverse("catalog:bom_list"), {"product": plant.device.pk})
    assert r.status_code == 200
    html = r.content.decode()
    assert f'data-bom="{bom.pk}"' in html and "P-0009" not in html.split("<tbody>")[1]
    nav = planner.get(reverse("catalog:bom_list")).content.decode()
    assert "Bills of materials" in nav


def test_the_planner_drafts_a_version_and_adds_components(plant, planner):
    r = planner.post(
        reverse("catalog:bom_create"), {"product_id": plant.device.pk, "notes": "pilot build"}
    )
    bom = BillOfMaterials.objects.get()
    assert r.status_code == 302 and r["Location"] == reverse("catalog:bom_detail", args=[bom.pk])
    add = reverse("catalog:bom_component_add", args=[bom.pk])
    r = planner.post(add, {"component_id": plant.part.pk, "quantity_per_unit": "2"})
    assert r.status_code == 302
    r = planner.post(add, {"component_id": plant.part.pk, "quantity_per_unit": "1"})
    assert r.status_code == 200
    assert "catalog.bom_component_duplicate" in r.content.decode() or "already line 1" in (
        r.content.decode()
    )
    r = planner.post(add, {"component_id": plant.material.pk, "quantity_per_unit": "0"})
    assert "greater than 0" in r.content.decode()
    page = planner.get(reverse("catalog:bom_detail", args=[bom.pk])).content.decode()
    assert 'data-line="1"' in page and "P-0002" in page
    assert 'data-code="catalog.bom_product_not_approved"' not in page
    assert "Add component" in page
    assert 'data-dialog="sign-approve"' not in page, "the planner cannot approve"


def test_the_new_version_form_is_prefilled_to_copy(plant, planner):
    bom = plant.draft()
    url = reverse("catalog:bom_create") + f"?product={plant.device.pk}&copy_from={bom.pk}"
    r = planner.get(url)
    assert r.status_code == 200
    assert f'<option value="{bom.pk}" selected>' in r.content.decode()
    body = {"product_id": plant.device.pk, "copy_from_id": bom.pk}
    planner.post(reverse("catalog:bom_create"), body)
    assert BillOfMaterials.objects.get(revision=2).components.count() == 2


def test_a_line_is_edited_and_removed_with_a_reason(plant, planner):
    bom = plant.draft()
    line = bom.components.get(line_no=1)
    edit = reverse("catalog:bom_component_edit", args=[bom.pk, line.pk])
    assert planner.get(edit).status_code == 200
    r = planner.post(
        edit,
        {
            "component_id": plant.part.pk,
            "quantity_per_unit": "3",
            "version": line.version,
            "reason": "",
        },
    )
    assert r.status_code == 200 and "reason is required" in r.content.decode()
    r = planner.post(
        edit,
        {
            "component_id": plant.part.pk,
            "quantity_per_unit": "3",
            "version": line.version,
            "reason": "drawing rev B",
        },
    )
    assert r.status_code == 302
    line.refresh_from_db()
    assert str(line.quantity_per_unit.normalize()) == "3"
    remove = reverse("catalog:bom_component_remove", args=[bom.pk, line.pk])
    assert planner.get(remove).status_code == 200
    assert planner.post(remove, {"reason": "not fitted"}).status_code == 302
    assert not BomComponent.objects.filter(pk=line.pk).exists()


def test_the_effective_date_is_edited_on_a_draft(plant, planner):
    bom = plant.draft()
    bom.refresh_from_db()
    url = reverse("catalog:bom_edit", args=[bom.pk])
    assert planner.get(url).status_code == 200
    r = planner.post(
        url,
        {"effective_from": "2026-06-01", "notes": "", "version": bom.version, "reason": "plan"},
    )
    assert r.status_code == 200 and "in the past" in r.content.decode()
    r = planner.post(
        url,
        {"effective_from": "2026-07-01", "notes": "", "version": bom.version, "reason": "plan"},
    )
    assert r.status_code == 302
    bom.refresh_from_db()
    assert bom.effective_from.isoformat() == "2026-07-01"


def test_qa_signs_the_approval_in_the_dialog_with_the_effective_date(plant, qa):
    bom = plant.draft()
    page = qa.get(reverse("catalog:bom_detail", args=[bom.pk])).content.decode()
    assert 'data-dialog="sign-approve"' in page
    assert 'name="approve-effective_from"' in page
    url = reverse("catalog:bom_transition", args=[bom.pk, "approve"])
    assert qa.get(url).status_code == 200
    creds = sign(plant.qa)
    r = qa.post(
        url,
        {
            "approve-password": creds["password"],
            "approve-totp": creds["totp"],
            "approve-effective_from": "2026-06-20",
            "approve-meaning": "approved",
        },
    )
    assert r.status_code == 302, r.content.decode()[-2000:]
    bom.refresh_from_db()
    assert (bom.state, bom.effective_from.isoformat()) == ("approved", "2026-06-20")
    page = qa.get(reverse("catalog:bom_detail", args=[bom.pk])).content.decode()
    assert 'data-meaning="approved" data-valid="true"' in page
    assert "qa 签名人" in page
    assert "It takes effect on 2026-06-20" in page
    assert "Add component" not in page, "an approved version is not edited"


def test_a_refused_approval_shows_its_reason_on_the_form(plant, qa):
    bom = plant.draft()
    url = reverse("catalog:bom_transition", args=[bom.pk, "approve"])
    creds = sign(plant.qa)
    r = qa.post(
        url,
        {
            "approve-password": creds["password"],
            "approve-totp": creds["totp"],
            "approve-effective_from": "2026-06-01",
        },
    )
    assert r.status_code == 200
    assert "catalog.bom_effective_in_past" in r.content.decode()
    assert not Signature.objects.filter(record_type="catalog.billofmaterials").exists()


def test_pages_are_refused_without_the_permission(plant, make_user):
    bom = plant.draft()
    line = bom.components.get(line_no=1)
    clerk = signed_in(make_user("clerk", "sales"))
    assert clerk.get(reverse("catalog:bom_detail", args=[bom.pk])).status_code == 200
    for url in (
        reverse("catalog:bom_create"),
        reverse("catalog:bom_edit", args=[bom.pk]),
        reverse("catalog:bom_component_add", args=[bom.pk]),
        reverse("catalog:bom_component_edit", args=[bom.pk, line.pk]),
        reverse("catalog:bom_component_remove", args=[bom.pk, line.pk]),
    ):
        assert clerk.get(url).status_code == 403, url
        assert clerk.post(url, {}).status_code == 403, url
    nobody = signed_in(make_user("nobody"))
    assert nobody.get(reverse("catalog:bom_list")).status_code == 403
    assert nobody.get(reverse("catalog:bom_detail", args=[bom.pk])).status_code == 403
