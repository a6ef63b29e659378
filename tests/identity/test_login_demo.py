"""The demo plant's logins (shared/DEMO.md): "MFA enrolment shown on first login where
required" (AC-04) stays true for admin; qa's and qa2's authenticators were enrolled by the demo
(both sign), so they are asked for a code; `mederp demo --logins` says so truthfully and prints
their keys."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from login_support import ENROL, VERIFY, browser, password_step, signed_in_user_id

from mederp.ui import demo

pytestmark = pytest.mark.django_db


def test_logins_say_who_sets_up_an_authenticator_at_first_sign_in():
    call_command("demo", stdout=io.StringIO())
    out = io.StringIO()
    call_command("demo", "--logins", stdout=out)
    lines = out.getvalue().splitlines()
    enrols = [line.split()[0] for line in lines if line.endswith(" *")]
    enrolled = [line.split()[0] for line in lines if line.endswith(" **")]
    assert enrols == ["admin"] and enrolled == ["qa", "qa2"]
    assert any("two-factor authentication (TOTP)" in line for line in lines)
    assert demo.DEMO_PASSWORD in out.getvalue()


def test_logins_print_qas_key_its_uri_and_a_qr_code():
    import pyotp

    from mederp.identity.models import User
    from mederp.ui.demo.people import Authenticator

    call_command("demo", stdout=io.StringIO())
    out = io.StringIO()
    call_command("demo", "--logins", stdout=out)
    text = out.getvalue()
    secret = Authenticator.of(User.objects.get(username="qa")).secret
    key_line = next(line for line in text.splitlines() if "key:" in line)
    assert key_line.split("key:")[1].replace(" ", "") == secret
    uri = next(line.strip() for line in text.splitlines() if "otpauth://" in line)
    assert pyotp.parse_uri(uri).secret == secret and "issuer=MedERP" in uri
    assert "▀" in text or "▄" in text  # the terminal QR code


@pytest.mark.parametrize("username,step", [("qa", VERIFY), ("admin", ENROL), ("wh", "/")])
def test_demo_users_sign_in_and_those_needing_mfa_enrol_first(username, step):
    call_command("demo", stdout=io.StringIO())
    client = browser()
    r = password_step(client, username, demo.DEMO_PASSWORD)
    assert r.status_code == 302 and r["Location"] == step
    assert (signed_in_user_id(client) is not None) == (step == "/")
