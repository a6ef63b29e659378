"""Subscription services (issue 7, 1a/1b): created with its 16 lanes at the feed's head, the
webhook secret shown once and sealed, every change audited with a reason and announced, and
every refusal coded and writing nothing (invariants 1-3, 7; AT-04, AT-13; AC-07 for the
secret)."""

from __future__ import annotations

import json

import pytest
from django.test import override_settings
from tests.integration.relay.subscription_support import HOOK, emit, webhook

from mederp.core.errors import PermissionDenied, ReasonRequired, StaleRecord
from mederp.core.models import AuditEntry, OutboxEvent
from mederp.core.outbox import PARTITIONS
from mederp.integration import services
from mederp.integration.errors import (
    EventPatternsInvalid,
    SecretRotationWebhookOnly,
    SubscriptionInvalid,
    SubscriptionNameTaken,
    SubscriptionNotFound,
    SubscriptionStateUnchanged,
    SubscriptionUrlInsecure,
    SubscriptionUrlInvalid,
)
from mederp.integration.events import matches
from mederp.integration.models import RelayCursor, Subscription
from mederp.integration.relay.secrets import open_secret

pytestmark = pytest.mark.django_db


def audit_text(sub: Subscription) -> str:
    rows = AuditEntry.objects.filter(record_type="integration.subscription", record_id=str(sub.pk))
    return " ".join(f"{r.changes} {r.reason} {r.record_label}" for r in rows)


def events_text() -> str:
    return " ".join(json.dumps(e.payload) for e in OutboxEvent.objects.all())


# --- creating ---


def test_a_webhook_subscription_starts_at_the_head_of_the_feed_in_every_lane(admin):
    emit("sales.order.shipped", 1)
    last = emit("sales.order.shipped", 2)

    sub, _ = services.create_subscription(
        admin, name="erp-b", kind="webhook", url=HOOK, event_types=["sales.*"]
    )

    cursors = RelayCursor.objects.filter(subscription=sub)
    assert sorted(c.partition for c in cursors) == list(range(PARTITIONS))
    assert {c.position for c in cursors} == {last.position}
    assert (sub.active, sub.event_types, sub.max_attempts) == (True, ["sales.*"], 8)
    assert sub.created_by == admin.name


def test_starting_from_the_beginning_puts_every_lane_at_zero(admin):
    emit()
    sub, _ = services.create_subscription(
        admin, name="all", kind="webhook", url=HOOK, event_types=["*"], start="beginning"
    )
    assert set(RelayCursor.objects.filter(subscription=sub).values_list("position", flat=True)) == {
        0
    }


def test_the_generated_secret_is_returned_once_and_stored_only_sealed(admin):
    sub, secret = services.create_subscription(
        admin, name="erp-b", kind="webhook", url=HOOK, event_types=["sales.*"]
    )
    assert secret and len(secret) >= 40
    stored = Subscription.objects.get(pk=sub.pk).secret_encrypted
    assert secret not in stored
    assert open_secret(stored) == secret


def test_a_secret_the_caller_brings_is_kept(admin):
    mine = "s3cret-of-my-own-choosing"
    sub, secret = webhook(secret=mine)
    assert secret == mine
    assert open_secret(Subscription.objects.get(pk=sub.pk).secret_encrypted) == mine


def test_the_secret_is_never_in_the_audit_trail_nor_in_an_event(admin):
    sub, secret = services.create_subscription(
        admin, name="erp-b", kind="webhook", url=HOOK, event_types=["sales.*"]
    )
    _, rotated = services.rotate_secret(admin, sub.pk, reason="receiver moved")
    sealed = Subscription.objects.get(pk=sub.pk).secret_encrypted

    written = audit_text(sub) + events_text()
    assert secret not in written and rotated not in written and sealed not in written
    assert "secret_encrypted" not in written
    entry = AuditEntry.objects.filter(record_type="integration.subscription").order_by("id")
    assert json.loads(entry.first().changes)["secret"] == [None, "(set)"]
    assert json.loads(entry.last().changes)["secret"] == ["(set)", "(replaced)"]


def test_creation_is_audited_and_announced(admin):
    sub, _ = webhook(patterns=["sales.*", "capa.opened"])
    entry = AuditEntry.objects.get(record_type="integration.subscription", record_id=str(sub.pk))
    changes = json.loads(entry.changes)
    assert entry.action == "create"
    assert changes["url"] == [None, HOOK]
    assert changes["event_types"] == [None, ["sales.*", "capa.opened"]]
    event = OutboxEvent.objects.get(event_type="integration.subscription.created")
    assert (event.aggregate_type, event.aggregate_id) == ("integration.subscription", str(sub.pk))
    assert event.payload["event_types"] == ["sales.*", "capa.opened"]


