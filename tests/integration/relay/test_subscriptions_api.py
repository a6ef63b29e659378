"""The relay API under /api/v1/integration (issue 7, 1a): subscriptions (the secret in the
creating or rotating answer only, never in a replay, a list or a get), delivery log, dead
letters and their replay, relay status; permissions, idempotent POSTs, coded refusals."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.test import Client
from tests.integration.relay.subscription_support import (
    HOOK,
    attempt,
    dead_letter,
    emit,
    webhook,
)

from mederp.core import clock
from mederp.core.models import IdempotencyRecord
from mederp.identity import services as identity
from mederp.identity.roles import sync_roles
from mederp.integration.models import DeadLetter, DeliveryOutcome, Subscription
from mederp.integration.relay.secrets import open_secret

pytestmark = pytest.mark.django_db
BASE = "/api/v1/integration"
NEW = {"name": "erp-b", "kind": "webhook", "url": HOOK, "event_types": ["sales.*"]}


def post(client: Client, path: str, body: dict[str, Any], **headers: Any) -> Any:
    return client.post(
        BASE + path, data=json.dumps(body), content_type="application/json", **headers
    )


def patch(client: Client, path: str, body: dict[str, Any]) -> Any:
    return client.patch(BASE + path, data=json.dumps(body), content_type="application/json")


def test_creating_answers_201_with_the_secret_once(api):
    r = post(api, "/subscriptions", NEW)

    assert r.status_code == 201, r.json()
    body = r.json()
    sub = Subscription.objects.get(pk=body["id"])
    assert body["secret"] == open_secret(sub.secret_encrypted)
    assert (body["kind"], body["event_types"], body["active"]) == ("webhook", ["sales.*"], True)
    assert "secret" not in api.get(f"{BASE}/subscriptions/{sub.pk}").json()
    assert all("secret" not in s for s in api.get(f"{BASE}/subscriptions").json())


@pytest.fixture
def whole_seconds():
    """A clock without microseconds: a first answer's times are rendered to the millisecond,
    a replayed one's as stored (a kernel-wide difference, not this API's)."""
    with clock.frozen(dt.datetime(2026, 11, 26, 9, 0, tzinfo=dt.UTC)):
        yield


def test_an_idempotent_replay_answers_the_same_subscription_without_the_secret(api, whole_seconds):
    first = post(api, "/subscriptions", NEW, HTTP_IDEMPOTENCY_KEY="sub-1")
    again = post(api, "/subscriptions", NEW, HTTP_IDEMPOTENCY_KEY="sub-1")
    other = post(api, "/subscriptions", {**NEW, "name": "x"}, HTTP_IDEMPOTENCY_KEY="sub-1")

    assert (first.status_code, again.status_code) == (201, 201)
    assert again["Idempotent-Replayed"] == "true"
    assert first.json()["secret"] and again.json()["secret"] is None
    assert {k: v for k, v in first.json().items() if k != "secret"} == {
        k: v for k, v in again.json().items() if k != "secret"
    }
    assert Subscription.objects.count() == 1
    assert other.status_code == 409 and other.json()["code"] == "idempotency.key_reused"
    stored = json.dumps(IdempotencyRecord.objects.get(key="sub-1").response_body)
    assert first.json()["secret"] not in stored


def test_a_refused_subscription_is_a_coded_error_and_writes_nothing(api, unchanged):
    with unchanged(Subscription):
        insecure = post(api, "/subscriptions", {**NEW, "url": "http://erp-b.example.com/"})
        bad = post(api, "/subscriptions", {**NEW, "event_types": ["sales order"]})
        unknown = post(api, "/subscriptions", {**NEW, "colour": "red"})
    assert insecure.status_code == 422
    assert insecure.json()["code"] == "integration.subscription_url_insecure"
    assert bad.json()["code"] == "integration.subscription_patterns_invalid"
    assert unknown.status_code == 422
    webhook("erp-b")
    taken = post(api, "/subscriptions", NEW)
    assert taken.status_code == 409
    assert taken.json()["code"] == "integration.subscription_name_taken"


def test_patching_needs_a_reason_and_a_current_version(api):
    sub, _ = webhook()
    no_reason = patch(api, f"/subscriptions/{sub.pk}", {"event_types": ["capa.*"], "reason": ""})
    ok = patch(api, f"/subscriptions/{sub.pk}", {"event_types": ["capa.*"], "reason": "CAPAs"})
    stale = patch(api, f"/subscriptions/{sub.pk}", {"max_attempts": 3, "reason": "x", "version": 1})

    assert no_reason.status_code == 422 and no_reason.json()["code"] == "audit.reason_required"
    assert ok.status_code == 200 and ok.json()["event_types"] == ["capa.*"]
    assert ok.json()["version"] == 2
    assert stale.status_code == 409 and stale.json()["code"] == "stale_record"


def test_pause_resume_and_the_second_pause_is_409(api):
    sub, _ = webhook()
    paused = post(api, f"/subscriptions/{sub.pk}/pause", {"reason": "maintenance"})
    again = post(api, f"/subscriptions/{sub.pk}/pause", {"reason": "maintenance"})
    resumed = post(api, f"/subscriptions/{sub.pk}/resume", {"reason": "over"})

    assert paused.status_code == 200 and paused.json()["active"] is False
    assert again.status_code == 409
    assert again.json()["code"] == "integration.subscription_state_unchanged"
    assert resumed.json()["active"] is True


def test_rotating_answers_the_new_secret_once(api):
    sub, first = webhook()
    r = post(api, f"/subscriptions/{sub.pk}/rotate-secret", {"reason": "leak"})
    assert r.status_code == 200
    assert r.json()["secret"] not in (None, first)
    assert r.json()["secret"] == open_secret(Subscription.objects.get(pk=sub.pk).secret_encrypted)
    missing = post(api, "/subscriptions/999/rotate-secret", {"reason": "leak"})
    assert missing.status_code == 404
    assert missing.json()["code"] == "integration.subscription_not_found"


def test_the_delivery_log_is_newest_first_paginated_and_filtered(api):
    sub, _ = webhook()
    event = emit()
    attempt(sub, event, DeliveryOutcome.FAILED)
    attempt(sub, event, DeliveryOutcome.FAILED)
    attempt(sub, event)

    page = api.get(f"{BASE}/subscriptions/{sub.pk}/deliveries?limit=2").json()
    failed = api.get(f"{BASE}/subscriptions/{sub.pk}/deliveries?outcome=failed").json()

    assert page["count"] == 3 and len(page["items"]) == 2
    assert page["items"][0]["outcome"] == "delivered"
    assert page["items"][0]["id"] > page["items"][1]["id"]
    assert failed["count"] == 2
    assert api.get(f"{BASE}/subscriptions/999/deliveries").status_code == 404


def test_dead_letters_are_listed_by_state_and_subscription_and_replayed(api, whole_seconds):
    sub, _ = webhook("erp-b")
    other, _ = webhook("erp-c")
    one, two = dead_letter(sub), dead_letter(sub)
    dead_letter(other)

    listed = api.get(f"{BASE}/dead-letters?state=dead&subscription={sub.pk}").json()
    replay = post(
        api, "/dead-letters/replay", {"ids": [one.pk], "reason": "fixed"}, HTTP_IDEMPOTENCY_KEY="r1"
    )
    replayed_again = post(
        api, "/dead-letters/replay", {"ids": [one.pk], "reason": "fixed"}, HTTP_IDEMPOTENCY_KEY="r1"
    )
    not_dead = post(api, "/dead-letters/replay", {"ids": [one.pk], "reason": "again"})
    everything = post(api, "/dead-letters/replay", {"subscription": sub.pk, "reason": "all"})

    assert listed["count"] == 2 and {d["id"] for d in listed["items"]} == {one.pk, two.pk}
    assert listed["items"][0]["event_type"] == "sales.order.shipped"
    assert replay.status_code == 200
    assert [d["state"] for d in replay.json()["replay_requested"]] == ["replay_requested"]
    assert replayed_again.json() == replay.json()
    assert (
        not_dead.status_code == 409
        and not_dead.json()["code"] == "integration.dead_letter_not_dead"
    )
    assert [d["id"] for d in everything.json()["replay_requested"]] == [two.pk]
    assert DeadLetter.objects.filter(state="dead").count() == 1


def test_the_relay_status_reports_the_lag_of_each_subscription(api):
    webhook("erp-b")
    emit("sales.order.shipped", 1)
    [status] = api.get(f"{BASE}/relay/status").json()
    assert status["name"] == "erp-b" and status["events_pending"] == 1
    assert status["lag_seconds"] >= 0 and status["oldest_pending_at"]
    assert status["retrying"] == [] and status["dead_letters"] == 0


@pytest.mark.parametrize(
    "method,path",
    [
        ("get", "/subscriptions"),
        ("get", "/subscriptions/{id}"),
        ("get", "/relay/status"),
        ("get", "/subscriptions/{id}/deliveries"),
        ("get", "/dead-letters"),
    ],
)
def test_the_auditor_reads(api_as, method, path):
    sub, _ = webhook()
    auditor = api_as("auditor")
    assert getattr(auditor, method)(BASE + path.format(id=sub.pk)).status_code == 200


def test_the_auditor_changes_nothing(api_as, unchanged):
    sub, _ = webhook()
    one = dead_letter(sub)
    auditor = api_as("auditor")
    with unchanged(Subscription):
        assert post(auditor, "/subscriptions", {**NEW, "name": "x"}).status_code == 403
        assert post(auditor, f"/subscriptions/{sub.pk}/pause", {"reason": "x"}).status_code == 403
        assert (
            post(auditor, f"/subscriptions/{sub.pk}/rotate-secret", {"reason": "x"}).status_code
            == 403
        )
        assert (
            post(auditor, "/dead-letters/replay", {"ids": [one.pk], "reason": "x"}).status_code
            == 403
        )
        assert patch(auditor, f"/subscriptions/{sub.pk}", {"reason": "x"}).status_code == 403


def test_a_key_reads_with_integration_read_and_writes_only_with_integration_write(system):
    sync_roles()
    _user, token = identity.create_api_client(
        system, name="ops-bot", roles=["administrator"], scopes=["integration:read"]
    )
    bot = Client(HTTP_AUTHORIZATION=f"Bearer {token}", HTTP_ACCEPT_LANGUAGE="en")
    assert bot.get(f"{BASE}/relay/status").status_code == 200
    refused = post(bot, "/subscriptions", NEW)
    assert refused.status_code == 403 and refused.json()["code"] == "identity.scope_missing"
