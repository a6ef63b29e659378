"""Supplier evaluation pages: the scorecard list with its SVG chart of scores, drafting, the
detail with the sign dialog, approval from the sign page (ISO 13485 §7.4.1; CN-21; ES-12)."""

from __future__ import annotations

from django.test import Client

from mederp.partners.models import Partner
from mederp.quality.suppliers.models import SupplierEvaluation
from tests.signing_support import PASSWORD, code, later


def browser(user, lang: str = "en") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=lang)
    client.force_login(user)
    return client


def test_the_scorecard_list_draws_the_scores(quality):
    quality.receive("100", accepted="50")
    page = browser(quality.world.buyer).get("/quality/suppliers/").content.decode()
    assert 'aria-label="Supplier scores, 0 to 100"' in page
    assert f'data-supplier="{quality.world.supplier.code}"' in page
    assert "New evaluation" not in page  # a buyer reads, QA evaluates


def test_the_scorecard_list_in_chinese(quality):
    quality.receive("100")
    page = browser(quality.qa, "zh-hans").get("/quality/suppliers/").content.decode()
    assert "供应商评价" in page and "合格" in page


def test_drafting_from_the_form(quality):
    quality.receive("100", accepted="80")
    client = browser(quality.author)
    assert (
        client.get(
            f"/quality/suppliers/evaluations/new/?supplier={quality.world.supplier.pk}"
        ).status_code
        == 200
    )
    r = client.post(
        "/quality/suppliers/evaluations/new/",
        {
            "supplier": quality.world.supplier.pk,
            "proposed_status": "conditional",
            "rationale": "20 % rejected",
        },
    )
    ev = SupplierEvaluation.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/quality/suppliers/evaluations/{ev.pk}/"
    assert ev.proposed_status == "conditional"


def test_a_refused_draft_shows_the_error_on_the_form(quality):
    client = browser(quality.author)
    r = client.post(
        "/quality/suppliers/evaluations/new/",
        {"supplier": quality.world.supplier.pk, "proposed_status": "approved", "rationale": "x"},
    )
    assert r.status_code == 200
    assert "there is nothing to evaluate" in r.content.decode()
    assert not SupplierEvaluation.objects.exists()


def test_approving_from_the_sign_page(quality):
    quality.receive("100", accepted="20")
    ev = quality.evaluate("disqualified")
    client = browser(quality.qa)
    detail = client.get(f"/quality/suppliers/evaluations/{ev.pk}/").content.decode()
    assert 'id="sign-approve"' in detail  # the sign dialog
    url = f"/quality/suppliers/evaluations/{ev.pk}/approve/"
    assert client.get(url).status_code == 200
    later()
    r = client.post(
        url,
        {
            "approve-password": PASSWORD,
            "approve-totp": code(quality.qa.secret),
            "approve-reason": "",
        },
    )
    assert r.status_code == 302, r.content.decode()[:2000]
    assert SupplierEvaluation.objects.get(pk=ev.pk).state == "approved"
    assert Partner.objects.get(pk=quality.world.supplier.pk).status == "blocked"


def test_the_author_sees_the_refusal_on_the_sign_page(quality):
    quality.receive("100")
    ev = quality.evaluate("approved")
    client = browser(quality.author)
    later()
    r = client.post(
        f"/quality/suppliers/evaluations/{ev.pk}/approve/",
        {"approve-password": PASSWORD, "approve-totp": code(quality.author.secret)},
    )
    assert r.status_code == 200
    assert "signatures.sod_author_cannot_approve" in r.content.decode()
    assert SupplierEvaluation.objects.get(pk=ev.pk).state == "draft"


def test_the_status_badge_names_the_gsp_word_once_in_either_language():
    """合格 / 有条件合格 / 不合格 beside the English word, never twice on a Chinese page."""
    from django.template.loader import render_to_string
    from django.utils import translation

    with translation.override("zh-hans"):
        zh = render_to_string("supplier_quality/_status_badge.html", {"status": "conditional"})
    with translation.override("en"):
        en = render_to_string("supplier_quality/_status_badge.html", {"status": "conditional"})
    assert zh.count("有条件合格") == 1
    assert "conditional" in en and en.count("有条件合格") == 1
