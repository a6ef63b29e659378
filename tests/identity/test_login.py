"""Signing in: password, second factor, forced enrolment, logout (AC-04, AT-12; 21 CFR 11.300;
issue 3 §1-§2: login, logout and failed login are in the security log and the audit trail with
the source IP; no user enumeration)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.contrib.sessions.models import Session
from login_support import (
    ENROL,
    IP,
    LOGIN,
    VERIFY,
    audits,
    browser,
    code_step,
    error_codes,
    events,
    password_step,
    signed_in_user_id,
    text,
)
from tests.signing_support import PASSWORD, code, enrol_totp, frozen_clock, later

from mederp.core import clock
from mederp.identity import login as signin
from mederp.identity import mfa
from mederp.identity.models import RecoveryCode, TotpDevice, UserSession

pytestmark = pytest.mark.django_db


@pytest.fixture
def clerk(make_user):
    return make_user("clerk", "warehouse", printed_name="仓管员 Clerk")


@pytest.fixture
def qa(make_user):
    return make_user("qa", "qa_manager", printed_name="质量经理 QA")


def test_a_user_without_mfa_signs_in_with_the_password_and_it_is_logged_with_the_ip(clerk):
    """AT-12 and issue 3 §2: the login is in the security log and the audit trail, with IP."""
    client = browser()
    r = password_step(client, "clerk", PASSWORD)
    assert r.status_code == 302 and r["Location"] == "/"
    assert signed_in_user_id(client) == clerk.pk
    (event,) = events("login_succeeded")
    assert event.user == clerk and event.client_ip == IP and event.detail["method"] == "password"
    (entry,) = audits("login", record_id=str(clerk.pk))
    assert entry.client_ip == IP and entry.actor_id == clerk.pk
    session = UserSession.objects.get(user=clerk)
    assert session.session_key == client.session.session_key
    assert session.client_ip == IP and "Firefox" in session.user_agent


def test_a_wrong_password_is_refused_logged_and_counted(clerk):
    client = browser()
    r = password_step(client, "clerk", "wrong-password")
    assert r.status_code == 200 and error_codes(r) == ["identity.invalid_credentials"]
    assert signed_in_user_id(client) is None
    (event,) = events("login_failed")
    assert event.user == clerk and event.client_ip == IP and event.detail["attempt"] == 1
    (entry,) = audits("login_failed")
    assert entry.record_id == str(clerk.pk) and entry.client_ip == IP
    assert entry.actor_kind == "anonymous" and entry.actor_id is None
    clerk.refresh_from_db()
    assert clerk.failed_attempts == 1
    assert not UserSession.objects.exists() and not events("login_succeeded")


def test_an_unknown_user_name_gets_the_same_message_and_is_logged_with_ip(clerk):
    """No user enumeration: an unknown name and a wrong password read the same."""
    client = browser()
    unknown = password_step(client, "nobody-here", PASSWORD)
    wrong = password_step(client, "clerk", "wrong-password")
    message = "The user name or password is not correct."
    assert message in text(unknown) and message in text(wrong)
    assert error_codes(unknown) == error_codes(wrong) == ["identity.invalid_credentials"]
    event = events("login_failed", username="nobody-here")[0]
    assert event.user is None and event.client_ip == IP and event.detail["reason"] == "unknown_user"
    entry = audits("login_failed", record_label="nobody-here")[0]
    assert entry.record_id == "" and entry.client_ip == IP


def test_a_deactivated_account_reads_like_a_wrong_password_and_is_not_counted(make_user):
    make_user("gone", "warehouse", is_active=False)
    r = password_step(browser(), "gone", PASSWORD)
    assert error_codes(r) == ["identity.invalid_credentials"]
    (event,) = events("login_failed")
    assert event.detail["reason"] == "inactive"


def test_an_api_client_cannot_sign_in_on_the_login_page(system):
    from mederp.identity import services

    user, _token = services.create_api_client(system, name="mes", roles=["warehouse"])
    client = browser()
    r = password_step(client, user.username, "anything-at-all")
    assert error_codes(r) == ["identity.invalid_credentials"]
    assert signed_in_user_id(client) is None


@pytest.mark.parametrize(
    "next_url,expected",
    [
        ("/catalog/products/", "/catalog/products/"),
        ("https://evil.example/phish", "/"),
        ("//evil.example/", "/"),
    ],
)
def test_next_is_followed_only_within_the_site(clerk, next_url, expected):
    r = password_step(browser(), "clerk", PASSWORD, next=next_url)
    assert r.status_code == 302 and r["Location"] == expected


def test_logout_ends_the_session_and_is_logged_with_ip(clerk):
    client = browser()
    password_step(client, "clerk", PASSWORD)
    key = client.session.session_key
    r = client.post("/accounts/logout/")
    assert r.status_code == 302 and r["Location"] == LOGIN
    assert signed_in_user_id(client) is None
    assert not Session.objects.filter(session_key=key).exists()
    session = UserSession.objects.get(session_key=key)
    assert session.ended_at is not None and session.end_reason == "logout"
    (event,) = events("logout")
    assert event.user == clerk and event.client_ip == IP
    (entry,) = audits("logout")
    assert entry.client_ip == IP and entry.actor_id == clerk.pk


def test_logout_needs_a_post(clerk):
    client = browser()
    password_step(client, "clerk", PASSWORD)
    assert client.get("/accounts/logout/").status_code == 405
    assert signed_in_user_id(client) == clerk.pk


# --- the second factor -----------------------------------------------------------------------


def test_a_user_with_totp_is_asked_for_the_code_before_the_session_exists(clerk):
    """AC-04: the session is granted only when every factor passed."""
    with frozen_clock():
        secret = enrol_totp(clerk)
        client = browser()
        r = password_step(client, "clerk", PASSWORD, next="/catalog/products/")
        assert r.status_code == 302 and r["Location"] == VERIFY
        assert signed_in_user_id(client) is None
        assert client.get("/catalog/products/").status_code == 302  # not signed in yet
        r = code_step(client, code(secret))
        assert r.status_code == 302 and r["Location"] == "/catalog/products/"
    assert signed_in_user_id(client) == clerk.pk
    (event,) = events("login_succeeded")
    assert event.detail["method"] == "password+totp"
    assert UserSession.objects.get(user=clerk).mfa_verified_at is not None


def test_a_wrong_totp_code_is_refused_counted_and_audited(clerk):
    with frozen_clock():
        enrol_totp(clerk)
        client = browser()
        password_step(client, "clerk", PASSWORD)
        r = code_step(client, "000000")
    assert error_codes(r) == ["identity.invalid_totp"]
    assert signed_in_user_id(client) is None
    (event,) = events("mfa_failed")
    assert event.user == clerk and event.client_ip == IP
    assert audits("login_failed")[0].changes.count("identity.invalid_totp") == 1
    clerk.refresh_from_db()
    assert clerk.failed_attempts == 1


def test_a_totp_code_used_once_is_refused_the_second_time_in_the_same_step(clerk):
    """Bad input in issue 3: a replayed TOTP code -> identity.totp_replayed."""
    with frozen_clock():
        secret = enrol_totp(clerk)
        first = browser()
        password_step(first, "clerk", PASSWORD)
        assert code_step(first, code(secret)).status_code == 302
        second = browser()
        password_step(second, "clerk", PASSWORD)
        r = code_step(second, code(secret))
        assert error_codes(r) == ["identity.totp_replayed"]
        assert signed_in_user_id(second) is None
        assert events("mfa_replay_refused")
        later()
        assert code_step(second, code(secret)).status_code == 302
    assert signed_in_user_id(second) == clerk.pk


def test_a_recovery_code_signs_in_once_only(clerk):
    with frozen_clock():
        enrol_totp(clerk)
        codes = mfa._issue_recovery_codes(clerk)
        client = browser()
        password_step(client, "clerk", PASSWORD)
        r = code_step(client, codes[3].upper())  # typed in capitals: still the same code
        assert r.status_code == 302
        assert events("recovery_code_used")[0].detail["left"] == 9
        assert audits("recovery_code_used")
        again = browser()
        password_step(again, "clerk", PASSWORD)
        r = code_step(again, codes[3])
    assert error_codes(r) == ["identity.invalid_recovery_code"]
    assert signed_in_user_id(again) is None
    assert RecoveryCode.objects.filter(user=clerk, used_at__isnull=False).count() == 1


def test_the_code_step_expires_and_starts_over(clerk):
    start = dt.datetime(2026, 6, 15, 2, 0, tzinfo=dt.UTC)
    with clock.frozen(start):
        secret = enrol_totp(clerk)
        client = browser()
        password_step(client, "clerk", PASSWORD)
    with clock.frozen(start + dt.timedelta(seconds=signin.STEP_SECONDS + 1)):
        r = code_step(client, code(secret))
        assert r.status_code == 302 and r["Location"] == LOGIN
        assert "identity.login_step_expired" in error_codes(client.get(LOGIN))
    assert signed_in_user_id(client) is None


def test_the_code_step_without_a_password_step_goes_back_to_the_login_page():
    r = code_step(browser(), "123456")
    assert r.status_code == 302 and r["Location"] == LOGIN


# --- forced enrolment ------------------------------------------------------------------------


def test_a_user_whose_role_requires_mfa_enrols_before_the_session_is_granted(qa):
    """AC-04: QA must use MFA; without an authenticator the login goes through enrolment."""
    with frozen_clock():
        client = browser()
        r = password_step(client, "qa", PASSWORD)
        assert r.status_code == 302 and r["Location"] == ENROL
        assert signed_in_user_id(client) is None
        page = client.get(ENROL)
        body = text(page)
        device = TotpDevice.objects.get(user=qa)
        assert device.confirmed_at is None
        secret = mfa.PendingSeed(device.secret_ciphertext, replacing=False).secret
        assert secret not in device.secret_ciphertext  # stored encrypted
        assert "<svg" in body and secret in body
        assert client.get("/").status_code == 302  # still no session
        r = client.post(ENROL, {"code": code(secret)})
        assert r.status_code == 200
    assert signed_in_user_id(client) == qa.pk
    shown = re.findall(r"<code>([0-9a-f]{5}-[0-9a-f]{5})</code>", text(r))
    assert len(shown) == 10
    assert events("mfa_enrolled") and events("login_succeeded")[0].detail["method"] == (
        "password+totp_enrolment"
    )


def test_a_wrong_enrolment_code_grants_nothing(qa):
    with frozen_clock():
        client = browser()
        password_step(client, "qa", PASSWORD)
        client.get(ENROL)
        r = client.post(ENROL, {"code": "000000"})
    assert error_codes(r) == ["identity.invalid_totp"]
    assert signed_in_user_id(client) is None
    assert TotpDevice.objects.get(user=qa).confirmed_at is None
    assert not RecoveryCode.objects.exists() and not events("mfa_enrolled")


def test_a_user_with_mfa_is_not_sent_to_enrolment(qa):
    with frozen_clock():
        enrol_totp(qa)
        r = password_step(browser(), "qa", PASSWORD)
    assert r["Location"] == VERIFY
