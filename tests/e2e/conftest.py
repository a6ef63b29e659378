"""Browser harness: Playwright for Python driving Debian's chromium against a live server.

Playwright cannot download its own browser here, so it launches /usr/bin/chromium (installed by
scripts/ensure-chromium, which `make test` runs). Screenshots go to var/e2e/ for people to look at.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.conftest import CHROMIUM, SHOTS  # noqa: F401 (the browser fixture lives there)

# Playwright's sync API runs an event loop in this thread; the ORM calls the tests make to
# arrange data are still plain synchronous code.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)
            if os.environ.get("MEDERP_SKIP_E2E") == "1":
                item.add_marker(pytest.mark.skip(reason="MEDERP_SKIP_E2E=1"))


@pytest.fixture
def page(browser, live_server):  # type: ignore[no-untyped-def]
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15000)
    page.base_url = live_server.url  # type: ignore[attr-defined]
    yield page
    context.close()


@pytest.fixture
def shot():  # type: ignore[no-untyped-def]
    SHOTS.mkdir(parents=True, exist_ok=True)

    def take(page, name: str) -> Path:  # type: ignore[no-untyped-def]
        path = SHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


def totp_now(username: str) -> str:
    """The code the user's authenticator app shows now, as the person would read it.

    Each code is accepted once per 30-second step (replay refusal), so when this user's last
    code was from the current step, wait for the next one.
    """
    import time

    import pyotp

    from mederp.identity import crypto
    from mederp.identity.models import TotpDevice

    device = TotpDevice.objects.get(user__username=username, confirmed_at__isnull=False)
    while int(time.time()) // 30 <= device.last_used_step:
        time.sleep(0.5)
    return pyotp.TOTP(crypto.decrypt(device.secret_ciphertext)).now()


def enrol_totp(username: str) -> str:
    """Give the user a confirmed authenticator (as if enrolled earlier); return its seed."""
    import pyotp

    from mederp.core import clock
    from mederp.identity import crypto
    from mederp.identity.models import TotpDevice, User

    secret = pyotp.random_base32()
    TotpDevice.objects.update_or_create(
        user=User.objects.get(username=username),
        defaults={
            "secret_ciphertext": crypto.encrypt(secret),
            "created_at": clock.now(),
            "confirmed_at": clock.now(),
            "last_used_step": 0,
        },
    )
    return secret


def login(page, username: str, password: str = "Correct-Horse-9") -> None:  # type: ignore[no-untyped-def]
    """Sign in as a person would: password, then the authenticator code when asked for one, or
    the first-login enrolment (scan the key, type the code, note the recovery codes)."""
    import pyotp

    page.goto(f"{page.base_url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    if "/accounts/login/verify/" in page.url:
        page.fill("input[name=code]", totp_now(username))
        page.click("main form button[type=submit]")
    elif "/accounts/login/enrol/" in page.url:
        secret = page.locator("[data-totp-secret]").inner_text().strip()
        page.fill("input[name=code]", pyotp.TOTP(secret).now())
        page.click("main form button[type=submit]")
        page.locator("[data-recovery-codes]").wait_for()
        page.click("[data-continue]")
    page.wait_for_url(f"{page.base_url}/")
