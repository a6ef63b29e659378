"""The demo plant and 首营 approval: the demo enrols qa's authenticator through identity's own
enrolment steps and qa approves the devices and partners by electronic signature, the first
signature of the session with password and TOTP, later ones with the password only (AC-04,
ES-09, ES-10, ES-12). No signing bypass: outside that session qa needs every component again.
The components the plant makes with are approved too; one (the needle shield, in no BOM yet) is
left in review, for qa to approve in the UI."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from mederp.catalog import selectors
from mederp.catalog.models import Product
from mederp.core import signatures
from mederp.core.actors import Actor
from mederp.core.errors import DomainError
from mederp.identity import credentials
from mederp.identity.models import SecurityEvent, User, UserSession
from mederp.partners.models import Partner
from mederp.ui import demo

pytestmark = pytest.mark.django_db


@pytest.fixture
def loaded():
    call_command("demo", stdout=io.StringIO())


def test_devices_and_partners_are_approved_by_qas_signature(loaded):
    devices = Product.objects.exclude(device_class="none")
    assert set(devices.values_list("approval_state", flat=True)) == {"approved"}
    for product in devices:
        assert selectors.is_approved_for_use(product)
        (signed,) = signatures.signatures_for(product)
        assert signed.valid and signed.signature.signer_username == "qa"
        assert signed.signature.meaning == "approved"
    assert set(Partner.objects.values_list("qualification_state", flat=True)) == {"approved"}


def test_one_component_waits_in_review_unsigned(loaded):
    waiting = Product.objects.filter(approval_state="in_review")
    assert list(waiting.values_list("code", flat=True)) == [demo.plant.COMPONENT_IN_REVIEW]
    assert not any(signatures.signatures_for(p) for p in waiting)


def test_qa_signed_in_once_and_signed_out(loaded):
    """The demo's signatures fall within one continuous session, begun by a login with the
    password and a TOTP code and ended by a logout, as a person's would."""
    qa = User.objects.get(username="qa")
    (session,) = UserSession.objects.filter(user=qa)
    assert session.ended_at is not None and session.end_reason == "logout"
    assert session.mfa_verified_at is not None and session.full_signing_at is not None
    events = SecurityEvent.objects.filter(user=qa).order_by("id")
    kinds = list(events.values_list("kind", flat=True))
    assert kinds == ["identity_verified", "mfa_enrolled", "login_succeeded", "logout"]
    assert credentials.has_mfa(qa)


def test_outside_the_demos_session_qa_needs_the_authenticator_again(loaded):
    qa = User.objects.get(username="qa")
    component = Product.objects.get(code=demo.plant.COMPONENT_IN_REVIEW)
    from mederp.catalog import services

    with pytest.raises(DomainError) as exc:
        services.approve_product(Actor.for_user(qa), component.pk, password=demo.DEMO_PASSWORD)
    assert exc.value.code == "identity.totp_required"
    assert Product.objects.get(pk=component.pk).approval_state == "in_review"


def test_the_logins_say_what_waits_for_qa(loaded):
    out = io.StringIO()
    call_command("demo", "--logins", stdout=out)
    assert "Waiting in review (首营品种): CMP-SHIELD; qa approves each" in out.getvalue()
