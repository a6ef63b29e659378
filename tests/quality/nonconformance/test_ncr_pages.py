"""NCR pages (QE-01): list with filters, raise by hand, detail, investigation, signed
disposition in the sign dialog, signed closure; deny by default."""

from __future__ import annotations

from decimal import Decimal

from django.test import Client
from django.urls import reverse

from mederp.inventory.models import Lot, Move
from mederp.quality.nonconformance.models import Nonconformance
from mederp.quality.nonconformance.services import AffectedItem
from tests.signing_support import PASSWORD, code, later


def browser(user, lang="en") -> Client:
    c = Client(HTTP_ACCEPT_LANGUAGE=lang)
    c.force_login(user)
    return c


def test_list_filters_and_bilingual_heading(plant):
    lot = plant.receive("10")
    ncr = plant.open(AffectedItem(lot.pk, None, Decimal("2")))
    page = browser(plant.inspector).get(reverse("nonconformance:ncr_list"))
    assert page.status_code == 200
    assert "不合格品报告" in page.content.decode() and ncr.number in page.content.decode()
    closed = browser(plant.inspector).get(reverse("nonconformance:ncr_list"), {"state": "closed"})
    assert ncr.number not in closed.content.decode()


def test_pages_deny_anonymous_and_unpermitted_users(plant, make_user):
    lot = plant.receive("10")
    ncr = plant.open(AffectedItem(lot.pk, None, Decimal("2")))
    anonymous = Client()
    assert anonymous.get(reverse("nonconformance:ncr_list")).status_code in (302, 403)
    sales = browser(make_user("s1", "sales"))
    assert sales.get(reverse("nonconformance:ncr_detail", args=[ncr.pk])).status_code == 403
    assert sales.get(reverse("nonconformance:ncr_new")).status_code == 403


def test_raise_an_ncr_by_hand(plant):
    lot = plant.receive("10")
    c = browser(plant.inspector)
    r = c.post(
        reverse("nonconformance:ncr_new"),
        {
            "source": "production",
            "product": plant.world.lot_product.pk,
            "severity": "minor",
            "description": "Label smudged",
            "lot_or_serial": lot.number,
            "quantity": "3",
        },
    )
    ncr = Nonconformance.objects.get()
    assert r.status_code == 302 and r.url == reverse("nonconformance:ncr_detail", args=[ncr.pk])
    assert Lot.objects.get(pk=lot.pk).status == "on_hold"


def test_raise_form_shows_the_services_refusal(plant):
    lot = plant.receive("10")
    r = browser(plant.inspector).post(
        reverse("nonconformance:ncr_new"),
        {
            "source": "audit",
            "product": plant.world.lot_product.pk,
            "severity": "major",
            "description": "x",
            "lot_or_serial": lot.number,
            "quantity": "50",
        },
    )
    assert r.status_code == 200 and Nonconformance.objects.count() == 0
    assert "on hand" in r.content.decode()


def test_investigate_dispose_and_close_from_the_detail_page(plant):
    lot = plant.receive("10")
    ncr = plant.open(AffectedItem(lot.pk, None, Decimal("10")))
    qa = browser(plant.qa)
    detail = qa.get(reverse("nonconformance:ncr_detail", args=[ncr.pk])).content.decode()
    assert "Record investigation" in detail
    qa.post(
        reverse("nonconformance:ncr_investigate", args=[ncr.pk]),
        {"investigation": "Film too thin", "root_cause": "Supplier change"},
    )
    detail = qa.get(reverse("nonconformance:ncr_detail", args=[ncr.pk])).content.decode()
    assert "让步接收" in detail and "sign-disposition" in detail
    later()
    r = qa.post(
        reverse("nonconformance:ncr_disposition", args=[ncr.pk]),
        {
            "disposition": "scrap",
            "reason": "Cannot be reworked",
            "password": PASSWORD,
            "totp": code(plant.qa.secret),
        },
    )
    assert r.status_code == 302, r.content.decode()[:2000]
    assert Move.objects.filter(to_location=plant.scrap).count() == 1
    later()
    r = qa.post(
        reverse("nonconformance:ncr_transition", args=[ncr.pk, "close"]),
        {"close-password": PASSWORD, "close-totp": code(plant.qa.secret), "close-reason": "ok"},
    )
    assert r.status_code == 302, r.content.decode()[:3000]
    assert Nonconformance.objects.get(pk=ncr.pk).state == "closed"


def test_a_wrong_password_shows_on_the_disposition_form(plant):
    lot = plant.receive("10")
    ncr = plant.open(AffectedItem(lot.pk, None, Decimal("1")))
    qa = browser(plant.qa)
    qa.post(reverse("nonconformance:ncr_investigate", args=[ncr.pk]), {"investigation": "x"})
    r = qa.post(
        reverse("nonconformance:ncr_disposition", args=[ncr.pk]),
        {"disposition": "rework", "reason": "r", "password": "bad", "totp": "123456"},
    )
    assert r.status_code == 200
    assert Nonconformance.objects.get(pk=ncr.pk).state == "investigating"
