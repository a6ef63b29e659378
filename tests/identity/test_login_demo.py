"""The demo plant's logins (shared/DEMO.md): "MFA enrolment shown on first login where
required" (AC-04), and `mederp demo --logins` says so truthfully."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from login_support import ENROL, browser, password_step, signed_in_user_id

from mederp.ui import demo

pytestmark = pytest.mark.django_db


def test_logins_say_who_sets_up_an_authenticator_at_first_sign_in():
    call_command("demo", stdout=io.StringIO())
    out = io.StringIO()
    call_command("demo", "--logins", stdout=out)
    lines = out.getvalue().splitlines()
    starred = [line.split()[0] for line in lines if line.endswith("*")]
    assert starred == ["admin", "qa"]
    assert any("two-factor authentication (TOTP)" in line for line in lines)
    assert demo.DEMO_PASSWORD in out.getvalue()


@pytest.mark.parametrize("username,enrols", [("qa", True), ("admin", True), ("wh", False)])
def test_demo_users_sign_in_and_those_needing_mfa_enrol_first(username, enrols):
    call_command("demo", stdout=io.StringIO())
    client = browser()
    r = password_step(client, username, demo.DEMO_PASSWORD)
    assert r.status_code == 302
    if enrols:
        assert r["Location"] == ENROL and signed_in_user_id(client) is None
    else:
        assert r["Location"] == "/" and signed_in_user_id(client) is not None
