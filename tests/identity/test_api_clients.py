"""API clients authenticate with a bearer token; the token is stored only as a hash."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from mederp.identity import services
from mederp.identity.models import ApiToken

pytestmark = pytest.mark.django_db


def test_a_bearer_token_authenticates_with_the_clients_roles(system):
    _user, token = services.create_api_client(system, name="mes", roles=["warehouse"])
    r = Client().get("/api/v1/catalog/uoms", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert r.status_code == 200
    assert not ApiToken.objects.filter(token_hash__contains=token.split("_", 2)[2]).exists()


def test_a_client_is_refused_what_its_roles_do_not_allow(system):
    _user, token = services.create_api_client(system, name="lims", roles=["qc_inspector"])
    r = Client().post(
        "/api/v1/catalog/uoms",
        data=json.dumps({"code": "EA", "name_zh": "个", "name_en": "each"}),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert r.status_code == 403 and r.json()["code"] == "permission_denied"


@pytest.mark.parametrize("header", ["Bearer nonsense", "Bearer mederp_abc_def", "Basic eA=="])
def test_a_bad_token_is_401(header):
    r = Client().get("/api/v1/catalog/uoms", HTTP_AUTHORIZATION=header)
    assert r.status_code == 401 and r.json()["code"] == "auth.unauthenticated"


def test_a_revoked_token_is_401(system):
    from mederp.core import clock

    _user, token = services.create_api_client(system, name="wms", roles=["warehouse"])
    ApiToken.objects.update(revoked_at=clock.now())
    r = Client().get("/api/v1/catalog/uoms", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert r.status_code == 401


def test_writes_by_a_client_are_audited_as_the_client(system):
    from mederp.core.models import AuditEntry

    _user, token = services.create_api_client(system, name="erp-bridge", roles=["administrator"])
    r = Client().post(
        "/api/v1/catalog/uoms",
        data=json.dumps({"code": "EA", "name_zh": "个", "name_en": "each"}),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert r.status_code == 201
    entry = AuditEntry.objects.get(record_type="catalog.unitofmeasure")
    assert entry.actor_kind == "client" and "erp-bridge" in entry.actor_name


def test_user_names_are_never_reused(system):
    from mederp.identity.errors import UsernameTaken

    services.create_user(
        system, username="zhang", printed_name="张三", roles=[], password="Long-enough-pw-1"
    )
    with pytest.raises(UsernameTaken):
        services.create_user(
            system, username="ZHANG", printed_name="张三", roles=[], password="Long-enough-pw-1"
        )


def test_session_api_writes_need_the_csrf_token(admin_user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin_user)
    r = client.post(
        "/api/v1/catalog/uoms",
        data=json.dumps({"code": "EA", "name_zh": "个", "name_en": "each"}),
        content_type="application/json",
    )
    assert r.status_code in (401, 403)


def test_creating_a_client_writes_audit_and_events_without_secrets(system):
    from mederp.core.models import AuditEntry, OutboxEvent

    user, token = services.create_api_client(system, name="lims", roles=["qc_inspector"])
    assert AuditEntry.objects.filter(record_type="identity.user", record_id=str(user.pk)).exists()
    kinds = list(
        OutboxEvent.objects.filter(aggregate_id=str(user.pk))
        .order_by("aggregate_seq")
        .values_list("event_type", flat=True)
    )
    assert kinds == ["identity.user.created", "identity.api_token.issued"]
    secret = token.split("_", 2)[2]
    assert all(secret not in str(e.payload) for e in OutboxEvent.objects.all())
