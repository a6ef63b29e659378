"""Disabling a user's MFA is an administrator's electronically signed act (issue 3 §1; ES-10,
AC-07; 21 CFR 11.200, 11.300(c)): signed with meaning mfa_reset, never on one's own account,
audited and security-logged; refusals write nothing but their security-log record."""

from __future__ import annotations

import datetime as dt

import pytest
from login_support import audits, browser, events, text
from tests.signing_support import PASSWORD, code, enrol_totp

from mederp.core import clock
from mederp.core.actors import Actor
from mederp.core.models import OutboxEvent, Signature
from mederp.core.signatures import (
    SignatureReasonRequired,
    SigningNotPermitted,
    signatures_for,
)
from mederp.identity import mfa
from mederp.identity.errors import InvalidCredentials, MfaNotEnrolled, MfaSelfReset, TotpRequired
from mederp.identity.models import RecoveryCode, TotpDevice, UserSession

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 6, 15, 2, 0, tzinfo=dt.UTC)


def at(seconds: float) -> object:
    return clock.frozen(T0 + dt.timedelta(seconds=seconds))


@pytest.fixture
def boss(make_user):
    return make_user("boss", "administrator", printed_name="管理员 Boss")


@pytest.fixture
def clerk(make_user):
    user = make_user("clerk", "warehouse", printed_name="仓管员 Clerk")
    with at(0):
        enrol_totp(user)
        mfa._issue_recovery_codes(user)
    return user


def disable(admin, target, *, password=PASSWORD, totp=None, reason="Lost phone, ticket 42"):  # type: ignore[no-untyped-def]
    return mfa.disable_mfa(
        Actor.for_user(admin),
        target,
        password=password,
        totp=totp,
        reason=reason,
        session_key=None,
    )


def test_an_administrator_disables_mfa_with_a_signature(boss, clerk):
    with at(0):
        boss_secret = enrol_totp(boss)
    clerk_browser = browser()
    clerk_browser.force_login(clerk)
    with at(1):
        clerk_browser.get("/")
    with at(31):
        signature = disable(boss, clerk, totp=code(boss_secret))
    assert signature.meaning == "mfa_reset" and signature.signer == boss
    assert signature.printed_name == "管理员 Boss" and signature.reason == "Lost phone, ticket 42"
    assert signature.record_type == "identity.user" and signature.record_id == str(clerk.pk)
    assert signature.method == "password+totp"
    assert [v.valid for v in signatures_for(clerk)] == [True]
    assert not TotpDevice.objects.filter(user=clerk).exists()
    assert not RecoveryCode.objects.filter(user=clerk).exists()
    (event,) = events("mfa_disabled")
    assert event.user == clerk and event.detail["by"] == "boss"
    (entry,) = audits("mfa_disabled")
    assert entry.actor_id == boss.pk and entry.reason == "Lost phone, ticket 42"
    assert OutboxEvent.objects.filter(event_type="identity.user.mfa_disabled").count() == 1
    assert UserSession.objects.get(user=clerk).end_reason == "mfa_disabled"
    with at(32):
        assert clerk_browser.get("/").status_code == 302


def test_an_administrator_cannot_disable_their_own_mfa(boss):
    """Segregation of duties: a second administrator must do it."""
    with at(0):
        secret = enrol_totp(boss)
    with at(31), pytest.raises(MfaSelfReset):
        disable(boss, boss, totp=code(secret))
    assert TotpDevice.objects.filter(user=boss).exists() and not Signature.objects.exists()
    (refused,) = events("signature_refused")
    assert refused.detail["code"] == "identity.mfa_self_reset"


def test_someone_without_the_permission_cannot_disable_mfa(make_user, clerk):
    qa = make_user("qa", "qa_manager", printed_name="QA")
    with at(0):
        secret = enrol_totp(qa)
    with at(31), pytest.raises(SigningNotPermitted):
        disable(qa, clerk, totp=code(secret))
    assert TotpDevice.objects.filter(user=clerk).exists() and not Signature.objects.exists()
    assert events("signature_refused")


def test_a_wrong_password_or_missing_code_is_refused_and_counted(boss, clerk):
    with at(0):
        enrol_totp(boss)
    with at(31), pytest.raises(InvalidCredentials):
        disable(boss, clerk, password="wrong")
    with at(32), pytest.raises(TotpRequired):
        disable(boss, clerk)
    assert TotpDevice.objects.filter(user=clerk).exists()
    assert not Signature.objects.exists() and not events("mfa_disabled")
    boss.refresh_from_db()
    assert boss.failed_attempts == 1
    assert events("signature_failed")


def test_a_reason_is_required(boss, clerk):
    with at(0):
        secret = enrol_totp(boss)
    with at(31), pytest.raises(SignatureReasonRequired):
        disable(boss, clerk, totp=code(secret), reason=" ")
    assert TotpDevice.objects.filter(user=clerk).exists()


def test_a_user_without_mfa_has_nothing_to_disable(boss, make_user):
    plain = make_user("plain", "warehouse")
    with at(0):
        secret = enrol_totp(boss)
    with at(31), pytest.raises(MfaNotEnrolled):
        disable(boss, plain, totp=code(secret))
    assert not Signature.objects.exists()


def test_the_disable_page_signs_and_reports(boss, clerk):
    with at(0):
        secret = enrol_totp(boss)
    admin_browser = browser()
    admin_browser.force_login(boss)
    url = f"/accounts/users/{clerk.pk}/mfa/disable/"
    with at(31):
        page = text(admin_browser.get(url))
        assert "clerk" in page and 'name="totp"' in page
        r = admin_browser.post(url, {"password": PASSWORD, "totp": "000000", "reason": "x"})
        assert "[identity.invalid_totp]" in text(r)
        assert TotpDevice.objects.filter(user=clerk).exists()
    with at(62):
        r = admin_browser.post(
            url, {"password": PASSWORD, "totp": code(secret), "reason": "Lost phone", "next": "/"}
        )
    assert r.status_code == 302 and r["Location"] == "/"
    assert not TotpDevice.objects.filter(user=clerk).exists()


def test_the_disable_page_is_refused_to_non_administrators(make_user, clerk):
    c = browser()
    c.force_login(make_user("wh", "warehouse"))
    with at(0):
        assert c.get(f"/accounts/users/{clerk.pk}/mfa/disable/").status_code == 403
        assert c.post(f"/accounts/users/{clerk.pk}/mfa/disable/", {}).status_code == 403
