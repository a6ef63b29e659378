"""The product page's approval: state badge, workflow buttons, the sign dialog (without
JavaScript too), refusals shown on the form with their code, and the signature manifestation on
the page and the print sheet (ES-01, ES-02, ES-04, ES-09; 21 CFR 11.50)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from tests.signing_support import PASSWORD, code, enrol_totp, frozen_clock, later

from mederp.catalog import services
from mederp.core import clock
from mederp.core.actors import Actor
from mederp.core.models import Signature
from mederp.identity.models import UserSession

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def clock_frozen():
    with frozen_clock():
        yield


def signed_in(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    UserSession.objects.get_or_create(
        session_key=client.session.session_key,
        defaults={"user": user, "created_at": clock.now(), "last_seen_at": clock.now()},
    )
    return client


@pytest.fixture
def author(make_user):
    user = make_user("author", "qa_manager", printed_name="录入人 张三")
    user.secret = enrol_totp(user)
    return user


@pytest.fixture
def qa(make_user):
    user = make_user("qa", "qa_manager", printed_name="质量经理 王芳")
    user.secret = enrol_totp(user)
    return user


@pytest.fixture
def product(ea, author):
    from tests.catalog.conftest import product_fields

    return services.create_product(Actor.for_user(author), **product_fields(1))


@pytest.fixture
def in_review(product, author):
    return services.submit_product(Actor.for_user(author), product.pk)


def detail(client, product) -> str:
    r = client.get(reverse("catalog:product_detail", args=[product.pk]))
    assert r.status_code == 200, r.status_code
    return r.content.decode()


def step_url(product, name):
    return reverse("catalog:product_transition", args=[product.pk, name])


def sign(client, product, name, **fields):
    data = {f"{name}-{k}": v for k, v in fields.items()}
    return client.post(step_url(product, name), data)


def test_a_draft_shows_its_state_and_the_submit_button(product, author):
    text = detail(signed_in(author), product)
    assert 'data-state="draft"' in text
    assert "not approved for use" in text
    assert step_url(product, "submit") in text
    assert step_url(product, "approve") not in text


def test_submitting_from_the_page(product, author):
    client = signed_in(author)
    r = client.post(step_url(product, "submit"))
    assert r.status_code == 302
    product.refresh_from_db()
    assert product.approval_state == "in_review"


def test_the_approve_dialog_asks_for_password_and_totp_at_the_first_signature(in_review, qa):
    text = detail(signed_in(qa), in_review)
    assert '<dialog id="sign-approve">' in text
    assert 'name="approve-password"' in text and 'name="approve-totp"' in text
    assert "with the meaning <strong>Approved</strong>" in text


def test_the_sign_page_works_without_javascript(in_review, qa):
    r = signed_in(qa).get(step_url(in_review, "approve"))
    assert r.status_code == 200
    assert 'name="approve-password"' in r.content.decode()


def test_approving_from_the_page_shows_the_manifestation(in_review, qa):
    """ES-01, ES-02: printed name, UTC time (and local time) and meaning on the record page."""
    client = signed_in(qa)
    r = sign(client, in_review, "approve", password=PASSWORD, totp=code(qa.secret))
    assert r.status_code == 302, r.content.decode()[:2000]
    text = detail(client, in_review)
    assert 'data-state="approved"' in text and "approved for use" in text
    assert "质量经理 王芳" in text
    assert "2026-06-15 02:00:00 UTC" in text
    assert "2026-06-15 10:00:00" in text  # Asia/Shanghai
    assert "<strong>Approved</strong>" in text and "VALID" in text


def test_within_the_session_the_next_dialog_asks_only_for_the_password(in_review, qa, make_product):
    """ES-09: the TOTP field is gone after the first signature of the session."""
    client = signed_in(qa)
    sign(client, in_review, "approve", password=PASSWORD, totp=code(qa.secret))
    later()
    text = detail(client, in_review)
    assert 'name="obsolete-password"' in text and 'name="obsolete-totp"' not in text
    r = sign(client, in_review, "obsolete", password=PASSWORD, reason="停产")
    assert r.status_code == 302
    assert Signature.objects.filter(meaning="obsoleted", method="password").exists()


def test_a_wrong_password_is_shown_on_the_form_with_its_code(in_review, qa):
    r = sign(signed_in(qa), in_review, "approve", password="wrong", totp=code(qa.secret))
    assert r.status_code == 200
    assert "[identity.invalid_credentials]" in r.content.decode()
    assert not Signature.objects.exists()


def test_a_wrong_totp_is_shown_on_the_form_with_its_code(in_review, qa):
    r = sign(signed_in(qa), in_review, "approve", password=PASSWORD, totp="000000")
    assert "[identity.invalid_totp]" in r.content.decode()
    assert not Signature.objects.exists()


def test_the_author_is_refused_on_the_form(in_review, author):
    r = sign(signed_in(author), in_review, "approve", password=PASSWORD, totp=code(author.secret))
    assert "[signatures.sod_author_cannot_approve]" in r.content.decode()
    in_review.refresh_from_db()
    assert in_review.approval_state == "in_review"


def test_a_rejection_without_reason_is_refused_by_the_form(in_review, qa):
    r = sign(signed_in(qa), in_review, "reject", password=PASSWORD, totp=code(qa.secret))
    assert r.status_code == 200
    assert not Signature.objects.exists()


def test_a_changed_product_shows_the_signature_invalid_and_needing_re_approval(
    in_review, qa, author
):
    client = signed_in(qa)
    sign(client, in_review, "approve", password=PASSWORD, totp=code(qa.secret))
    services.change_product(Actor.for_user(author), in_review.pk, name_en="x", reason="typo")
    text = detail(client, in_review)
    assert "Changed after approval — needs re-approval." in text
    assert "INVALID" in text and 'data-valid="false"' in text
    assert 'data-state="in_review"' in text


def test_the_print_sheet_carries_the_manifestation(in_review, qa):
    """ES-02: name, time and meaning on the printed copy too."""
    client = signed_in(qa)
    sign(client, in_review, "approve", password=PASSWORD, totp=code(qa.secret))
    r = client.get(reverse("catalog:product_print", args=[in_review.pk]))
    text = r.content.decode()
    assert r.status_code == 200
    assert "质量经理 王芳" in text and "2026-06-15 02:00:00 UTC" in text
    assert "<strong>Approved</strong>" in text


def test_an_unknown_or_automatic_step_is_404(in_review, qa):
    client = signed_in(qa)
    assert client.get(step_url(in_review, "bless")).status_code == 404
    assert client.get(step_url(in_review, "reopen")).status_code == 404


def test_the_list_shows_the_approval_state(in_review, qa):
    text = signed_in(qa).get(reverse("catalog:product_list")).content.decode()
    assert 'data-state="in_review"' in text
