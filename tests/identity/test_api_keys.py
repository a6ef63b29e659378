"""API keys: scopes, expiry, rotation, revocation, and the record of every call (AC-07, ES-11).

21 CFR 11.300(c): tokens can be revoked instantly and re-issued under control; 11.10(e): calls
made with a key are recorded with the client as actor.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.test import Client

from mederp.catalog.models import UnitOfMeasure
from mederp.core import clock
from mederp.core.errors import ReasonRequired, ValidationFailed
from mederp.core.models import AuditEntry, OutboxEvent
from mederp.identity import apiclients, securitylog, services, tokens
from mederp.identity.errors import ApiKeyRetired, ClientInactive, NotAnApiClient
from mederp.identity.models import ApiCall, ApiToken, SecurityEvent

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
UOM = {"code": "EA", "name_zh": "个", "name_en": "each"}


def call(key, method="get", path="/api/v1/catalog/uoms", body=None):
    kwargs = {"HTTP_AUTHORIZATION": f"Bearer {key}", "HTTP_ACCEPT_LANGUAGE": "en"}
    if body is not None:
        kwargs.update(data=json.dumps(body), content_type="application/json")
    return getattr(Client(), method)(path, **kwargs)


def prefix_of(key):
    return key.split("_", 2)[1]


def key_row(key):
    return ApiToken.objects.get(prefix=prefix_of(key))


@pytest.fixture
def client_user(system):
    user, _key = services.create_api_client(
        system, name="mes", roles=["administrator"], scopes=["catalog:read"]
    )
    return user


def issue(system, client_user, scopes=("catalog:read",), **kw):
    _token, secret = apiclients.issue_key(system, client_user.pk, name="k", scopes=scopes, **kw)
    return secret


def test_the_secret_is_shown_once_and_only_its_sha256_is_stored(system, client_user):
    """AC-07: the key row holds a digest; the secret appears in no row, event or audit entry."""
    key = issue(system, client_user)
    secret = key.split("_", 2)[2]
    row = key_row(key)
    assert row.token_hash == tokens._digest(secret) and secret not in row.token_hash
    stored = [
        *(e.changes for e in AuditEntry.objects.all()),
        *(str(e.payload) for e in OutboxEvent.objects.all()),
        *(str(e.detail) for e in SecurityEvent.objects.all()),
    ]
    assert all(secret not in text for text in stored)


def test_issuing_a_key_is_audited_evented_and_security_logged(system, client_user):
    key = issue(system, client_user, scopes=["inventory:write", "catalog:read"])
    row = key_row(key)
    assert row.scopes == ["catalog:read", "inventory:write"]
    entry = AuditEntry.objects.get(record_type="identity.apitoken", record_id=str(row.pk))
    assert entry.action == "token_issued"
    assert OutboxEvent.objects.filter(
        event_type="identity.api_token.issued", payload__prefix=row.prefix
    ).exists()
    event = SecurityEvent.objects.filter(kind=securitylog.API_KEY_ISSUED).first()
    assert event.username == "client:mes" and event.detail["prefix"] == row.prefix


@pytest.mark.parametrize(
    "scopes", [["catalog"], ["catalog:delete"], ["billing:read"], [], ["catalog:read", "x:y"]]
)
def test_a_bad_scope_is_refused_and_nothing_is_written(system, client_user, scopes, unchanged):
    with unchanged(ApiToken, SecurityEvent), pytest.raises(ValidationFailed) as exc:
        apiclients.issue_key(system, client_user.pk, name="k", scopes=scopes)
    assert "scopes" in exc.value.details["fields"]


def test_an_expiry_in_the_past_is_refused(system, client_user, unchanged):
    with unchanged(ApiToken), pytest.raises(ValidationFailed):
        apiclients.issue_key(
            system, client_user.pk, name="k", scopes=["*:read"], expires_at=clock.now()
        )


def test_people_get_no_api_keys(system, make_user, unchanged):
    """ES-10: a person signs in with password and MFA; a key would bypass both."""
    person = make_user("li", "administrator")
    with unchanged(ApiToken), pytest.raises(NotAnApiClient):
        apiclients.issue_key(system, person.pk, name="k", scopes=["*:read"])


def test_a_key_without_the_scope_gets_403_scope_missing_and_writes_nothing(
    system, client_user, unchanged
):
    """The client's roles allow the write; the key's scopes do not."""
    key = issue(system, client_user, scopes=["catalog:read"])
    with unchanged(UnitOfMeasure):
        r = call(key, "post", body=UOM)
    assert r.status_code == 403
    assert r.json()["code"] == "identity.scope_missing"
    assert "catalog:write" in r.json()["message"]


def test_a_key_with_the_scope_writes_as_the_client(system, client_user):
    key = issue(system, client_user, scopes=["catalog:write"])
    r = call(key, "post", body=UOM)
    assert r.status_code == 201
    entry = AuditEntry.objects.get(record_type="catalog.unitofmeasure")
    assert entry.actor_kind == "client" and entry.actor_id == client_user.pk


def test_write_scope_does_not_grant_read(system, client_user):
    key = issue(system, client_user, scopes=["catalog:write"])
    assert call(key).json()["code"] == "identity.scope_missing"


def test_a_wildcard_scope_covers_every_app_for_its_verb(system, client_user):
    key = issue(system, client_user, scopes=["*:read"])
    assert call(key).status_code == 200
    assert call(key, path="/api/v1/inventory/warehouses").status_code == 200
    assert call(key, "post", body=UOM).json()["code"] == "identity.scope_missing"


def test_roles_still_bound_a_key_whose_scopes_allow_more(system):
    _client, key = services.create_api_client(
        system, name="lims", roles=["qc_inspector"], scopes=["*:read", "*:write"]
    )
    r = call(key, "post", body=UOM)
    assert r.status_code == 403 and r.json()["code"] == "permission_denied"


def test_a_revoked_key_is_refused_at_once_and_the_refusal_is_logged(system, client_user):
    key = issue(system, client_user)
    assert call(key).status_code == 200
    apiclients.revoke_key(system, key_row(key).pk, reason="laptop stolen")
    r = call(key)
    assert r.status_code == 401 and r.json()["code"] == "auth.unauthenticated"
    refused = SecurityEvent.objects.get(kind=securitylog.API_KEY_REFUSED)
    assert refused.detail == {"reason": "revoked", "prefix": prefix_of(key), "status": 401}
    assert refused.username == "client:mes"
    assert refused.target == "GET /api/v1/catalog/uoms"
    assert key.split("_", 2)[2] not in json.dumps(refused.detail)
    # one refused request, one event: no generic access_denied on top
    assert not SecurityEvent.objects.filter(kind=securitylog.ACCESS_DENIED).exists()


def test_revoking_is_audited_with_its_reason_and_security_logged(system, client_user):
    key = issue(system, client_user)
    apiclients.revoke_key(system, key_row(key).pk, reason="contract ended")
    entry = AuditEntry.objects.get(action="token_revoked")
    assert entry.reason == "contract ended"
    assert SecurityEvent.objects.filter(kind=securitylog.API_KEY_REVOKED).count() == 1
    assert OutboxEvent.objects.filter(event_type="identity.api_token.revoked").count() == 1


def test_revoking_needs_a_reason_and_twice_is_refused(system, client_user, unchanged):
    row = key_row(issue(system, client_user))
    with unchanged(SecurityEvent), pytest.raises(ReasonRequired):
        apiclients.revoke_key(system, row.pk, reason="  ")
    apiclients.revoke_key(system, row.pk, reason="done")
    with unchanged(SecurityEvent), pytest.raises(ApiKeyRetired):
        apiclients.revoke_key(system, row.pk, reason="again")


def test_an_expired_key_is_401(system, client_user):
    with clock.frozen(T0):
        key = issue(system, client_user, expires_at=T0 + dt.timedelta(days=30))
        assert call(key).status_code == 200
    with clock.frozen(T0 + dt.timedelta(days=30)):
        r = call(key)
    assert r.status_code == 401
    assert SecurityEvent.objects.get(kind=securitylog.API_KEY_REFUSED).detail["reason"] == "expired"


@pytest.mark.parametrize(
    ("raw", "reason"),
    [("mederp_abcdef_wrong", "unknown"), ("nonsense", "malformed")],
)
def test_unknown_and_malformed_keys_are_logged_without_the_secret(raw, reason):
    r = call(raw)
    assert r.status_code == 401
    event = SecurityEvent.objects.get(kind=securitylog.API_KEY_REFUSED)
    assert event.detail["reason"] == reason and event.username == ""
    assert "wrong" not in json.dumps(event.detail) and "nonsense" not in json.dumps(event.detail)


def test_a_wrong_secret_for_a_real_prefix_is_refused(system, client_user):
    key = issue(system, client_user)
    r = call(key[:-3] + "xyz")
    assert r.status_code == 401
    assert SecurityEvent.objects.get(kind=securitylog.API_KEY_REFUSED).detail["reason"] == (
        "wrong_secret"
    )


def test_a_deactivated_clients_keys_stop_working(system, client_user):
    from mederp.identity import admin_services

    key = issue(system, client_user)
    admin_services.set_active(system, client_user.pk, active=False, reason="decommissioned")
    assert call(key).status_code == 401
    with pytest.raises(ClientInactive):
        issue(system, client_user)


def test_rotation_without_grace_refuses_the_old_key_at_once(system, client_user):
    old = issue(system, client_user, scopes=["catalog:read", "inventory:read"])
    new_row, new = apiclients.rotate_key(system, key_row(old).pk)
    assert call(old).status_code == 401
    assert call(new).status_code == 200
    old_row = key_row(old)
    assert old_row.replaced_by_id == new_row.pk and old_row.revoked_at is not None
    assert new_row.scopes == ["catalog:read", "inventory:read"]
    rotated = SecurityEvent.objects.get(kind=securitylog.API_KEY_ROTATED)
    assert rotated.detail["new_prefix"] == new_row.prefix
    assert AuditEntry.objects.filter(action="token_rotated", record_id=str(old_row.pk)).exists()


def test_rotation_with_grace_keeps_the_old_key_until_the_grace_ends(system, client_user):
    with clock.frozen(T0):
        old = issue(system, client_user)
        _row, new = apiclients.rotate_key(system, key_row(old).pk, grace_seconds=3600)
        assert call(old).status_code == 200 and call(new).status_code == 200
    with clock.frozen(T0 + dt.timedelta(seconds=3600)):
        assert call(old).status_code == 401
        assert call(new).status_code == 200


def test_a_replaced_key_cannot_be_rotated_again(system, client_user, unchanged):
    old = issue(system, client_user)
    apiclients.rotate_key(system, key_row(old).pk, grace_seconds=600)
    with unchanged(ApiToken), pytest.raises(ApiKeyRetired):
        apiclients.rotate_key(system, key_row(old).pk)


def test_rotation_grace_is_bounded(system, client_user, unchanged):
    row = key_row(issue(system, client_user))
    with unchanged(ApiToken), pytest.raises(ValidationFailed):
        apiclients.rotate_key(system, row.pk, grace_seconds=apiclients.MAX_GRACE_SECONDS + 1)


def test_every_call_with_a_key_is_recorded_successes_and_refusals(system, client_user):
    key = issue(system, client_user, scopes=["catalog:read"])
    call(key)
    call(key, "post", body=UOM)
    apiclients.revoke_key(system, key_row(key).pk, reason="r")
    call(key)
    rows = list(ApiCall.objects.order_by("id").values_list("method", "status_code", "user_id"))
    assert rows == [
        ("GET", 200, client_user.pk),
        ("POST", 403, client_user.pk),
        ("GET", 401, client_user.pk),
    ]
    first = ApiCall.objects.order_by("id").first()
    assert first.path == "/api/v1/catalog/uoms" and first.client_ip == "127.0.0.1"
    assert first.request_id


def test_the_call_record_carries_the_request_id(system, client_user):
    key = issue(system, client_user)
    Client().get(
        "/api/v1/catalog/uoms", HTTP_AUTHORIZATION=f"Bearer {key}", HTTP_X_REQUEST_ID="req-42"
    )
    assert ApiCall.objects.get().request_id == "req-42"


def test_last_used_is_set_by_accepted_calls_only(system, client_user):
    with clock.frozen(T0):
        key = issue(system, client_user)
        call(key[:-3] + "xyz")
        assert key_row(key).last_used_at is None
        call(key)
    assert key_row(key).last_used_at == T0


def test_session_requests_are_not_bounded_by_scopes_nor_recorded_as_api_calls(api):
    assert api.get("/api/v1/catalog/uoms").status_code == 200
    assert not ApiCall.objects.exists()


def test_an_api_key_cannot_sign(system, make_user):
    """ES-11 (11.200(a)(2)): a service account's approval attempt is 403 not_a_person, nothing
    is signed, and the call is on record."""
    from tests.catalog.conftest import product_fields

    from mederp.catalog import services as catalog
    from mederp.core.actors import Actor
    from mederp.core.models import Signature

    catalog.create_uom(system, code="EA", name_zh="个", name_en="each")
    author = make_user("author", "qa_manager")
    product = catalog.create_product(Actor.for_user(author), **product_fields(1))
    catalog.submit_product(Actor.for_user(author), product.pk)
    _client, key = services.create_api_client(
        system, name="erp-bridge", roles=["administrator"], scopes=["catalog:write"]
    )
    r = call(
        key,
        "post",
        path=f"/api/v1/catalog/products/{product.pk}/approve",
        body={"password": "anything", "reason": "looks fine"},
    )
    assert r.status_code == 403 and r.json()["code"] == "identity.not_a_person"
    assert not Signature.objects.exists()
    assert ApiCall.objects.get().status_code == 403
