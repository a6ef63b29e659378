"""Users and roles administration (AC-02, AC-05, AC-12; ES-05, ES-06, ES-10; AT-12, AT-13).

Services first (the rules), then the pages that call them.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import Group, Permission
from django.test import Client

from mederp.core import clock
from mederp.core.actors import Actor
from mederp.core.errors import PermissionDenied, ReasonRequired, StaleRecord, ValidationFailed
from mederp.core.models import AuditEntry, OutboxEvent
from mederp.identity import admin_services, securitylog
from mederp.identity.errors import AccountUnchanged, OwnAccount, UnknownRole, UsernameTaken
from mederp.identity.models import PasswordHistory, SecurityEvent, User, UserSession
from mederp.identity.roles import ROLES, sync_roles

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 4, 1, 8, 0, tzinfo=dt.UTC)
TEMP = "Temporary-Pass-2026"


@pytest.fixture
def wang(make_user):
    return make_user("wang", "warehouse", printed_name="王五 Wang Wu")


@pytest.fixture
def other_admin(make_user):
    return Actor.for_user(make_user("admin2", "administrator", printed_name="Admin Two"))


def events_of(kind):
    return list(SecurityEvent.objects.filter(kind=kind))


# --- creating -----------------------------------------------------------------------------


def test_creating_a_person_forces_a_password_change_at_first_sign_in(admin):
    user = admin_services.create_person(
        admin, username="zhao", printed_name="赵六", roles=["sales"], password=TEMP
    )
    user.refresh_from_db()
    assert user.must_change_password and user.check_password(TEMP)
    assert [g.name for g in user.groups.all()] == ["sales"]
    assert AuditEntry.objects.filter(record_type="identity.user", action="create").count() == 1


def test_a_weak_first_password_is_refused_and_nothing_is_written(admin, unchanged):
    with unchanged(User), pytest.raises(ValidationFailed) as exc:
        admin_services.create_person(
            admin, username="zhao", printed_name="赵六", roles=[], password="short"
        )
    assert "password" in exc.value.details["fields"]


def test_a_retired_user_name_is_refused(admin, wang, unchanged):
    """ES-05: a deactivated user's name stays taken, in any letter case."""
    admin_services.set_active(admin, wang.pk, active=False, reason="left the company")
    with unchanged(User), pytest.raises(UsernameTaken):
        admin_services.create_person(
            admin, username="WANG", printed_name="another Wang", roles=[], password=TEMP
        )


def test_a_user_without_add_user_cannot_create(wang, unchanged):
    with unchanged(User), pytest.raises(PermissionDenied):
        admin_services.create_person(
            Actor.for_user(wang), username="x", printed_name="X", roles=[], password=TEMP
        )


# --- roles ----------------------------------------------------------------------------------


def test_a_role_change_is_audited_with_its_reason_and_security_logged(admin, wang):
    admin_services.change_user(admin, wang.pk, roles=["warehouse", "qc_inspector"], reason="QC")
    wang.refresh_from_db()
    assert sorted(g.name for g in wang.groups.all()) == ["qc_inspector", "warehouse"]
    entry = AuditEntry.objects.get(record_type="identity.user", action="update")
    assert entry.reason == "QC"
    assert '"roles":[["warehouse"],["qc_inspector","warehouse"]]' in entry.changes
    [event] = events_of(securitylog.ROLES_CHANGED)
    assert event.user_id == wang.pk
    assert event.detail["old"] == ["warehouse"] and event.detail["by"] == admin.name
    assert OutboxEvent.objects.filter(event_type="identity.user.changed").count() == 1
    assert wang.version == 2


def test_changing_nothing_writes_nothing(admin, wang, unchanged):
    with unchanged(SecurityEvent):
        admin_services.change_user(
            admin, wang.pk, roles=["warehouse"], printed_name=wang.printed_name, reason="noop"
        )


def test_a_role_change_needs_a_reason(admin, wang, unchanged):
    with unchanged(SecurityEvent), pytest.raises(ReasonRequired):
        admin_services.change_user(admin, wang.pk, roles=["sales"], reason=" ")


def test_an_unknown_role_is_refused(admin, wang, unchanged):
    with unchanged(SecurityEvent), pytest.raises(UnknownRole):
        admin_services.change_user(admin, wang.pk, roles=["superhero"], reason="x")


def test_an_administrator_cannot_change_their_own_roles(admin, admin_user, unchanged):
    """AC-12: no one grants themselves privileges, nor removes their own by accident."""
    with unchanged(SecurityEvent), pytest.raises(OwnAccount):
        admin_services.change_user(admin, admin_user.pk, roles=["sales"], reason="x")


