"""Administering API clients and keys: the pages, the API and ``mederp apiclient`` (AC-07).

The secret appears once, in the answer that created it, and nowhere afterwards.
"""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from mederp.core.models import IdempotencyRecord
from mederp.identity import apiclients, services, tokens
from mederp.identity.models import ApiToken, SecurityEvent, User

pytestmark = pytest.mark.django_db


@pytest.fixture
def browser(admin_user):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(admin_user)
    return client


@pytest.fixture
def mes(system):
    client, secret = services.create_api_client(
        system, name="mes", roles=["warehouse"], scopes=["inventory:write", "*:read"]
    )
    return client, secret


def secret_on(response):
    body = response.content.decode()
    start = body.index('id="api-key-secret"')
    return body[body.index(">", start) + 1 : body.index("</code>", start)]


def works(secret, path="/api/v1/catalog/uoms"):
    return Client().get(path, HTTP_AUTHORIZATION=f"Bearer {secret}").status_code == 200


# --- pages ----------------------------------------------------------------------------------


def test_creating_a_client_shows_its_key_once_with_a_warning(browser):
    r = browser.post(
        "/accounts/admin/api-clients/new/",
        {"name": "wms", "roles": ["warehouse"], "scopes": ["inventory:read", "catalog:read"]},
    )
    assert r.status_code == 200
    assert "shown only once" in r.content.decode()
    assert "no-store" in r["Cache-Control"]
    secret = secret_on(r)
    assert works(secret)
    client = User.objects.get(username="client:wms")
    detail = browser.get(f"/accounts/admin/api-clients/{client.pk}/").content.decode()
    assert secret not in detail and secret.split("_")[1] in detail
    assert "catalog:read" in detail and "inventory:read" in detail


def test_a_client_without_scopes_is_refused_on_the_form(browser):
    r = browser.post("/accounts/admin/api-clients/new/", {"name": "wms", "roles": ["warehouse"]})
    assert r.status_code == 200 and not User.objects.filter(username="client:wms").exists()


def test_issue_rotate_and_revoke_through_the_pages(browser, mes):
    client, first = mes
    r = browser.post(
        f"/accounts/admin/api-clients/{client.pk}/keys/new/",
        {"name": "second", "scopes": ["catalog:read"]},
    )
    second = secret_on(r)
    assert works(second)
    key = ApiToken.objects.get(prefix=second.split("_")[1])
    r = browser.post(
        f"/accounts/admin/api-clients/{client.pk}/keys/{key.pk}/rotate/",
        {"grace_seconds": "0", "reason": "yearly rotation"},
    )
    third = secret_on(r)
    assert works(third) and not works(second)
    old = ApiToken.objects.get(pk=key.pk)
    r = browser.post(
        f"/accounts/admin/api-clients/{client.pk}/keys/{old.replaced_by_id}/revoke/",
        {"reason": "integration retired"},
    )
    assert r.status_code == 302
    assert not works(third) and works(first)


def test_revoking_a_revoked_key_on_the_page_shows_the_coded_error(browser, mes, system):
    client, first = mes
    key = ApiToken.objects.get(prefix=first.split("_")[1])
    apiclients.revoke_key(system, key.pk, reason="x")
    r = browser.post(
        f"/accounts/admin/api-clients/{client.pk}/keys/{key.pk}/revoke/", {"reason": "again"}
    )
    assert r.status_code == 200 and "identity.api_key_retired" in r.content.decode()


def test_a_key_of_another_client_is_not_reachable_through_this_one(browser, mes, system):
    client, _first = mes
    _other, other_secret = services.create_api_client(system, name="lims", roles=[])
    other_key = ApiToken.objects.get(prefix=other_secret.split("_")[1])
    r = browser.post(
        f"/accounts/admin/api-clients/{client.pk}/keys/{other_key.pk}/revoke/", {"reason": "x"}
    )
    assert r.status_code == 404
    assert ApiToken.objects.get(pk=other_key.pk).revoked_at is None


def test_the_client_list_and_detail_show_keys_scopes_expiry_and_last_use(browser, mes):
    client, secret = mes
    works(secret)
    listing = browser.get("/accounts/admin/api-clients/").content.decode()
    assert "client:mes" in listing
    detail = browser.get(f"/accounts/admin/api-clients/{client.pk}/").content.decode()
    assert "inventory:write" in detail and "never" in detail  # no expiry
    assert "GET /api/v1/catalog/uoms" in detail  # the recent call


