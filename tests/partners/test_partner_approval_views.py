"""The partner page's qualification approval: state, buttons, sign dialog, refusals on the form,
the signature history with validity (ES-02, ES-04, ES-12; 21 CFR 11.50)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from tests.signing_support import PASSWORD, code, enrol_totp, frozen_clock

from mederp.core import clock
from mederp.core.actors import Actor
from mederp.core.models import Signature
from mederp.identity.models import UserSession
from mederp.partners import services

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
def buyer(make_user):
    user = make_user("buyer", "qa_manager", printed_name="采购员 陈刚")
    user.secret = enrol_totp(user)
    return user


@pytest.fixture
def qa(make_user):
    user = make_user("qa", "qa_manager", printed_name="质量经理 王芳")
    user.secret = enrol_totp(user)
    return user


@pytest.fixture
def in_review(buyer, uscc_for):
    actor = Actor.for_user(buyer)
    partner = services.create_partner(
        actor,
        code="SUP-7",
        name="常州示例耗材",
        is_supplier=True,
        is_customer=False,
        uscc=uscc_for(7),
    )
    services.add_document(
        actor,
        partner.pk,
        kind="distribution_licence",
        number="苏械经营许0007",
        valid_until=dt.date(2028, 1, 1),
        scope=["14"],
    )
    return services.submit_partner(actor, partner.pk)


def step(client, partner, name, **fields):
    url = reverse("partners:partner_transition", args=[partner.pk, name])
    return client.post(url, {f"{name}-{k}": v for k, v in fields.items()})


def page(client, partner) -> str:
    r = client.get(reverse("partners:partner_detail", args=[partner.pk]))
    assert r.status_code == 200
    return r.content.decode()


def test_qa_sees_the_approve_dialog(in_review, qa):
    text = page(signed_in(qa), in_review)
    assert 'data-state="in_review"' in text and '<dialog id="sign-approve">' in text
    assert "qualification not approved" in text


def test_approving_shows_the_signature_on_the_partner_page(in_review, qa):
    client = signed_in(qa)
    r = step(client, in_review, "approve", password=PASSWORD, totp=code(qa.secret))
    assert r.status_code == 302
    text = page(client, in_review)
    assert "qualification approved" in text
    assert "质量经理 王芳" in text and "UTC" in text and "VALID" in text


def test_the_creator_is_refused_on_the_form(in_review, buyer):
    r = step(signed_in(buyer), in_review, "approve", password=PASSWORD, totp=code(buyer.secret))
    assert "[signatures.sod_author_cannot_approve]" in r.content.decode()
    assert not Signature.objects.exists()


def test_a_renewed_licence_shows_the_approval_invalid(in_review, qa, buyer):
    client = signed_in(qa)
    step(client, in_review, "approve", password=PASSWORD, totp=code(qa.secret))
    doc = in_review.documents.get()
    services.change_document(
        Actor.for_user(buyer), doc.pk, valid_until=dt.date(2030, 1, 1), reason="renewed"
    )
    text = page(client, in_review)
    assert "Changed after approval — needs re-approval." in text
    assert "INVALID" in text and 'data-state="in_review"' in text


def test_the_list_shows_the_qualification_approval(in_review, qa):
    text = signed_in(qa).get(reverse("partners:partner_list")).content.decode()
    assert 'data-state="in_review"' in text