def test_patterns_are_trimmed_lower_cased_and_deduplicated(admin):
    sub, _ = webhook(patterns=[" Sales.* ", "sales.*", "capa.opened"])
    assert sub.event_types == ["sales.*", "capa.opened"]


def test_a_rabbitmq_password_is_taken_out_of_the_url_and_sealed(admin):
    sub, secret = services.create_subscription(
        admin,
        name="bus",
        kind="amqp",
        url="amqp://mederp:pa55word@127.0.0.1:5672/%2F",
        event_types=["*"],
        exchange="mederp.events",
    )
    assert secret is None
    assert sub.url == "amqp://mederp@127.0.0.1:5672/%2F"
    assert open_secret(sub.secret_encrypted) == "pa55word"
    assert "pa55word" not in audit_text(sub) + events_text()


def test_plain_http_is_accepted_to_this_machine(admin):
    sub, _ = webhook(url="http://127.0.0.1:8099/hook")
    assert sub.url == "http://127.0.0.1:8099/hook"
    sub2, _ = webhook(name="local", url="http://localhost/hook")
    assert sub2.url.startswith("http://localhost")


@override_settings(MEDERP_RELAY={"MAX_ATTEMPTS": 8, "ALLOW_HTTP": True})
def test_plain_http_elsewhere_is_accepted_when_the_setting_allows_it(admin):
    sub, _ = webhook(url="http://erp-b.internal/hook")
    assert sub.url == "http://erp-b.internal/hook"


@pytest.mark.parametrize(
    "kwargs,error",
    [
        ({"url": "http://erp-b.example.com/hook"}, SubscriptionUrlInsecure),
        ({"url": "ftp://erp-b.example.com/hook"}, SubscriptionUrlInvalid),
        ({"url": "https:///no-host"}, SubscriptionUrlInvalid),
        ({"url": "https://erp-b.example.com:99999/"}, SubscriptionUrlInvalid),
        ({"url": "https://user:pw@erp-b.example.com/"}, SubscriptionUrlInvalid),
        ({"url": "https://erp b.example.com/"}, SubscriptionUrlInvalid),
        ({"url": ""}, SubscriptionUrlInvalid),
        ({"event_types": []}, EventPatternsInvalid),
        ({"event_types": ["sales..x"]}, EventPatternsInvalid),
        ({"event_types": ["sales.?"]}, EventPatternsInvalid),
        ({"event_types": ["sales order"]}, EventPatternsInvalid),
        ({"max_attempts": 0}, SubscriptionInvalid),
        ({"max_attempts": 101}, SubscriptionInvalid),
        ({"secret": "short"}, SubscriptionInvalid),
        ({"exchange": "mederp.events"}, SubscriptionInvalid),
        ({"start": "yesterday"}, SubscriptionInvalid),
        ({"name": "  "}, SubscriptionInvalid),
        ({"kind": "smtp"}, SubscriptionInvalid),
    ],
)
def test_a_subscription_that_cannot_work_is_refused_and_nothing_is_written(
    admin, unchanged, kwargs, error
):
    values = {"name": "erp-b", "kind": "webhook", "url": HOOK, "event_types": ["sales.*"]}
    values.update(kwargs)
    with unchanged(Subscription, RelayCursor), pytest.raises(error) as refused:
        services.create_subscription(admin, **values)
    assert refused.value.code.startswith("integration.")
    assert refused.value.details.get("field") in values


def test_an_amqp_subscription_needs_an_amqp_url(admin, unchanged):
    with unchanged(Subscription), pytest.raises(SubscriptionUrlInvalid) as refused:
        services.create_subscription(
            admin, name="bus", kind="amqp", url="https://x:pw@host/", event_types=["*"]
        )
    assert "pw" not in refused.value.render_message()


def test_a_taken_name_is_refused_with_409(admin, unchanged):
    webhook("erp-b")
    with unchanged(Subscription, RelayCursor), pytest.raises(SubscriptionNameTaken) as refused:
        webhook("erp-b")
    assert refused.value.http_status == 409


def test_creating_needs_the_permission(make_user, unchanged):
    from mederp.core.actors import Actor

    auditor = Actor.for_user(make_user("aud", "auditor"))
    with unchanged(Subscription), pytest.raises(PermissionDenied):
        services.create_subscription(auditor, name="x", kind="webhook", url=HOOK, event_types=["*"])


# --- changing ---


