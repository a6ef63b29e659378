"""The demo plant and 首营 approval: the demo cannot sign for qa (qa enrols TOTP at the first
sign-in and no signing bypass exists), so it leaves its products and partners in review for qa
to approve in the UI (AC-04, ES-10)."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from mederp.catalog.models import Product
from mederp.core.errors import DomainError
from mederp.core.models import Signature
from mederp.identity.models import User
from mederp.partners.models import Partner
from mederp.ui import demo

pytestmark = pytest.mark.django_db


@pytest.fixture
def loaded():
    call_command("demo", stdout=io.StringIO())


def test_demo_products_and_partners_wait_in_review(loaded):
    assert set(Product.objects.values_list("approval_state", flat=True)) == {"in_review"}
    assert set(Partner.objects.values_list("qualification_state", flat=True)) == {"in_review"}
    assert not Signature.objects.exists()


def test_qa_cannot_sign_before_enrolling_an_authenticator(loaded):
    from mederp.catalog import services
    from mederp.core.actors import Actor

    qa = User.objects.get(username="qa")
    product = Product.objects.get(code="SYR-5ML")
    with pytest.raises(DomainError) as exc:
        services.approve_product(Actor.for_user(qa), product.pk, password=demo.DEMO_PASSWORD)
    assert exc.value.code == "identity.mfa_enrolment_required"


def test_the_logins_say_who_approves(loaded):
    out = io.StringIO()
    call_command("demo", "--logins", stdout=out)
    assert "qa approves each by electronic signature" in out.getvalue()
