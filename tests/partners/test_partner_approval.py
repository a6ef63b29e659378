"""首营企业: a partner is usable only once its qualification is approved by an electronic
signature on its current data and documents (ES-04, ES-11, ES-12, ES-13; 21 CFR 11.50, 11.70).
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.test import Client
from tests.signing_support import PASSWORD, code, enrol_totp, frozen_clock, later

from mederp.core.actors import Actor
from mederp.core.errors import DomainError
from mederp.core.models import AuditEntry, OutboxEvent, Signature
from mederp.identity import services as identity
from mederp.identity.models import SecurityEvent
from mederp.partners import selectors, services
from mederp.partners.models import Partner

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def clock_frozen():
    with frozen_clock():
        yield


@pytest.fixture
def person(make_user):
    def make(username, role="qa_manager"):
        user = make_user(username, role, printed_name=f"{username} 签名人")
        user.secret = enrol_totp(user)
        user.actor = Actor.for_user(user)
        return user

    return make


@pytest.fixture
def author(person):
    return person("author")


@pytest.fixture
def qa(person):
    return person("qa")


@pytest.fixture
def partner(author, uscc_for):
    partner = services.create_partner(
        author.actor,
        code="SUP-9",
        name="苏州示例供应商",
        is_supplier=True,
        is_customer=False,
        uscc=uscc_for(9),
        contact="王工",
        phone="0512-1",
    )
    services.add_document(
        author.actor,
        partner.pk,
        kind="distribution_licence",
        number="苏械经营许0009",
        valid_from=dt.date(2024, 1, 1),
        valid_until=dt.date(2028, 12, 31),
        scope=["07", "14"],
    )
    return partner


@pytest.fixture
def in_review(partner, author):
    return services.submit_partner(author.actor, partner.pk)


def approve(user, partner, **kw):
    kw.setdefault("totp", code(user.secret))
    return services.approve_partner(user.actor, partner.pk, password=PASSWORD, **kw)


@pytest.fixture
def approved(in_review, qa):
    return approve(qa, in_review)


def fresh(partner):
    return Partner.objects.get(pk=partner.pk)


def refused(fn, *args, **kwargs) -> DomainError:
    before = (
        Signature.objects.count(),
        AuditEntry.objects.count(),
        OutboxEvent.objects.count(),
        list(Partner.objects.values_list("qualification_state", "version")),
    )
    logged = SecurityEvent.objects.count()
    with pytest.raises(DomainError) as exc:
        fn(*args, **kwargs)
    after = (
        Signature.objects.count(),
        AuditEntry.objects.count(),
        OutboxEvent.objects.count(),
        list(Partner.objects.values_list("qualification_state", "version")),
    )
    assert after == before, "a refused approval wrote something"
    assert SecurityEvent.objects.count() > logged, "the refusal was not security-logged"
    return exc.value


def test_a_new_partner_is_not_qualified_until_approved(partner):
    assert partner.qualification_state == "draft"
    assert not selectors.is_qualified(partner)


def test_a_qa_manager_approves_a_submitted_partner(in_review, qa):
    partner = approve(qa, in_review)
    assert partner.qualification_state == "approved"
    assert selectors.is_qualified(fresh(partner))
    assert OutboxEvent.objects.filter(event_type="partners.partner.qualification_approved").exists()


def test_the_creator_cannot_approve_the_partner(in_review, author):
    exc = refused(approve, author, in_review)
    assert exc.code == "signatures.sod_author_cannot_approve"


def test_whoever_filed_a_document_cannot_approve(in_review, person):
    clerk = person("filer")
    services.add_document(
        clerk.actor, in_review.pk, kind="business_licence", number="BL-9", scope=[]
    )
    exc = refused(approve, clerk, in_review)
    assert exc.code == "signatures.sod_author_cannot_approve"


def test_approving_a_draft_is_a_wrong_state(partner, qa):
    exc = refused(approve, qa, partner)
    assert exc.code == "workflow.wrong_state"


def test_a_wrong_password_is_refused(in_review, qa):
    exc = refused(services.approve_partner, qa.actor, in_review.pk, password="no", totp="1")
    assert exc.code == "identity.invalid_credentials"


def test_a_changed_licence_invalidates_the_approval(approved, author):
    """ES-04: the content hash covers the qualification documents."""
    doc = approved.documents.get()
    services.change_document(
        author.actor, doc.pk, valid_until=dt.date(2029, 6, 30), reason="renewed"
    )
    partner = fresh(approved)
    assert partner.qualification_state == "in_review"
    assert not selectors.is_qualified(partner)
    view = selectors.approval_of(partner)
    assert view.needs_reapproval and [s.valid for s in view.signatures] == [False]
    assert OutboxEvent.objects.filter(event_type="partners.partner.qualification_reopened").exists()


def test_a_new_document_after_approval_sends_the_partner_back_to_review(approved, author):
    services.add_document(
        author.actor,
        approved.pk,
        kind="iso13485_certificate",
        number="ISO-9",
        valid_until=dt.date(2027, 1, 1),
    )
    assert fresh(approved).qualification_state == "in_review"


def test_a_changed_legal_name_invalidates_the_approval(approved, author):
    services.change_partner(author.actor, approved.pk, name="苏州新名称供应商", reason="更名")
    assert fresh(approved).qualification_state == "in_review"


def test_a_new_phone_number_keeps_the_approval(approved, author):
    services.change_partner(author.actor, approved.pk, phone="0512-2", reason="new number")
    assert fresh(approved).qualification_state == "approved"
    assert selectors.is_qualified(fresh(approved))


def test_suspension_is_signed_with_a_reason_and_resubmission_needs_a_new_approval(
    approved, qa, author, person
):
    later()
    exc = refused(
        services.suspend_partner,
        qa.actor,
        approved.pk,
        password=PASSWORD,
        reason="",
        totp=code(qa.secret),
    )
    assert exc.code in ("signatures.reason_required", "workflow.reason_required")
    later()
    services.suspend_partner(
        qa.actor, approved.pk, password=PASSWORD, reason="许可证被注销", totp=code(qa.secret)
    )
    assert fresh(approved).qualification_state == "suspended"
    assert not selectors.is_qualified(fresh(approved))
    services.transition_partner(author.actor, approved.pk, "resubmit")
    assert fresh(approved).qualification_state == "in_review"
    later()
    approve(qa, approved)
    assert selectors.is_qualified(fresh(approved))


def post(client, path, body, **headers):
    return client.post(path, data=json.dumps(body), content_type="application/json", **headers)


def test_the_api_approves_and_shows_the_manifestation(in_review, qa):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(qa)
    r = post(
        client,
        f"/api/v1/partners/{in_review.pk}/approve",
        {"password": PASSWORD, "totp": code(qa.secret)},
    )
    assert r.status_code == 200, r.json()
    body = r.json()
    assert body["qualification_state"] == "approved" and body["approval"]["qualified"]
    (sig,) = body["signatures"]
    assert (sig["printed_name"], sig["meaning"], sig["valid"]) == ("qa 签名人", "approved", True)
    detail = client.get(f"/api/v1/partners/{in_review.pk}").json()
    assert detail["signatures"][0]["signed_at"] == sig["signed_at"]


def test_the_api_refuses_a_signature_id(in_review, qa):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(qa)
    r = post(
        client,
        f"/api/v1/partners/{in_review.pk}/approve",
        {"password": PASSWORD, "signature_id": 7},
    )
    assert r.status_code == 422 and not Signature.objects.exists()


def test_an_api_key_cannot_approve_a_partner(in_review, system):
    _c, token = identity.create_api_client(system, name="wms", roles=["qa_manager"])
    r = post(
        Client(),
        f"/api/v1/partners/{in_review.pk}/approve",
        {"password": "x"},
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert r.status_code == 403 and r.json()["code"] == "identity.not_a_person"
    assert fresh(in_review).qualification_state == "in_review"
