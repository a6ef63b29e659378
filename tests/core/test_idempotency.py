"""Creating POSTs run once per Idempotency-Key and principal (invariant 5).

The concurrent test sends the same request twice at the same moment on a real PostgreSQL: one
request executes, the other waits on the key's unique index and replays the first response.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
import time

import pytest
from django.db import connection
from django.test import Client
from kernel_support import on_postgres

from mederp.catalog import services
from mederp.catalog.models import UnitOfMeasure
from mederp.core import clock, idempotency
from mederp.core.models import AuditEntry, IdempotencyRecord

URL = "/api/v1/catalog/uoms"
BODY = {"code": "EA", "name_zh": "个", "name_en": "each"}


def post(client, body, key):
    return client.post(
        URL, data=json.dumps(body), content_type="application/json", HTTP_IDEMPOTENCY_KEY=key
    )


def client_for(user):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


@pytest.mark.django_db
def test_the_same_key_from_another_principal_executes_separately(make_user):
    alice = client_for(make_user("alice", "qa_manager"))
    bob = client_for(make_user("bob", "qa_manager"))
    first = post(alice, BODY, "order-1")
    second = post(bob, {**BODY, "code": "BOX"}, "order-1")
    assert (first.status_code, second.status_code) == (201, 201)
    assert "Idempotent-Replayed" not in second.headers
    assert set(UnitOfMeasure.objects.values_list("code", flat=True)) == {"EA", "BOX"}
    assert IdempotencyRecord.objects.filter(key="order-1").count() == 2
    replay = post(alice, BODY, "order-1")
    assert replay.json() == first.json() and replay.headers["Idempotent-Replayed"] == "true"


@pytest.mark.django_db
def test_a_refused_request_does_not_burn_its_key(api, unchanged, system):
    services.create_uom(system, code="EA", name_zh="个", name_en="each")
    with unchanged(UnitOfMeasure):
        refused = post(api, BODY, "k-1")
    assert refused.status_code == 409
    retry = post(api, {**BODY, "code": "BOX"}, "k-1")
    assert retry.status_code == 201 and "Idempotent-Replayed" not in retry.headers


@pytest.mark.django_db
@pytest.mark.parametrize("key", ["", "x" * 256, "bad\nkey"])
def test_an_invalid_key_is_refused_and_writes_nothing(api, unchanged, key):
    with unchanged(UnitOfMeasure):
        r = post(api, BODY, key)
    assert r.status_code == 422 and r.json()["code"] == "idempotency.key_invalid"


def stored(key, hours_ago):
    return IdempotencyRecord.objects.create(
        principal="user:1", key=key, request_hash="0" * 64, method="POST", path=URL,
        status_code=201, response_body={}, created_at=clock.now() - dt.timedelta(hours=hours_ago),
    )  # fmt: skip


@pytest.mark.django_db
def test_purge_keeps_keys_younger_than_24_hours_whatever_the_setting(settings):
    settings.MEDERP_IDEMPOTENCY_TTL_HOURS = 1
    for key, age in (("fresh", 0.5), ("day-old", 23.9), ("stale", 24.1), ("old", 100)):
        stored(key, age)
    assert idempotency.purge_expired() == 2
    assert set(IdempotencyRecord.objects.values_list("key", flat=True)) == {"fresh", "day-old"}


@pytest.mark.django_db
def test_purge_honours_a_longer_retention(settings):
    settings.MEDERP_IDEMPOTENCY_TTL_HOURS = 48
    for key, age in (("day-old", 30), ("stale", 49)):
        stored(key, age)
    assert idempotency.purge_expired() == 1
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["day-old"]


@on_postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_duplicates_execute_once_and_both_get_the_first_response(make_user, monkeypatch):
    client = client_for(make_user("alice", "qa_manager"))
    original = services.create_uom
    executions = []

    def slow_create(*args, **kwargs):
        executions.append(threading.get_ident())
        uom = original(*args, **kwargs)
        time.sleep(0.5)  # keep the key claimed, uncommitted, while the twin arrives
        return uom

    monkeypatch.setattr(services, "create_uom", slow_create)
    start, responses, errors = threading.Barrier(2), [None, None], []

    def send(i):
        try:
            start.wait(10)
            responses[i] = post(client, BODY, "dup-1")
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=send, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert not errors, errors
    assert [r.status_code for r in responses] == [201, 201]
    assert responses[0].json() == responses[1].json()
    assert sorted(r.headers.get("Idempotent-Replayed", "") for r in responses) == ["", "true"]
    assert len(executions) == 1
    assert UnitOfMeasure.objects.count() == 1
    assert AuditEntry.objects.filter(record_type="catalog.unitofmeasure").count() == 1
    assert IdempotencyRecord.objects.get(key="dup-1").status_code == 201


def test_a_stored_answer_renders_times_as_the_first_answer_did():
    """A replay returns the first answer's JSON exactly: the API renders a time to the
    millisecond with ``Z``, so the stored answer must not keep the microseconds (invariant 5)."""
    from decimal import Decimal

    from ninja.renderers import JSONRenderer

    from mederp.core.idempotency import as_rendered

    payload = {
        "at": dt.datetime(2026, 11, 26, 9, 30, 1, 456789, tzinfo=dt.UTC),
        "qty": Decimal("12.500"),
    }
    first = json.loads(JSONRenderer().render(None, payload, response_status=201))
    assert as_rendered(payload) == first == {"at": "2026-11-26T09:30:01.456Z", "qty": "12.500"}
