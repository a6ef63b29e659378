"""Lockout through the login page (AC-06; 21 CFR 11.300(d); issue 3 §2): five failures within the
window lock the account, the sixth attempt is refused even with the right password, an alert
event is emitted at once, and the lock lifts after the cool-down."""

from __future__ import annotations

import datetime as dt

import pytest
from login_support import IP, audits, browser, code_step, error_codes, events, password_step
from login_support import signed_in_user_id as signed_in
from tests.signing_support import PASSWORD, code, enrol_totp

from mederp.core import clock
from mederp.core.models import OutboxEvent
from mederp.identity.models import SecurityEvent

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 6, 15, 2, 0, tzinfo=dt.UTC)


def at(seconds: float) -> object:
    return clock.frozen(T0 + dt.timedelta(seconds=seconds))


@pytest.fixture
def clerk(make_user):
    return make_user("clerk", "warehouse", printed_name="仓管员 Clerk")


def fail(times: int, *, start: float = 0, spacing: float = 10) -> list[list[str]]:
    shown = []
    for i in range(times):
        with at(start + i * spacing):
            shown.append(error_codes(password_step(browser(), "clerk", "wrong-password")))
    return shown


def test_five_failures_lock_and_the_sixth_attempt_is_refused_even_with_the_right_password(
    clerk, settings
):
    """AC-06: the 6th attempt is blocked and an alert event is emitted."""
    shown = fail(5)
    assert shown[:4] == [["identity.invalid_credentials"]] * 4
    assert shown[4] == ["identity.account_locked"]
    (locked,) = events("account_locked")
    assert locked.user == clerk and locked.detail["attempts"] == 5
    (audited,) = audits("account_locked")
    assert audited.record_id == str(clerk.pk) and audited.client_ip == IP
    (alert,) = OutboxEvent.objects.filter(event_type="identity.security.alert")
    assert alert.payload["kind"] == "account_locked" and alert.payload["username"] == "clerk"
    client = browser()
    with at(60):
        r = password_step(client, "clerk", PASSWORD)
    assert error_codes(r) == ["identity.account_locked"]
    assert signed_in(client) is None
    last = events("login_failed")[-1]
    assert last.detail["reason"] == "account_locked"
    assert "account_locked" in audits("login_failed")[-1].changes
    clerk.refresh_from_db()
    assert clerk.failed_attempts == 5  # refused before the password was tried: not counted


def test_the_lock_lifts_after_the_cool_down(clerk, settings):
    fail(5)
    cooldown = settings.MEDERP_SECURITY["LOCKOUT_COOLDOWN_SECONDS"]
    client = browser()
    with at(40 + cooldown - 1):
        assert error_codes(password_step(client, "clerk", PASSWORD)) == ["identity.account_locked"]
    with at(40 + cooldown + 1):
        r = password_step(client, "clerk", PASSWORD)
    assert r.status_code == 302 and signed_in(client) == clerk.pk
    clerk.refresh_from_db()
    assert clerk.failed_attempts == 0


def test_failures_outside_the_window_do_not_accumulate(clerk, settings):
    window = settings.MEDERP_SECURITY["LOCKOUT_WINDOW_SECONDS"]
    fail(4)
    shown = fail(4, start=window + 60)
    assert all(s == ["identity.invalid_credentials"] for s in shown)
    assert not events("account_locked")
    clerk.refresh_from_db()
    assert clerk.failed_attempts == 4


def test_a_success_resets_the_count(clerk):
    fail(4)
    with at(50):
        password_step(browser(), "clerk", PASSWORD)
    assert fail(4, start=60) == [["identity.invalid_credentials"]] * 4
    assert not events("account_locked")


def test_wrong_totp_codes_count_toward_the_same_lock(clerk):
    """ES-13 / AC-06: one counter for every factor; the code step honours the lock."""
    with at(0):
        enrol_totp(clerk)
    fail(3)
    client = browser()
    with at(40):
        password_step(client, "clerk", PASSWORD)
        assert error_codes(code_step(client, "000000")) == ["identity.invalid_totp"]
        r = code_step(client, "111111")
    assert r.status_code == 302  # back to the login page with the lock shown
    with at(41):
        assert "identity.account_locked" in error_codes(client.get("/accounts/login/"))
    assert events("account_locked")


def test_the_code_step_refuses_a_right_code_once_the_account_is_locked(clerk):
    with at(0):
        secret = enrol_totp(clerk)
    client = browser()
    with at(1):
        password_step(client, "clerk", PASSWORD)
    fail(5, start=2, spacing=1)
    with at(20):
        r = code_step(client, code(secret))
    assert r.status_code == 302 and signed_in(client) is None
    assert SecurityEvent.objects.filter(kind="login_succeeded").count() == 0