def test_changing_the_patterns_needs_a_reason_and_is_audited_with_old_and_new(admin, unchanged):
    sub, _ = webhook()
    with unchanged(), pytest.raises(ReasonRequired):
        services.update_subscription(admin, sub.pk, event_types=["capa.*"], reason=" ")

    changed = services.update_subscription(
        admin, sub.pk, event_types=["capa.*"], max_attempts=3, reason="ERP-B wants CAPAs only"
    )

    assert (changed.event_types, changed.max_attempts, changed.version) == (["capa.*"], 3, 2)
    entry = AuditEntry.objects.filter(record_type="integration.subscription").latest("id")
    assert entry.reason == "ERP-B wants CAPAs only"
    assert json.loads(entry.changes)["event_types"] == [["sales.*"], ["capa.*"]]
    event = OutboxEvent.objects.get(event_type="integration.subscription.changed")
    assert event.payload["changed"] == ["event_types", "max_attempts", "version"]


def test_a_change_that_changes_nothing_writes_nothing(admin, unchanged):
    sub, _ = webhook()
    with unchanged(Subscription):
        same = services.update_subscription(admin, sub.pk, event_types=["sales.*"], reason="x")
    assert same.version == 1


def test_a_change_from_a_stale_copy_is_refused(admin, unchanged):
    sub, _ = webhook()
    services.update_subscription(admin, sub.pk, max_attempts=3, reason="fewer")
    with unchanged(), pytest.raises(StaleRecord):
        services.update_subscription(
            admin, sub.pk, max_attempts=4, reason="more", expected_version=1
        )


def test_a_bad_change_writes_nothing(admin, unchanged):
    sub, _ = webhook()
    with unchanged(), pytest.raises(SubscriptionUrlInsecure):
        services.update_subscription(admin, sub.pk, url="http://erp-b.example.com/", reason="x")
    assert Subscription.objects.get(pk=sub.pk).url == HOOK


def test_an_unknown_subscription_is_404(admin, unchanged):
    with unchanged(), pytest.raises(SubscriptionNotFound) as refused:
        services.set_active(admin, 999, active=False, reason="x")
    assert refused.value.http_status == 404


def test_pausing_and_resuming_keep_the_cursors_and_are_announced(admin, unchanged):
    sub, _ = webhook()
    emit()
    before = list(RelayCursor.objects.filter(subscription=sub).values_list("position", flat=True))

    paused = services.set_active(admin, sub.pk, active=False, reason="receiver maintenance")
    assert paused.active is False
    with unchanged(), pytest.raises(SubscriptionStateUnchanged):
        services.set_active(admin, sub.pk, active=False, reason="again")
    resumed = services.set_active(admin, sub.pk, active=True, reason="maintenance over")

    assert resumed.active is True and resumed.version == 3
    after = list(RelayCursor.objects.filter(subscription=sub).values_list("position", flat=True))
    assert after == before
    kinds = list(
        OutboxEvent.objects.filter(aggregate_type="integration.subscription")
        .order_by("aggregate_seq")
        .values_list("event_type", flat=True)
    )
    assert kinds == [
        "integration.subscription.created",
        "integration.subscription.paused",
        "integration.subscription.resumed",
    ]


def test_rotating_gives_a_new_secret_once_and_the_old_one_stops(admin):
    sub, first = webhook()
    _, second = services.rotate_secret(admin, sub.pk, reason="suspected leak")
    assert second != first
    assert open_secret(Subscription.objects.get(pk=sub.pk).secret_encrypted) == second


def test_only_a_webhook_has_a_secret_to_rotate(admin, unchanged):
    sub, _ = services.create_subscription(
        admin, name="bus", kind="amqp", url="amqp://127.0.0.1/", event_types=["*"]
    )
    with unchanged(), pytest.raises(SecretRotationWebhookOnly):
        services.rotate_secret(admin, sub.pk, reason="x")


def test_rotating_needs_a_reason(admin, unchanged):
    sub, _ = webhook()
    with unchanged(), pytest.raises(ReasonRequired):
        services.rotate_secret(admin, sub.pk, reason="")


# --- the pattern grammar, shared with the relay ---


@pytest.mark.parametrize(
    "event_type,patterns,wanted",
    [
        ("sales.order.shipped", ["sales.*"], True),
        ("sales.order.shipped", ["*.shipped"], True),
        ("sales.order.shipped", ["*"], True),
        ("sales.order.shipped", ["sales.order.shipped"], True),
        ("salesx.order", ["sales.*"], False),
        ("capa.opened", ["sales.*", "inventory.*"], False),
        ("partners.qualification_changed", ["partners.qualification_changed"], True),
    ],
)
def test_patterns_select_event_types(event_type, patterns, wanted):
    assert matches(event_type, patterns) is wanted
