"""Sessions (AC-09; ES-09; 21 CFR 11.200(a)(1); issue 3 §3): idle and absolute timeouts, a user's
own list of sessions and ending them, secure cookies, CSRF on forms."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from login_support import IP, LOGIN, browser, events, password_step, signed_in_user_id, text
from tests.signing_support import PASSWORD

from mederp.core import clock
from mederp.core.models import AuditEntry
from mederp.identity import sessions
from mederp.identity.models import UserSession

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 6, 15, 2, 0, tzinfo=dt.UTC)


def at(minutes: float) -> object:
    return clock.frozen(T0 + dt.timedelta(minutes=minutes))


@pytest.fixture
def clerk(make_user):
    return make_user("clerk", "warehouse", printed_name="仓管员 Clerk")


@pytest.fixture
def signed_in(clerk) -> Client:
    client = browser()
    with at(0):
        password_step(client, "clerk", PASSWORD)
    assert signed_in_user_id(client) == clerk.pk
    return client


def test_a_session_made_by_force_login_gets_its_row_at_the_first_request(clerk):
    client = browser()
    client.force_login(clerk)
    with at(0):
        assert client.get("/").status_code == 200
    session = UserSession.objects.get(user=clerk)
    assert session.session_key == client.session.session_key and session.client_ip == IP


def test_last_seen_is_written_at_most_once_a_minute(signed_in):
    with at(0.5):
        signed_in.get("/")
    assert UserSession.objects.get().last_seen_at == T0
    with at(1.5):
        signed_in.get("/")
    assert UserSession.objects.get().last_seen_at == T0 + dt.timedelta(minutes=1.5)


def test_activity_keeps_the_session_alive(signed_in):
    for minute in (10, 20, 30, 40):
        with at(minute):
            assert signed_in.get("/").status_code == 200


def test_sixteen_idle_minutes_sign_the_user_out(signed_in, clerk):
    """AC-09: idle timeout (default 15 minutes) ends the session, with a security event."""
    key = signed_in.session.session_key
    with at(16):
        r = signed_in.get("/catalog/products/")
        assert r.status_code == 302 and r["Location"].startswith(LOGIN)
        assert "next=%2Fcatalog%2Fproducts%2F" in r["Location"]
        page = text(signed_in.get(r["Location"]))
    assert "without activity" in page
    assert signed_in_user_id(signed_in) is None
    assert not Session.objects.filter(session_key=key).exists()
    session = UserSession.objects.get(session_key=key)
    assert session.end_reason == "idle_timeout" and session.ended_at == T0 + dt.timedelta(
        minutes=16
    )
    (event,) = events("session_expired")
    assert event.user == clerk and event.detail["reason"] == "idle_timeout"
    (entry,) = AuditEntry.objects.filter(action="session_expired")
    assert entry.record_id == str(clerk.pk) and entry.client_ip == IP


def test_the_absolute_timeout_ends_even_a_busy_session(signed_in, settings):
    settings.MEDERP_SECURITY = {**settings.MEDERP_SECURITY, "ABSOLUTE_TIMEOUT_SECONDS": 3600}
    for minute in (14, 28, 42, 56):
        with at(minute):
            assert signed_in.get("/").status_code == 200
    with at(61):
        r = signed_in.get("/")
    assert r.status_code == 302 and signed_in_user_id(signed_in) is None
    assert UserSession.objects.get().end_reason == "absolute_timeout"
    assert events("session_expired")[0].detail["reason"] == "absolute_timeout"


def test_an_expired_session_gets_401_json_from_the_api(signed_in):
    with at(16):
        r = signed_in.get("/api/v1/catalog/uoms")
    assert r.status_code == 401
    assert r.json()["code"] == "identity.session_expired"
    assert r.json()["details"]["reason"] == "idle_timeout"


# --- my sessions -----------------------------------------------------------------------------


def test_my_sessions_lists_my_open_sessions_and_marks_this_one(signed_in, clerk, make_user):
    other_browser = Client(
        REMOTE_ADDR="198.51.100.2", HTTP_USER_AGENT="Mozilla/5.0 (Windows) Edg/120"
    )
    with at(1):
        password_step(other_browser, "clerk", PASSWORD)
        someone = browser()
        make_user("someone", "warehouse")
        password_step(someone, "someone", PASSWORD)
        page = text(signed_in.get("/accounts/sessions/"))
    assert page.count("data-session=") == 2
    assert "198.51.100.2" in page and IP in page
    assert "Firefox / Linux" in page and "Edge / Windows" in page
    assert page.count("this session") == 1


def test_ending_another_of_my_sessions_signs_that_browser_out(signed_in, clerk):
    other = browser()
    with at(1):
        password_step(other, "clerk", PASSWORD)
        row = UserSession.objects.get(session_key=other.session.session_key)
        r = signed_in.post(f"/accounts/sessions/{row.pk}/end/")
        assert r.status_code == 302
        assert other.get("/").status_code == 302  # signed out
        assert signed_in.get("/").status_code == 200  # this one goes on
    row.refresh_from_db()
    assert row.end_reason == "ended_by_user" and row.ended_at is not None
    (event,) = events("session_ended")
    assert event.user == clerk and event.detail["session"] == row.pk


def test_another_users_session_cannot_be_ended(signed_in, make_user):
    someone = browser()
    make_user("someone", "warehouse")
    with at(1):
        password_step(someone, "someone", PASSWORD)
        row = UserSession.objects.get(user__username="someone")
        r = signed_in.post(f"/accounts/sessions/{row.pk}/end/")
        assert r.status_code == 404
        assert someone.get("/").status_code == 200
    row.refresh_from_db()
    assert row.ended_at is None and not events("session_ended")


def test_ending_this_session_signs_me_out(signed_in):
    row = UserSession.objects.get(session_key=signed_in.session.session_key)
    with at(1):
        r = signed_in.post(f"/accounts/sessions/{row.pk}/end/")
    assert r.status_code == 302 and r["Location"] == LOGIN
    assert signed_in_user_id(signed_in) is None


def test_a_session_left_idle_elsewhere_is_swept_from_the_list(signed_in, clerk):
    forgotten = browser()
    with at(1):
        password_step(forgotten, "clerk", PASSWORD)
    with at(10):
        signed_in.get("/")
    with at(17):
        page = text(signed_in.get("/accounts/sessions/"))
    assert page.count("data-session=") == 1
    ended = UserSession.objects.get(session_key=forgotten.session.session_key)
    assert ended.end_reason == "idle_timeout"


def test_ending_a_session_twice_writes_once(signed_in):
    row = UserSession.objects.get()
    with at(1):
        assert sessions.end(row, sessions.ENDED_BY_USER)
        assert not sessions.end(row, sessions.ENDED_BY_USER)
    assert len(events("session_ended")) == 1


# --- cookies and CSRF ------------------------------------------------------------------------


def test_the_session_cookie_is_httponly_and_samesite_lax(clerk):
    client = browser()
    r = password_step(client, "clerk", PASSWORD)
    cookie = r.cookies["sessionid"]
    assert cookie["httponly"] and cookie["samesite"] == "Lax"


def test_production_settings_mark_session_and_csrf_cookies_secure():
    """Issue 3 §3: secure cookie flags in production (HTTPS only)."""
    env = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "DEBUG", "MEDERP_ENV")}
    env.update({"MEDERP_ENV": "production", "DEBUG": "0", "SECRET_KEY": "k" * 50})
    script = (
        "import mederp.config.settings as s; "
        "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SESSION_COOKIE_HTTPONLY, "
        "s.SESSION_COOKIE_SAMESITE)"
    )
    r = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True
    )
    assert r.stdout.split() == ["True", "True", "True", "Lax"]


@pytest.mark.parametrize(
    "path,data",
    [
        ("/accounts/login/", {"username": "clerk", "password": PASSWORD}),
        ("/accounts/password/", {"old_password": PASSWORD}),
        ("/accounts/logout/", {}),
    ],
)
def test_a_form_post_without_the_csrf_token_is_refused(clerk, path, data):
    """Issue 3 §3: CSRF on every form."""
    client = Client(enforce_csrf_checks=True)
    if path != "/accounts/login/":
        client.force_login(clerk)
    r = client.post(path, data)
    assert r.status_code == 403
    assert not events("login_succeeded") and not events("password_changed")