def test_an_edit_from_a_stale_copy_is_refused(admin, wang):
    with pytest.raises(StaleRecord):
        admin_services.change_user(
            admin, wang.pk, printed_name="W", reason="x", expected_version=wang.version + 1
        )


def test_the_printed_name_cannot_be_blanked(admin, wang):
    with pytest.raises(ValidationFailed):
        admin_services.change_user(admin, wang.pk, printed_name="  ", reason="x")


# --- deactivate, unlock -------------------------------------------------------------------


def test_deactivation_keeps_the_account_and_ends_its_sessions(admin, wang):
    UserSession.objects.create(
        session_key="s1", user=wang, created_at=clock.now(), last_seen_at=clock.now()
    )
    admin_services.set_active(admin, wang.pk, active=False, reason="left")
    wang.refresh_from_db()
    assert not wang.is_active and User.objects.filter(pk=wang.pk).exists()
    assert UserSession.objects.get().end_reason == "deactivated"
    assert AuditEntry.objects.get(action="deactivate").reason == "left"
    assert events_of(admin_services.ACCOUNT_DEACTIVATED)[0].user_id == wang.pk
    with pytest.raises(AccountUnchanged):
        admin_services.set_active(admin, wang.pk, active=False, reason="again")
    admin_services.set_active(admin, wang.pk, active=True, reason="back")
    assert User.objects.get(pk=wang.pk).is_active


def test_an_administrator_cannot_deactivate_themselves(admin, admin_user):
    with pytest.raises(OwnAccount):
        admin_services.set_active(admin, admin_user.pk, active=False, reason="x")


def test_unlock_clears_the_lock_and_is_audited_and_security_logged(admin, wang):
    User.objects.filter(pk=wang.pk).update(
        failed_attempts=5, first_failed_at=clock.now(), locked_until=clock.now() + dt.timedelta(1)
    )
    admin_services.unlock_user(admin, wang.pk, reason="called the help desk")
    wang.refresh_from_db()
    assert wang.locked_until is None and wang.failed_attempts == 0
    assert wang.first_failed_at is None
    assert AuditEntry.objects.get(action="unlock").reason == "called the help desk"
    [event] = events_of(securitylog.ACCOUNT_UNLOCKED)
    assert event.user_id == wang.pk and event.detail["by"] == admin.name


def test_unlocking_an_unlocked_account_is_refused(admin, wang, unchanged):
    with unchanged(SecurityEvent), pytest.raises(AccountUnchanged):
        admin_services.unlock_user(admin, wang.pk, reason="x")


# --- password reset -----------------------------------------------------------------------


def test_a_reset_password_is_temporary_and_security_logged(admin, wang):
    UserSession.objects.create(
        session_key="s1", user=wang, created_at=clock.now(), last_seen_at=clock.now()
    )
    with clock.frozen(T0):
        admin_services.reset_password(admin, wang.pk, temporary_password=TEMP, reason="forgot")
    wang.refresh_from_db()
    assert wang.check_password(TEMP) and wang.must_change_password
    assert wang.password_changed_at == T0
    assert PasswordHistory.objects.filter(user=wang).exists()
    entry = AuditEntry.objects.get(action="password_reset")
    assert wang.password not in entry.changes and TEMP not in entry.changes
    [event] = events_of(securitylog.PASSWORD_RESET)
    assert event.user_id == wang.pk and TEMP not in str(event.detail)
    assert UserSession.objects.get().end_reason == "password_reset"


def test_an_administrator_cannot_reset_their_own_password(admin, admin_user, unchanged):
    with unchanged(SecurityEvent), pytest.raises(OwnAccount):
        admin_services.reset_password(admin, admin_user.pk, temporary_password=TEMP, reason="x")


def test_a_reset_password_must_meet_the_policy(admin, wang, unchanged):
    with unchanged(SecurityEvent), pytest.raises(ValidationFailed) as exc:
        admin_services.reset_password(admin, wang.pk, temporary_password="wang12", reason="x")
    assert "temporary_password" in exc.value.details["fields"]


# --- identity verification (ES-06) --------------------------------------------------------


def test_identity_verification_records_who_what_and_when(admin, admin_user, wang):
    with clock.frozen(T0):
        admin_services.record_identity_verification(admin, wang.pk, document="passport")
    wang.refresh_from_db()
    assert wang.identity_verified_at == T0
    assert wang.identity_verified_by_id == admin_user.pk
    assert wang.identity_document == "passport"
    assert AuditEntry.objects.filter(action="identity_verified").count() == 1
    assert events_of(admin_services.IDENTITY_VERIFIED)[0].user_id == wang.pk