def test_people_are_not_api_clients_on_these_pages(browser, admin_user):
    assert browser.get(f"/accounts/admin/api-clients/{admin_user.pk}/").status_code == 404


# --- API ------------------------------------------------------------------------------------


def test_an_administrator_revokes_a_key_over_the_api_idempotently(browser, mes):
    _client, secret = mes
    key = ApiToken.objects.get(prefix=secret.split("_")[1])
    url = f"/api/v1/identity/api-keys/{key.pk}/revoke"
    body = json.dumps({"reason": "incident 42"})
    r = browser.post(url, data=body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k1")
    assert r.status_code == 200 and r.json()["state"] == "revoked"
    again = browser.post(url, data=body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k1")
    assert again.status_code == 200 and again["Idempotent-Replayed"] == "true"
    assert not works(secret)
    assert secret.split("_", 2)[2] not in str(IdempotencyRecord.objects.values_list())


def test_the_api_lists_clients_and_keys_without_secrets(browser, mes):
    _client, secret = mes
    r = browser.get("/api/v1/identity/api-clients")
    [listed] = r.json()
    assert listed["username"] == "client:mes"
    assert listed["keys"][0]["scopes"] == ["*:read", "inventory:write"]
    assert listed["keys"][0]["state"] == "active"
    assert secret.split("_", 2)[2] not in r.content.decode()


def test_a_key_scoped_to_identity_read_can_list_clients_but_not_revoke(system):
    _c, key = services.create_api_client(
        system, name="siem", roles=["administrator"], scopes=["identity:read"]
    )
    auth = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
    assert Client().get("/api/v1/identity/api-clients", **auth).status_code == 200
    r = Client().post(
        "/api/v1/identity/api-keys/1/revoke",
        data=json.dumps({"reason": "x"}),
        content_type="application/json",
        **auth,
    )
    assert r.status_code == 403 and r.json()["code"] == "identity.scope_missing"


def test_the_users_and_role_matrix_endpoints(browser, make_user):
    make_user("wang", "warehouse", printed_name="王五")
    users = browser.get("/api/v1/identity/users").json()
    wang = next(u for u in users if u["username"] == "wang")
    assert wang["roles"] == ["warehouse"] and wang["mfa_enrolled"] is False
    assert all(not u["username"].startswith("client:") for u in users)
    matrix = browser.get("/api/v1/identity/role-matrix").json()
    row = next(p for p in matrix["permissions"] if p["permission"] == "catalog.add_product")
    assert "qa_manager" in row["roles"] and "warehouse" not in row["roles"]


# --- CLI ------------------------------------------------------------------------------------


def run(*args):
    out = io.StringIO()
    call_command("apiclient", *args, stdout=out)
    return out.getvalue().strip()


def test_the_cli_creates_issues_rotates_revokes_and_lists():
    first = run("create", "mes", "--role", "warehouse", "--scope", "catalog:read")
    assert first.startswith("mederp_") and works(first)
    second = run("issue", "mes", "--scope", "*:read", "--expires", "2099-01-01")
    assert works(second)
    prefix = second.split("_")[1]
    assert ApiToken.objects.get(prefix=prefix).expires_at.year == 2099
    third = run("rotate", prefix, "--grace", "600")
    assert works(second) and works(third)
    assert run("revoke", third.split("_")[1], "--reason", "test").startswith("revoked")
    assert not works(third)
    listing = run("list")
    assert "client:mes" in listing and prefix in listing and "revoked" in listing
    assert first.split("_", 2)[2] not in listing
    assert SecurityEvent.objects.filter(kind="api_key_rotated").count() == 1


def test_the_cli_refuses_a_bad_scope_with_its_code():
    with pytest.raises(CommandError, match="validation_failed"):
        run("create", "mes", "--role", "warehouse", "--scope", "catalog:delete")
    assert not User.objects.filter(username="client:mes").exists()


def test_the_cli_needs_a_scope():
    with pytest.raises(CommandError):
        run("create", "mes", "--role", "warehouse")


def test_the_cli_names_an_unknown_key():
    with pytest.raises(CommandError, match="no API key"):
        run("revoke", "ffffff", "--reason", "x")


def test_tokens_helpers_know_every_scope():
    assert "*:write" in tokens.all_scopes() and "identity:read" in tokens.all_scopes()
