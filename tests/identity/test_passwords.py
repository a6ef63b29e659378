"""Password policy, changes and expiry (AC-05; 21 CFR 11.300(b); issue 3 §2): length, not the
user name, not one of the last N, not a common password; argon2; expiry and administrator-set
passwords force a change before anything else."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.contrib.auth.hashers import check_password
from django.test import Client
from django.utils import translation
from login_support import audits, browser, error_codes, events, password_step, text
from tests.signing_support import PASSWORD

from mederp.core import clock
from mederp.core.models import OutboxEvent
from mederp.identity import passwords, services
from mederp.identity.errors import CurrentPasswordWrong, PasswordMismatch, PasswordRejected
from mederp.identity.models import PasswordHistory, User

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 6, 15, 2, 0, tzinfo=dt.UTC)
NEW = "Blue-Lantern-Harbour-7"


@pytest.fixture
def clerk(system):
    with clock.frozen(T0):
        return services.create_user(
            system,
            username="clerk",
            printed_name="仓管员 Clerk",
            roles=["warehouse"],
            password=PASSWORD,
        )


def rejected(user: User, new: str) -> list[str]:
    with translation.override("en"), pytest.raises(PasswordRejected) as caught:
        passwords.change_password(user, PASSWORD, new, new)
    return caught.value.details["fields"]["new_password1"]


def test_create_user_starts_the_password_age_and_history(clerk):
    assert clerk.password_changed_at == T0
    (row,) = PasswordHistory.objects.filter(user=clerk)
    assert row.password == clerk.password and check_password(PASSWORD, row.password)


def test_a_short_password_is_refused_at_the_policy_length(clerk, settings):
    settings.MEDERP_SECURITY = {**settings.MEDERP_SECURITY, "PASSWORD_MIN_LENGTH": 14}
    assert any("at least 14 characters" in m for m in rejected(clerk, "Short-pass-1"))


def test_a_password_containing_the_user_name_is_refused(clerk):
    assert any("user name" in m for m in rejected(clerk, "my-CLERK-password-9"))


def test_a_common_password_is_refused(clerk):
    assert any("too common" in m for m in rejected(clerk, "password1234"))


def test_the_current_password_cannot_be_reused(clerk):
    assert any("may not repeat" in m for m in rejected(clerk, PASSWORD))


def test_none_of_the_last_n_passwords_comes_back(clerk, settings):
    settings.MEDERP_SECURITY = {**settings.MEDERP_SECURITY, "PASSWORD_HISTORY": 3}
    chain = [PASSWORD, "Amber-Falcon-Rides-1", "Cedar-Meadow-Glows-2", "Dusty-Violin-Hums-3"]
    for old, new in itertools.pairwise(chain):
        passwords.change_password(clerk, old, new, new)
    with pytest.raises(PasswordRejected):
        passwords.change_password(clerk, chain[-1], chain[1], chain[1])
    # The first password is now older than the last three: allowed again.
    passwords.change_password(clerk, chain[-1], PASSWORD, PASSWORD)
    assert PasswordHistory.objects.filter(user=clerk).count() == 3


def test_a_good_change_is_recorded_everywhere(clerk):
    with clock.frozen(T0 + dt.timedelta(days=3)):
        passwords.change_password(clerk, PASSWORD, NEW, NEW)
    clerk.refresh_from_db()
    assert clerk.check_password(NEW) and not clerk.must_change_password
    assert clerk.password_changed_at == T0 + dt.timedelta(days=3)
    assert PasswordHistory.objects.filter(user=clerk).count() == 2
    assert events("password_changed")[0].user == clerk
    (entry,) = audits("password_changed")
    assert NEW not in entry.changes and "password_changed_at" in entry.changes
    (event,) = OutboxEvent.objects.filter(event_type="identity.user.password_changed")
    assert NEW not in str(event.payload)


def test_a_wrong_current_password_is_refused_counted_and_changes_nothing(clerk, unchanged):
    with unchanged(PasswordHistory), pytest.raises(CurrentPasswordWrong):
        passwords.change_password(clerk, "not-my-password", NEW, NEW)
    clerk.refresh_from_db()
    assert clerk.check_password(PASSWORD) and clerk.failed_attempts == 1
    assert events("login_failed")[0].target == "password change"


def test_two_different_new_passwords_are_refused(clerk, unchanged):
    with unchanged(PasswordHistory), pytest.raises(PasswordMismatch):
        passwords.change_password(clerk, PASSWORD, NEW, NEW + "x")


def test_passwords_are_stored_as_argon2_under_the_production_hashers(clerk, settings):
    from mederp.config import settings as production

    # argon2 first, as in production; MD5 (the suite's fast hasher) still reads the old hash.
    settings.PASSWORD_HASHERS = [*production.PASSWORD_HASHERS, *settings.PASSWORD_HASHERS]
    passwords.change_password(clerk, PASSWORD, NEW, NEW)
    clerk.refresh_from_db()
    assert clerk.password.startswith("argon2")
    assert PasswordHistory.objects.filter(user=clerk).first().password.startswith("argon2")


# --- the change page and forced changes ------------------------------------------------------


def signed_in(user: User) -> Client:
    client = browser()
    client.force_login(user)
    return client


def test_the_change_page_shows_refusals_next_to_the_fields(clerk):
    with clock.frozen(T0):
        r = signed_in(clerk).post(
            "/accounts/password/",
            {"old_password": PASSWORD, "new_password1": "clerk-1234567", "new_password2": "x"},
        )
    assert r.status_code == 200 and "The two new passwords are not the same." in text(r)


def test_changing_the_password_keeps_this_session_and_ends_the_others(clerk):
    with clock.frozen(T0):
        mine, other = browser(), browser()
        password_step(mine, "clerk", PASSWORD)
        password_step(other, "clerk", PASSWORD)
        key = mine.session.session_key
        r = mine.post(
            "/accounts/password/",
            {"old_password": PASSWORD, "new_password1": NEW, "new_password2": NEW},
        )
        assert r.status_code == 302 and r["Location"] == "/"
        assert mine.get("/").status_code == 200
        assert other.get("/").status_code == 302
    from mederp.identity.models import UserSession

    assert mine.session.session_key != key
    assert UserSession.objects.get(session_key=mine.session.session_key).ended_at is None
    assert UserSession.objects.filter(end_reason="password_changed").count() == 1


def test_an_expired_password_sends_every_page_to_the_change_page(clerk, settings):
    max_days = settings.MEDERP_SECURITY["PASSWORD_MAX_AGE_DAYS"]
    with clock.frozen(T0 + dt.timedelta(days=max_days + 1)):
        client = signed_in(clerk)
        r = client.get("/catalog/products/")
        assert r.status_code == 302
        assert r["Location"] == "/accounts/password/?next=%2Fcatalog%2Fproducts%2F"
        page = client.get(r["Location"])
        assert page.status_code == 200 and "Your password has expired" in text(page)
        r = client.post(
            r["Location"], {"old_password": PASSWORD, "new_password1": NEW, "new_password2": NEW}
        )
        assert r.status_code == 302 and r["Location"] == "/catalog/products/"
        assert client.get("/").status_code == 200


def test_a_password_inside_its_age_is_not_sent_anywhere(clerk, settings):
    max_days = settings.MEDERP_SECURITY["PASSWORD_MAX_AGE_DAYS"]
    with clock.frozen(T0 + dt.timedelta(days=max_days - 1)):
        assert signed_in(clerk).get("/").status_code == 200


def test_an_age_limit_of_zero_means_passwords_never_expire(clerk, settings):
    settings.MEDERP_SECURITY = {**settings.MEDERP_SECURITY, "PASSWORD_MAX_AGE_DAYS": 0}
    with clock.frozen(T0 + dt.timedelta(days=5000)):
        assert signed_in(clerk).get("/").status_code == 200


def test_an_administrator_set_password_must_be_changed_first(clerk):
    User.objects.filter(pk=clerk.pk).update(must_change_password=True)
    with clock.frozen(T0):
        client = signed_in(User.objects.get(pk=clerk.pk))
        assert client.get("/").status_code == 302
        page = text(client.get("/accounts/password/"))
        assert "set by an administrator" in page
        for open_path in ("/static/ui/mederp.css",):
            assert client.get(open_path).status_code == 200
        assert client.post("/accounts/logout/").status_code == 302


def test_the_api_answers_403_password_expired_to_a_session_but_not_to_a_key(clerk, system):
    User.objects.filter(pk=clerk.pk).update(must_change_password=True)
    with clock.frozen(T0):
        client = signed_in(User.objects.get(pk=clerk.pk))
        r = client.get("/api/v1/catalog/uoms")
        assert r.status_code == 403 and r.json()["code"] == "identity.password_expired"
        _user, token = services.create_api_client(system, name="wms", roles=["warehouse"])
        r = Client().get("/api/v1/catalog/uoms", HTTP_AUTHORIZATION=f"Bearer {token}")
        assert r.status_code == 200


def test_login_itself_still_works_with_an_expired_password(clerk, settings):
    max_days = settings.MEDERP_SECURITY["PASSWORD_MAX_AGE_DAYS"]
    with clock.frozen(T0 + dt.timedelta(days=max_days + 1)):
        client = browser()
        r = password_step(client, "clerk", PASSWORD)
        assert r.status_code == 302 and not error_codes(r)
        assert client.get(r["Location"])["Location"].startswith("/accounts/password/")
