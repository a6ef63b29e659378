"""The security-events page, its export, the chain status and ``mederp security verify``
(AT-12; 21 CFR 11.300(d), 11.10(a)).

The tamper tests play a DBA who drops the append-only trigger and edits the log with raw SQL:
the chain names the first row that no longer matches.
"""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client

from mederp.core import clock
from mederp.core.triggers import drop_append_only, install_append_only
from mederp.identity import admin_services, securitylog
from mederp.identity.models import SecurityEvent

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 7, 1, 1, 0, tzinfo=dt.UTC)
TABLE = "identity_securityevent"


class RawSchema:
    """What core.triggers needs from a schema editor, over a plain cursor (SQLite's schema
    editor refuses to run inside the test's transaction; raw DDL rolls back with it)."""

    connection = connection

    def execute(self, sql: str) -> None:
        with connection.cursor() as cur:
            cur.execute(sql)


@pytest.fixture
def dba():
    drop_append_only(RawSchema(), TABLE)

    def sql(statement, params=()):
        with connection.cursor() as cur:
            cur.execute(statement, list(params))

    try:
        yield sql
    finally:
        install_append_only(RawSchema(), TABLE)


@pytest.fixture
def log(make_user):
    """Five events: two users, two addresses, three kinds, a minute apart."""
    li = make_user("li")
    events = []
    for i, (kind, user, ip) in enumerate(
        [
            (securitylog.LOGIN_SUCCEEDED, li, "10.0.0.1"),
            (securitylog.LOGIN_FAILED, li, "10.0.0.1"),
            (securitylog.ACCESS_DENIED, None, "192.0.2.5"),
            (securitylog.LOGIN_FAILED, None, "192.0.2.5"),
            (securitylog.LOGOUT, li, "10.0.0.2"),
        ]
    ):
        with clock.frozen(T0 + dt.timedelta(minutes=i)):
            events.append(
                securitylog.record(kind, user=user, client_ip=ip, target=f"GET /page/{i}")
            )
    return events


@pytest.fixture
def browser(admin_user):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(admin_user)
    return client


def shown_ids(response):
    """The event ids in the page's table (first cell of each row)."""
    import re

    table = response.content.decode().split('id="security-table"')[1].split("</table>")[0]
    return [int(n) for n in re.findall(r"<tr>\s*<td>(\d+)</td>", table)]


def verify_cli():
    out = io.StringIO()
    try:
        call_command("security", "verify", "--json", stdout=out)
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    return code, json.loads(out.getvalue())


# --- the page --------------------------------------------------------------------------


def test_the_page_lists_events_newest_first_with_the_chain_intact(browser, log):
    r = browser.get("/accounts/admin/security-events/")
    assert r.status_code == 200
    ids = [e.pk for e in log]
    assert [i for i in shown_ids(r) if i in ids] == ids[::-1]
    assert "Hash chain intact" in r.content.decode()


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("kind=login_failed", [1, 3]),
        ("user=li", [0, 1, 4]),
        ("client_ip=192.0.2.5", [2, 3]),
        ("since=2026-07-01T09:02&until=2026-07-01T09:04", [2, 3]),  # local time, UTC+8
        ("kind=login_failed&client_ip=192.0.2.5", [3]),
    ],
)
def test_the_page_filters_by_kind_user_ip_and_date_range(browser, log, query, expected):
    r = browser.get(f"/accounts/admin/security-events/?{query}")
    mine = {e.pk for e in log}
    assert [i for i in shown_ids(r) if i in mine] == [log[n].pk for n in reversed(expected)]


def test_the_page_is_paged(browser, log):
    for _ in range(60):
        securitylog.record(securitylog.LOGOUT, username="x")
    first = browser.get("/accounts/admin/security-events/")
    second = browser.get("/accounts/admin/security-events/?page=2")
    assert len(shown_ids(first)) == 50
    assert not set(shown_ids(first)) & set(shown_ids(second))


def test_a_user_without_the_permission_is_refused_and_that_is_recorded(make_user):
    client = Client()
    client.force_login(make_user("clerk", "warehouse"))
    assert client.get("/accounts/admin/security-events/").status_code == 403
    assert client.get("/accounts/admin/security-events/export.csv").status_code == 403
    assert (
        SecurityEvent.objects.filter(kind=securitylog.ACCESS_DENIED, username="clerk").count() == 2
    )


def test_an_auditor_role_without_identity_permissions_cannot_read_the_log(make_user):
    client = Client()
    client.force_login(make_user("auditor1", "auditor"))
    assert client.get("/accounts/admin/security-events/").status_code == 403


def test_the_export_follows_the_filter_and_is_itself_a_security_event(browser, admin_user, log):
    r = browser.get("/accounts/admin/security-events/export.csv?kind=login_failed")
    assert r["Content-Type"].startswith("text/csv")
    lines = b"".join(r.streaming_content).decode("utf-8-sig").splitlines()
    assert lines[0] == "id,occurred_at,kind,username,client_ip,target,detail,request_id,hash"
    assert [int(line.split(",")[0]) for line in lines[1:]] == [log[3].pk, log[1].pk]
    export = SecurityEvent.objects.get(kind=admin_services.EXPORTED)
    assert export.user_id == admin_user.pk and export.target == "security-events"
    assert export.detail == {"filters": {"kind": "login_failed"}}


def test_the_security_events_api_filters_and_needs_the_permission(browser, log, make_user):
    r = browser.get("/api/v1/identity/security-events?kind=login_failed&client_ip=192.0.2.5")
    assert r.status_code == 200
    assert [e["id"] for e in r.json()] == [log[3].pk]
    clerk = Client()
    clerk.force_login(make_user("clerk", "warehouse"))
    assert clerk.get("/api/v1/identity/security-events").status_code == 403


# --- the chain -------------------------------------------------------------------------


def test_an_intact_log_verifies_and_the_command_exits_0(log):
    assert securitylog.verify() is None
    code, report = verify_cli()
    assert code == 0 and report["ok"] is True and report["first_bad_id"] is None


def test_the_log_refuses_updates_and_deletes_without_a_dba(log):
    from django.db import DatabaseError, transaction

    for statement in (f"UPDATE {TABLE} SET kind = 'x'", f"DELETE FROM {TABLE}"):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cur:
            cur.execute(statement)


def test_an_altered_event_is_named_by_verify_the_command_and_the_page(log, dba, browser):
    dba(f"UPDATE {TABLE} SET username = 'someone-else' WHERE id = %s", [log[2].pk])
    assert securitylog.verify() == log[2].pk
    code, report = verify_cli()
    assert code == 1 and report["first_bad_id"] == log[2].pk
    page = browser.get("/accounts/admin/security-events/").content.decode()
    assert f"BROKEN at event {log[2].pk}" in page


def test_a_removed_event_breaks_the_chain_at_the_next_one(log, dba):
    dba(f"DELETE FROM {TABLE} WHERE id = %s", [log[1].pk])
    assert securitylog.verify() == log[2].pk
    assert verify_cli()[0] == 1


def test_the_human_readable_command_names_the_bad_event(log, dba):
    dba(f"UPDATE {TABLE} SET client_ip = '1.1.1.1' WHERE id = %s", [log[0].pk])
    out = io.StringIO()
    with pytest.raises(SystemExit) as exc:
        call_command("security", "verify", stdout=out)
    assert exc.value.code == 1
    assert f"BROKEN at event {log[0].pk}" in out.getvalue()
