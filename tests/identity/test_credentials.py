"""Re-authentication for signing across a session's life (ES-08, ES-09, ES-13, AC-09;
21 CFR 11.200(a)(1)): the first signature of a session needs every component, later ones in the
same continuous session the password, and a session that ended (logout, idle timeout, ended by
its owner) is no longer continuous."""

from __future__ import annotations

import datetime as dt

import pytest
from login_support import browser, code_step, password_step
from tests.signing_support import PASSWORD, code, enrol_totp

from mederp.core import clock
from mederp.identity import credentials, sessions
from mederp.identity.errors import InvalidCredentials, TotpRequired
from mederp.identity.models import UserSession

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 6, 15, 2, 0, tzinfo=dt.UTC)


def at(seconds: float) -> object:
    return clock.frozen(T0 + dt.timedelta(seconds=seconds))


@pytest.fixture
def qa(make_user):
    return make_user("qa", "qa_manager", printed_name="质量经理 QA")


def sign_in(user, secret):  # type: ignore[no-untyped-def]
    client = browser()
    password_step(client, user.username, PASSWORD)
    assert code_step(client, code(secret)).status_code == 302
    return client


def test_es09_first_signature_needs_totp_the_next_only_the_password(qa):
    with at(0):
        secret = enrol_totp(qa)
        client = sign_in(qa, secret)
        key = client.session.session_key
    with at(31):
        assert credentials.signing_needs_totp(qa, key)
        with pytest.raises(TotpRequired):
            credentials.authenticate_signer(qa, PASSWORD, None, session_key=key)
        method = credentials.authenticate_signer(qa, PASSWORD, code(secret), session_key=key)
        assert method == "password+totp"
    with at(62):
        assert not credentials.signing_needs_totp(qa, key)
        assert credentials.authenticate_signer(qa, PASSWORD, None, session_key=key) == "password"
        with pytest.raises(InvalidCredentials):
            credentials.authenticate_signer(qa, "wrong", None, session_key=key)


def test_es09_after_an_idle_timeout_every_component_is_needed_again(qa):
    with at(0):
        secret = enrol_totp(qa)
        client = sign_in(qa, secret)
        key = client.session.session_key
    with at(31):
        credentials.authenticate_signer(qa, PASSWORD, code(secret), session_key=key)
    with at(31 + 16 * 60):
        assert client.get("/").status_code == 302  # idle timeout ended the session
        assert credentials.signing_needs_totp(qa, key)
        with pytest.raises(TotpRequired):
            credentials.authenticate_signer(qa, PASSWORD, None, session_key=key)
    with at(31 + 16 * 60 + 31):
        again = sign_in(qa, secret)
        new_key = again.session.session_key
        assert new_key != key
        assert credentials.signing_needs_totp(qa, new_key)
    with at(31 + 16 * 60 + 62):
        assert (
            credentials.authenticate_signer(qa, PASSWORD, code(secret), session_key=new_key)
            == "password+totp"
        )


@pytest.mark.parametrize("ending", ["logout", "ended_by_user"])
def test_es09_a_session_ended_by_logout_or_its_owner_is_not_continuous(qa, ending):
    with at(0):
        secret = enrol_totp(qa)
        client = sign_in(qa, secret)
        key = client.session.session_key
    with at(31):
        credentials.authenticate_signer(qa, PASSWORD, code(secret), session_key=key)
        if ending == "logout":
            client.post("/accounts/logout/")
        else:
            sessions.end(UserSession.objects.get(session_key=key), sessions.ENDED_BY_USER)
        assert credentials.open_session(key) is None
        with pytest.raises(TotpRequired):
            credentials.authenticate_signer(qa, PASSWORD, None, session_key=key)


def test_a_new_login_starts_a_session_that_is_not_yet_continuous(qa):
    """The login's own TOTP does not count as a signature's (ES-09: components at signing)."""
    with at(0):
        secret = enrol_totp(qa)
        client = sign_in(qa, secret)
    session = UserSession.objects.get(session_key=client.session.session_key)
    assert session.mfa_verified_at == T0 and session.full_signing_at is None
