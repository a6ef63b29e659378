"""Signing in with two factors in a real browser (AC-04, AC-08, AC-09; issue 3 §1, §3, §10):
a QA manager's first sign-in enrols an authenticator (QR code and key shown, recovery codes shown
once), signing out ends the session, a recovery code signs back in once, and My sessions lists
the one open session."""

from __future__ import annotations

import pyotp
import pytest

from mederp.identity.models import RecoveryCode, UserSession

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "Correct-Horse-9"


def _password(page, username: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{page.base_url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("main form button[type=submit]")


def test_first_sign_in_enrols_totp_and_a_recovery_code_signs_in_once(page, shot, make_user):
    make_user("qa", "qa_manager", printed_name="质量经理 王芳")
    _password(page, "qa")
    page.wait_for_url(f"{page.base_url}/accounts/login/enrol/")
    assert page.locator("figure.qr svg").count() == 1
    secret = page.locator("[data-totp-secret]").inner_text().strip()
    shot(page, "mfa-enrolment-qr")
    page.fill("input[name=code]", pyotp.TOTP(secret).now())
    page.click("main form button[type=submit]")
    codes = page.locator("[data-recovery-codes] code").all_inner_texts()
    assert len(codes) == 10
    shot(page, "mfa-recovery-codes")
    page.click("[data-continue]")
    page.wait_for_url(f"{page.base_url}/")

    page.click("header form[action='/accounts/logout/'] button")
    page.wait_for_url(f"{page.base_url}/accounts/login/")
    assert UserSession.objects.get().end_reason == "logout"

    _password(page, "qa")
    page.wait_for_url(f"{page.base_url}/accounts/login/verify/")
    page.fill("input[name=code]", codes[0])
    page.click("main form button[type=submit]")
    page.wait_for_url(f"{page.base_url}/")
    assert RecoveryCode.objects.filter(used_at__isnull=False).count() == 1

    page.goto(f"{page.base_url}/accounts/sessions/")
    assert page.locator("#sessions-table tr[data-session]").count() == 1
    shot(page, "my-sessions")
