"""TOTP enrolment and recovery codes from the account pages (AC-04, AC-07, AC-08; 21 CFR
11.300(c), (e); issue 3 §1: QR code in the UI, recovery codes shown once and stored hashed)."""

from __future__ import annotations

import datetime as dt
import hashlib
import re

import pytest
from django.test import Client
from login_support import audits, browser, code_step, error_codes, events, password_step, text
from tests.signing_support import PASSWORD, code, enrol_totp

from mederp.core import clock
from mederp.core.models import OutboxEvent
from mederp.identity import credentials, crypto, mfa
from mederp.identity.errors import InvalidTotp
from mederp.identity.models import RecoveryCode, TotpDevice

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 6, 15, 2, 0, tzinfo=dt.UTC)
ENROL = "/accounts/mfa/enrol/"
CODES = re.compile(r"<code>([0-9a-f]{5}-[0-9a-f]{5})</code>")


def at(seconds: float) -> object:
    return clock.frozen(T0 + dt.timedelta(seconds=seconds))


@pytest.fixture
def clerk(make_user):
    return make_user("clerk", "warehouse", printed_name="仓管员 Clerk")


@pytest.fixture
def client(clerk) -> Client:
    c = browser()
    c.force_login(clerk)
    return c


def shown_secret(page: str) -> str:
    match = re.search(r"<code data-totp-secret>([A-Z2-7]+)</code>", page)
    assert match, "the seed is shown as text beside the QR code"
    return match.group(1)


def test_the_enrolment_page_shows_a_qr_code_and_the_seed_stored_encrypted(client, clerk):
    with at(0):
        page = text(client.get(ENROL))
    secret = shown_secret(page)
    assert "<svg" in page and "qrline" in page
    device = TotpDevice.objects.get(user=clerk)
    assert device.confirmed_at is None
    assert secret not in device.secret_ciphertext
    assert crypto.decrypt(device.secret_ciphertext) == secret
    uri = mfa.provisioning_uri(clerk, mfa.PendingSeed(device.secret_ciphertext, False))
    assert uri.startswith("otpauth://totp/MedERP:clerk?") and "issuer=MedERP" in uri
    with at(5):
        assert shown_secret(text(client.get(ENROL))) == secret  # a reload keeps the seed


def test_confirming_shows_ten_recovery_codes_once_and_stores_only_their_hashes(client, clerk):
    """AC-08 enrolment self-test; recovery codes shown once, kept as SHA-256."""
    with at(0):
        secret = shown_secret(text(client.get(ENROL)))
        r = client.post(ENROL, {"code": code(secret)})
    codes = CODES.findall(text(r))
    assert len(codes) == 10 and len(set(codes)) == 10
    stored = set(RecoveryCode.objects.filter(user=clerk).values_list("code_hash", flat=True))
    assert stored == {hashlib.sha256(c.replace("-", "").encode()).hexdigest() for c in codes}
    device = TotpDevice.objects.get(user=clerk)
    assert device.confirmed_at == T0
    with at(1):
        overview = text(client.get("/accounts/mfa/"))
    assert not CODES.search(overview) and "Recovery codes left" in overview
    (event,) = events("mfa_enrolled")
    assert event.user == clerk and event.detail == {"replaced": False, "recovery_codes": 10}
    (entry,) = audits("mfa_enrolled")
    assert secret not in entry.changes and codes[0] not in entry.changes
    (published,) = OutboxEvent.objects.filter(event_type="identity.user.mfa_enrolled")
    assert secret not in str(published.payload)


def test_the_enrolment_code_cannot_be_replayed_at_the_next_login(client, clerk):
    with at(0):
        secret = shown_secret(text(client.get(ENROL)))
        client.post(ENROL, {"code": code(secret)})
        other = browser()
        password_step(other, "clerk", PASSWORD)
        assert error_codes(code_step(other, code(secret))) == ["identity.totp_replayed"]


def test_a_wrong_confirmation_code_confirms_nothing(client, clerk):
    with at(0):
        client.get(ENROL)
        r = client.post(ENROL, {"code": "000000"})
    assert error_codes(r) == ["identity.invalid_totp"]
    assert TotpDevice.objects.get(user=clerk).confirmed_at is None
    assert not RecoveryCode.objects.exists() and not events("mfa_enrolled")
    clerk.refresh_from_db()
    assert clerk.failed_attempts == 0


def test_starting_over_shows_a_new_seed(client, clerk):
    with at(0):
        first = shown_secret(text(client.get(ENROL)))
        client.post(ENROL, {"restart": "1"})
        second = shown_secret(text(client.get(ENROL)))
    assert first != second


def test_replacing_the_authenticator_needs_the_password_and_kills_old_recovery_codes(client, clerk):
    """AC-07: controlled re-issuance; the old device works until the new one is proved."""
    with at(0):
        old_secret = enrol_totp(clerk)
        old_codes = mfa._issue_recovery_codes(clerk)
        page = text(client.get(ENROL))
        new_secret = shown_secret(page)
        assert "Replace your authenticator" in page
        assert crypto.decrypt(TotpDevice.objects.get(user=clerk).secret_ciphertext) == old_secret
        r = client.post(ENROL, {"code": code(new_secret), "password": "wrong"})
        assert error_codes(r) == [] and "The current password is not correct." in text(r)
        assert crypto.decrypt(TotpDevice.objects.get(user=clerk).secret_ciphertext) == old_secret
        r = client.post(ENROL, {"code": code(new_secret), "password": PASSWORD})
    assert len(CODES.findall(text(r))) == 10
    device = TotpDevice.objects.get(user=clerk)
    assert crypto.decrypt(device.secret_ciphertext) == new_secret
    hashes = set(RecoveryCode.objects.filter(user=clerk).values_list("code_hash", flat=True))
    assert not hashes & {mfa.recovery_hash(c) for c in old_codes}
    assert events("mfa_enrolled")[-1].detail["replaced"] is True
    with at(31), pytest.raises(InvalidTotp):
        credentials.check_totp(clerk, code(old_secret), failure_kind="mfa_failed")


def test_new_recovery_codes_need_a_current_totp_code(client, clerk):
    with at(0):
        secret = enrol_totp(clerk)
        old = mfa._issue_recovery_codes(clerk)
        r = client.post("/accounts/mfa/recovery-codes/", {"code": "000000"})
        assert error_codes(r) == ["identity.invalid_totp"]
        assert set(RecoveryCode.objects.values_list("code_hash", flat=True)) == {
            mfa.recovery_hash(c) for c in old
        }
        r = client.post("/accounts/mfa/recovery-codes/", {"code": code(secret)})
    new = CODES.findall(text(r))
    assert len(new) == 10 and not set(new) & set(old)
    assert events("recovery_codes_issued") and audits("recovery_codes_issued")


def test_the_overview_says_when_the_role_requires_mfa(make_user):
    qa = make_user("qa", "qa_manager", printed_name="QA")
    c = browser()
    c.force_login(qa)
    with at(0):
        page = text(c.get("/accounts/mfa/"))
    assert "Your role requires two-factor authentication." in page


def test_the_user_menu_links_the_account_pages(client):
    with at(0):
        page = text(client.get("/"))
    for path in ("/accounts/password/", "/accounts/mfa/", "/accounts/sessions/"):
        assert f'href="{path}"' in page
