"""Lot disposition pages (ISO 13485 §8.2.6; 21 CFR 11.50): the deviation list with the lots
waiting for a decision, a new deviation (found by lot number), its page and its approval by
signature from the sign dialog's target, and the lot disposition page showing what stops the
release, with the buttons linking to inventory's release dialog. Each page needs its
permission."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from mederp.quality.disposition.models import Deviation
from tests.signing_support import PASSWORD, code, later


def client_for(user) -> Client:
    c = Client(HTTP_ACCEPT_LANGUAGE="en")
    c.force_login(user)
    return c


def test_the_list_shows_waiting_lots_and_deviations(made):
    d = made.deviation(approve=False)
    page = client_for(made.plant.qa).get(reverse("disposition:deviation_list"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "FG-001" in html and d.number in html
    assert reverse("disposition:lot_disposition", args=[made.lot.pk]) in html


def test_a_deviation_is_found_by_lot_number_requested_and_approved_on_the_pages(made):
    qa, qa2 = client_for(made.plant.qa), client_for(made.plant.qa2)
    new = reverse("disposition:deviation_new")
    found = qa.get(new, {"number": "FG-001"})
    assert found.status_code == 302 and found.url.endswith(f"?lot={made.lot.pk}")
    unknown = qa.get(new, {"number": "NOPE"})
    assert "No lot or serial NOPE is known." in unknown.content.decode()
    form = qa.get(found.url)
    assert made.final.number in form.content.decode()
    posted = qa.post(
        found.url,
        {
            "inspection": made.final.pk,
            "stage": "",
            "reason": "Release before the result",
            "justification": "Validated",
            "risk_assessment": "Low",
        },
    )
    d = Deviation.objects.get()
    assert posted.status_code == 302 and posted.url == reverse(
        "disposition:deviation_detail", args=[d.pk]
    )
    detail = qa2.get(posted.url).content.decode()
    assert d.number in detail and "Approve deviation" in detail
    later()
    url = reverse("disposition:deviation_transition", args=[d.pk, "approve"])
    done = qa2.post(
        url,
        {
            "approve-password": PASSWORD,
            "approve-totp": code(made.plant.qa2.secret),
            "approve-reason": "",
        },
    )
    assert done.status_code == 302, done.content.decode()
    d.refresh_from_db()
    assert d.state == "approved"
    detail = qa2.get(posted.url).content.decode()
    assert "qa2" in detail  # the signature's manifestation: the signer's printed name


def test_the_requester_is_refused_on_the_sign_page_and_nothing_is_signed(made):
    d = made.deviation(approve=False)
    qa = client_for(made.plant.qa)
    later()
    page = qa.post(
        reverse("disposition:deviation_transition", args=[d.pk, "approve"]),
        {"approve-password": PASSWORD, "approve-totp": code(made.plant.qa.secret)},
    )
    assert page.status_code == 200
    assert "signatures.sod_author_cannot_approve" in page.content.decode()
    assert Deviation.objects.get(pk=d.pk).state == "draft"


def test_the_lot_page_shows_why_release_is_refused_and_links_to_inventorys_dialog(made):
    qa = client_for(made.plant.qa)
    url = reverse("disposition:lot_disposition", args=[made.lot.pk])
    html = qa.get(url).content.decode()
    assert "disposition.inspection_open" in html and made.final.number in html
    release = reverse("inventory:lot_transition", args=[made.lot.pk, "release"])
    assert release not in html  # release refused now: no button
    made.deviation()
    html = qa.get(url).content.decode()
    assert release in html and "Release possible" in html
    assert made.order.number in html and "Complete" in html


def test_the_lot_page_lists_dhr_gaps(production_plant):
    p = production_plant
    p.stock_all()
    order = p.work_order(quantity="5")
    p.issue(order)
    [out] = p.output(order, "5")
    html = (
        client_for(p.qa)
        .get(reverse("disposition:lot_disposition", args=[out.lot_id]))
        .content.decode()
    )
    assert "disposition.dhr_incomplete" in html
    assert "production has not completed it" in html


def test_pages_need_their_permissions(made, api_as):
    sales = api_as("sales")
    for url in (
        reverse("disposition:deviation_list"),
        reverse("disposition:lot_disposition", args=[made.lot.pk]),
        reverse("disposition:deviation_new"),
    ):
        assert sales.get(url).status_code == 403
    inspector = api_as("qc_inspector")
    assert inspector.get(reverse("disposition:deviation_list")).status_code == 200
    assert inspector.get(reverse("disposition:deviation_new")).status_code == 403


def test_a_bad_request_on_the_form_shows_the_coded_error(made):
    qa = client_for(made.plant.qa)
    url = reverse("disposition:deviation_new") + f"?lot={made.lot.pk}"
    page = qa.post(url, {"reason": "x", "justification": "y", "risk_assessment": "z"})
    assert page.status_code == 200
    assert "Name the inspection the deviation waives, or its stage." in page.content.decode()
    assert not Deviation.objects.exists()


def test_the_inventory_lot_page_links_to_the_lot_disposition_page(made, make_user):
    """QA reaches the gate's reasons from the lot itself; a warehouse clerk without the
    disposition permission sees no link."""
    target = reverse("disposition:lot_disposition", args=[made.lot.pk])
    lot_page = reverse("inventory:lot_detail", args=[made.lot.pk])
    assert target in client_for(made.plant.qa).get(lot_page).content.decode()
    clerk = client_for(make_user("lot-page-clerk", "warehouse"))
    assert target not in clerk.get(lot_page).content.decode()