def test_nobody_verifies_their_own_identity_and_the_system_cannot(admin, admin_user, system, wang):
    with pytest.raises(OwnAccount):
        admin_services.record_identity_verification(admin, admin_user.pk, document="passport")
    with pytest.raises(OwnAccount):
        admin_services.record_identity_verification(system, wang.pk, document="passport")


def test_a_document_must_be_named(admin, wang):
    with pytest.raises(ValidationFailed):
        admin_services.record_identity_verification(admin, wang.pk, document=" ")


# --- the role matrix is configuration (AT-13) -------------------------------------------


def test_sync_roles_audits_an_actual_change_of_a_role_and_nothing_else(make_user):
    make_user("someone")  # roles exist
    assert not AuditEntry.objects.filter(record_type="auth.group").exists()
    sync_roles()
    assert not AuditEntry.objects.filter(record_type="auth.group").exists()
    group = Group.objects.get(name="qc_inspector")
    extra = Permission.objects.get(codename="delete_user")
    group.permissions.add(extra)  # a hand edit in the database
    sync_roles()
    entry = AuditEntry.objects.get(record_type="auth.group")
    assert entry.actor_kind == "system" and entry.record_id == str(group.pk)
    assert "identity.delete_user" in entry.changes
    assert not group.permissions.filter(pk=extra.pk).exists()
    sync_roles()
    assert AuditEntry.objects.filter(record_type="auth.group").count() == 1


# --- pages --------------------------------------------------------------------------------


@pytest.fixture
def browser(admin_user):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(admin_user)
    return client


def test_the_user_list_shows_roles_mfa_lock_and_password_age(browser, wang):
    User.objects.filter(pk=wang.pk).update(
        locked_until=clock.now() + dt.timedelta(hours=1),
        password_changed_at=clock.now() - dt.timedelta(days=40),
    )
    r = browser.get("/accounts/admin/users/")
    body = r.content.decode()
    assert r.status_code == 200
    assert "王五 Wang Wu" in body and "Warehouse" in body and "locked" in body
    assert "40 days" in body


def test_creating_a_user_through_the_page(browser):
    r = browser.post(
        "/accounts/admin/users/new/",
        {"username": "qian", "printed_name": "钱七", "roles": ["sales"], "password": TEMP},
    )
    user = User.objects.get(username="qian")
    assert r.status_code == 302 and r["Location"] == f"/accounts/admin/users/{user.pk}/"
    assert user.must_change_password


def test_a_retired_name_on_the_create_page_shows_the_coded_error(browser, admin, wang):
    admin_services.set_active(admin, wang.pk, active=False, reason="left")
    r = browser.post(
        "/accounts/admin/users/new/",
        {"username": "wang", "printed_name": "W", "roles": [], "password": TEMP},
    )
    assert r.status_code == 200 and "never reused" in r.content.decode()


def test_editing_roles_through_the_page(browser, wang):
    r = browser.post(
        f"/accounts/admin/users/{wang.pk}/edit/",
        {
            "printed_name": wang.printed_name,
            "email": "",
            "roles": ["sales"],
            "reason": "moved to sales",
            "version": wang.version,
        },
    )
    assert r.status_code == 302
    assert [g.name for g in User.objects.get(pk=wang.pk).groups.all()] == ["sales"]
    assert events_of(securitylog.ROLES_CHANGED)


def test_the_edit_page_asks_for_a_reason(browser, wang):
    r = browser.post(
        f"/accounts/admin/users/{wang.pk}/edit/",
        {"printed_name": "W", "roles": ["sales"], "reason": "", "version": wang.version},
    )
    assert r.status_code == 200
    assert [g.name for g in User.objects.get(pk=wang.pk).groups.all()] == ["warehouse"]


def test_unlock_reset_and_deactivate_through_the_pages(browser, wang):
    User.objects.filter(pk=wang.pk).update(locked_until=clock.now() + dt.timedelta(hours=1))
    assert (
        browser.post(f"/accounts/admin/users/{wang.pk}/unlock/", {"reason": "ok"}).status_code
        == 302
    )
    r = browser.post(
        f"/accounts/admin/users/{wang.pk}/password/",
        {"temporary_password": TEMP, "temporary_password_again": TEMP, "reason": "forgot"},
    )
    assert r.status_code == 302
    r = browser.post(f"/accounts/admin/users/{wang.pk}/deactivate/", {"reason": "left"})
    assert r.status_code == 302
    wang.refresh_from_db()
    assert wang.locked_until is None and wang.must_change_password and not wang.is_active


