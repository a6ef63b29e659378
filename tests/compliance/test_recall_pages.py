"""Recall pages: the list, opening by signature, the detail with consignees, tracking forms,
the effectiveness figure and chart, the files, closing by signature; permission guards
(RC-01..RC-06; invariant 9; ES-02)."""

from __future__ import annotations

import pytest
from django.test import Client
from tests.compliance import recall_support
from tests.compliance.recall_support import TABLES, lot
from tests.signing_support import PASSWORD, code, later

from mederp.compliance.models import Recall, RecallLine
from mederp.core.models import Signature

pytestmark = pytest.mark.django_db

clock_frozen = recall_support.clock_frozen
world = recall_support.world
make_product = recall_support.make_product
make_customer = recall_support.make_customer
put_stock = recall_support.put_stock
make_order = recall_support.make_order
confirmed = recall_support.confirmed
allocated = recall_support.allocated
picked = recall_support.picked
reviewed = recall_support.reviewed
shipped = recall_support.shipped
desk = recall_support.desk
ship = recall_support.ship


def browser(user, lang="en"):
    client = Client(HTTP_ACCEPT_LANGUAGE=lang)
    client.force_login(user)
    return client


def test_opening_a_recall_from_the_form(desk, ship):
    ship("L-BAD", "4")
    client = browser(desk.opener)
    page = client.get("/compliance/recalls/new/")
    assert page.status_code == 200 and b'name="password"' in page.content
    later()
    r = client.post(
        "/compliance/recalls/new/",
        {
            "lots": "L-BAD\n",
            "classification": "I",
            "reason": "Seal failure",
            "password": PASSWORD,
            "totp": code(desk.opener.secret),
        },
    )
    recall = Recall.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/compliance/recalls/{recall.pk}/"
    assert lot("L-BAD").status == "recalled"


def test_a_wrong_password_on_the_form_shows_the_refusal(desk, ship, unchanged):
    ship("L-BAD")
    with unchanged(*TABLES, Signature):
        r = browser(desk.opener).post(
            "/compliance/recalls/new/",
            {
                "lots": "L-BAD",
                "classification": "II",
                "reason": "x",
                "password": "nope",
                "totp": "000000",
            },
        )
    assert r.status_code == 200
    assert b"identity." in r.content


def test_an_unknown_lot_on_the_form_is_shown_by_code(desk, unchanged):
    with unchanged(*TABLES, Signature):
        r = browser(desk.opener).post(
            "/compliance/recalls/new/",
            {"lots": "NOPE", "classification": "II", "reason": "x", "password": PASSWORD},
        )
    assert r.status_code == 200
    assert "NOPE" in r.content.decode()


def test_the_detail_shows_facts_consignees_chart_and_signature(desk, ship):
    ship("L-BAD", "4")
    recall = desk.open("L-BAD", classification="I")
    page = browser(desk.tracker).get(f"/compliance/recalls/{recall.pk}/")
    html = page.content.decode()
    assert page.status_code == 200
    assert recall.number in html and "一级召回" in html
    assert desk.world.customer.name in html
    assert 'class="recall-chart"' in html and 'class="recall-progress"' in html
    assert "qa 签名人" in html  # the opening signature's manifestation
    assert f"/compliance/recalls/{recall.pk}/list.csv" in html
    assert f'action="/compliance/recalls/{recall.pk}/notify/"' in html
    listing = browser(desk.tracker).get("/compliance/recalls/")
    assert recall.number in listing.content.decode()


def test_tracking_from_the_page(desk, ship):
    ship("L-BAD", "4")
    recall = desk.open("L-BAD")
    client = browser(desk.tracker)
    code_ = desk.world.customer.code
    r = client.post(
        f"/compliance/recalls/{recall.pk}/notify/", {"consignee": code_, "via": "visit"}
    )
    assert r.status_code == 302
    line = RecallLine.objects.get(recall=recall)
    assert line.notified_via == "visit"
    r = client.post(f"/compliance/recalls/{recall.pk}/acknowledge/", {"consignee": code_})
    line.refresh_from_db()
    assert line.acknowledged_at is not None
    url = f"/compliance/recalls/{recall.pk}/lines/{line.pk}/account/"
    assert client.get(url).status_code == 200
    r = client.post(url, {"quantity_returned": "9", "quantity_accounted": "0"})
    assert r.status_code == 200 and b"exceed what" in r.content
    r = client.post(url, {"quantity_returned": "4", "quantity_accounted": "0", "disposition": ""})
    assert r.status_code == 302
    page = client.get(f"/compliance/recalls/{recall.pk}/").content.decode()
    assert 'data-ratio="1.0000"' in page


def test_closing_from_the_sign_page(desk, ship):
    ship("L-BAD", "4")
    recall = desk.open("L-BAD")
    desk.notify_all(recall)
    client = browser(desk.closer)
    url = f"/compliance/recalls/{recall.pk}/step/close/"
    assert client.get(url).status_code == 200
    later()
    r = client.post(
        url,
        {
            "close-password": PASSWORD,
            "close-totp": code(desk.closer.secret),
            "close-reason": "All back",
        },
    )
    assert r.status_code == 302, r.content.decode()[:2000]
    assert Recall.objects.get(pk=recall.pk).state == "closed"


@pytest.mark.parametrize("fmt,start", [("csv", b"\xef\xbb\xbf"), ("xlsx", b"PK"), ("pdf", b"%PDF")])
def test_the_files_download(desk, ship, fmt, start):
    ship("L-BAD", "4")
    recall = desk.open("L-BAD")
    r = browser(desk.tracker).get(f"/compliance/recalls/{recall.pk}/list.{fmt}")
    assert r.status_code == 200 and r.content.startswith(start)
    assert f'filename="{recall.number}-list.{fmt}"' in r["Content-Disposition"]


def test_people_without_recall_permissions_are_refused(desk, ship):
    ship("L-BAD", "4")
    recall = desk.open("L-BAD")
    seller = browser(desk.world.seller)
    for url in (
        "/compliance/recalls/",
        "/compliance/recalls/new/",
        f"/compliance/recalls/{recall.pk}/",
        f"/compliance/recalls/{recall.pk}/list.csv",
    ):
        assert seller.get(url).status_code == 403, url
    assert seller.post(f"/compliance/recalls/{recall.pk}/notify/", {}).status_code == 403
    auditor_page = browser(desk.world.picker).get(f"/compliance/recalls/{recall.pk}/")
    assert auditor_page.status_code == 403


def test_the_nav_offers_recalls_to_qa(desk):
    page = browser(desk.opener).get("/")
    assert b"/compliance/recalls/" in page.content
