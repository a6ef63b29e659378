"""An administrator's security review in a real browser (issue 3 §2, §8, §9; AC-06, AT-12):
a user locks their account with wrong passwords, the administrator signs in with TOTP, sees the
lock on the users page and the refusals in the security log (chain intact), and unlocks."""

from __future__ import annotations

import pytest

from mederp.identity.models import SecurityEvent, User
from tests.e2e.conftest import enrol_totp, login

pytestmark = pytest.mark.django_db(transaction=True)


def _wrong_password(page, username: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{page.base_url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "not-the-password")
    page.click("main form button[type=submit]")


def test_a_locked_user_is_seen_in_the_security_log_and_unlocked(page, shot, make_user):
    make_user("admin", "administrator", printed_name="系统管理员 Admin")
    enrol_totp("admin")
    make_user("wh", "warehouse", printed_name="仓管员 赵敏")
    for _ in range(5):
        _wrong_password(page, "wh")
    assert page.locator("main").inner_text().count("identity.account_locked") <= 1
    assert User.objects.get(username="wh").locked_until is not None

    login(page, "admin")
    page.goto(f"{page.base_url}/accounts/admin/users/")
    shot(page, "admin-users")
    assert "wh" in page.locator("main").inner_text()

    page.goto(f"{page.base_url}/accounts/admin/security-events/?kind=login_failed")
    shot(page, "admin-security-events")
    rows = page.locator("main table tbody tr")
    assert rows.count() == SecurityEvent.objects.filter(kind="login_failed").count() == 5

    wh = User.objects.get(username="wh")
    page.goto(f"{page.base_url}/accounts/admin/users/{wh.pk}/")
    shot(page, "admin-user-locked")
    page.click(f"a[href='/accounts/admin/users/{wh.pk}/unlock/']")
    page.fill("main form textarea[name=reason]", "电话核实本人，确认是输错密码")
    shot(page, "admin-unlock-form")
    page.click("main form[method=post] button[type=submit]")
    page.wait_for_load_state()
    wh.refresh_from_db()
    assert wh.locked_until is None
    assert SecurityEvent.objects.filter(kind="account_unlocked", user=wh).count() == 1
    shot(page, "admin-user-unlocked")