def test_resetting_ones_own_password_on_the_page_is_refused_with_its_code(browser, admin_user):
    r = browser.post(
        f"/accounts/admin/users/{admin_user.pk}/password/",
        {"temporary_password": TEMP, "temporary_password_again": TEMP, "reason": "x"},
    )
    assert r.status_code == 200 and "identity.own_account" in r.content.decode()


def test_identity_verification_through_the_page_is_shown_on_the_user(browser, wang):
    r = browser.post(
        f"/accounts/admin/users/{wang.pk}/identity/",
        {"document_type": "national_id_card", "note": "HR file 12"},
    )
    assert r.status_code == 302
    body = browser.get(f"/accounts/admin/users/{wang.pk}/").content.decode()
    assert "national_id_card: HR file 12" in body and "管理员 Admin" in body


def test_the_user_page_links_to_mfa_disable_only_when_enrolled(browser, wang):
    from mederp.identity import crypto
    from mederp.identity.models import TotpDevice

    page = f"/accounts/admin/users/{wang.pk}/"
    link = f"/accounts/users/{wang.pk}/mfa/disable/"
    assert link not in browser.get(page).content.decode()
    TotpDevice.objects.create(
        user=wang,
        secret_ciphertext=crypto.encrypt("JBSWY3DPEHPK3PXP"),
        created_at=clock.now(),
        confirmed_at=clock.now(),
    )
    assert link in browser.get(page).content.decode()


def test_a_non_administrator_is_refused_the_admin_pages(make_user):
    client = Client()
    client.force_login(make_user("clerk", "warehouse"))
    for url in ("/accounts/admin/users/", "/accounts/admin/roles/", "/accounts/admin/api-clients/"):
        assert client.get(url).status_code == 403


def test_the_role_matrix_and_its_csv_export(browser):
    r = browser.get("/accounts/admin/roles/")
    assert r.status_code == 200 and "catalog.view_product" in r.content.decode()
    r = browser.get("/accounts/admin/roles/export.csv")
    lines = b"".join(r.streaming_content).decode("utf-8-sig").splitlines()
    assert lines[0].startswith("permission,name,administrator,qa_manager")
    view_product = next(line for line in lines if line.startswith("catalog.view_product,"))
    assert view_product.count(",x") == len(ROLES)  # every role may view products
    [export] = events_of(admin_services.EXPORTED)
    assert export.target == "role-matrix" and export.username == "admin"


def test_the_recertification_report_and_its_csv_export(browser, wang):
    """AC-05: users, roles, last login, in a file a reviewer can sign off."""
    User.objects.filter(pk=wang.pk).update(last_login=T0)
    assert "王五 Wang Wu" in browser.get("/accounts/admin/recertification/").content.decode()
    r = browser.get("/accounts/admin/recertification/export.csv")
    lines = b"".join(r.streaming_content).decode("utf-8-sig").splitlines()
    assert lines[0].startswith("username,printed_name,email,roles,active,locked,mfa_enrolled")
    row = next(line for line in lines if line.startswith("wang,"))
    assert ",warehouse,yes,no,no," in row and T0.isoformat() in row
    assert events_of(admin_services.EXPORTED)[0].target == "recertification"


def test_every_administration_page_renders_for_an_administrator(browser, wang, system, make_user):
    """Every GET form and page answers 200 (the refusals are proved in test_access_control)."""
    from mederp.identity import services
    from mederp.identity.models import ApiToken

    client, _key = services.create_api_client(system, name="mes", roles=[], scopes=["*:read"])
    key = ApiToken.objects.get(user=client)
    pages = [
        "users/",
        "users/new/",
        f"users/{wang.pk}/",
        f"users/{wang.pk}/edit/",
        f"users/{wang.pk}/deactivate/",
        f"users/{wang.pk}/reactivate/",
        f"users/{wang.pk}/unlock/",
        f"users/{wang.pk}/password/",
        f"users/{wang.pk}/identity/",
        "api-clients/",
        "api-clients/new/",
        f"api-clients/{client.pk}/",
        f"api-clients/{client.pk}/keys/new/",
        f"api-clients/{client.pk}/keys/{key.pk}/rotate/",
        f"api-clients/{client.pk}/keys/{key.pk}/revoke/",
        "security-events/",
        "security-events/?verify=1&kind=export",
        "roles/",
        "recertification/",
    ]
    for page in pages:
        r = browser.get(f"/accounts/admin/{page}")
        assert r.status_code == 200, (page, r.status_code)


def test_the_administration_menu_is_shown_to_administrators_only(browser, make_user):
    assert "/accounts/admin/security-events/" in browser.get("/").content.decode()
    clerk = Client()
    clerk.force_login(make_user("clerk", "warehouse"))
    assert "/accounts/admin/" not in clerk.get("/").content.decode()
