"""``mederp subscription`` and ``mederp deadletter``: the same services as the pages and the
API, as the CLI actor, with the webhook secret printed once and refusals as coded errors."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import CommandError, call_command
from tests.integration.relay.subscription_support import HOOK, dead_letter, emit, webhook

from mederp.core.models import AuditEntry
from mederp.integration.models import DeadLetter, Subscription
from mederp.integration.relay.secrets import open_secret

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_create_prints_the_secret_once_on_the_last_line():
    out = run(
        "subscription",
        "create",
        "erp-b",
        "--url",
        HOOK,
        "--event",
        "sales.*",
        "--event",
        "capa.opened",
    )
    sub = Subscription.objects.get(name="erp-b")
    assert out.strip().splitlines()[-1] == open_secret(sub.secret_encrypted)
    assert sub.event_types == ["sales.*", "capa.opened"]
    entry = AuditEntry.objects.get(record_type="integration.subscription")
    assert (entry.actor_kind, entry.actor_name) == ("system", "mederp subscription")


def test_list_and_show_never_print_the_secret():
    _sub, secret = webhook("erp-b")
    emit()
    listing = run("subscription", "list")
    shown = run("subscription", "show", "erp-b")
    as_json = json.loads(run("subscription", "list", "--json"))
    assert "erp-b" in listing and "pending=1" in listing
    assert "lag:" in shown and "sales.*" in shown
    assert as_json[0]["events_pending"] == 1
    assert secret not in listing + shown + json.dumps(as_json)


def test_pause_resume_and_rotate_need_a_reason_and_are_audited():
    sub, first = webhook("erp-b")
    with pytest.raises(CommandError):
        run("subscription", "pause", "erp-b")  # --reason is required
    run("subscription", "pause", "erp-b", "--reason", "maintenance")
    assert Subscription.objects.get(pk=sub.pk).active is False
    with pytest.raises(CommandError, match=r"integration\.subscription_state_unchanged"):
        run("subscription", "pause", "erp-b", "--reason", "again")
    run("subscription", "resume", "erp-b", "--reason", "done")
    out = run("subscription", "rotate-secret", "erp-b", "--reason", "leak")
    second = out.strip().splitlines()[-1]
    assert (
        second != first
        and open_secret(Subscription.objects.get(pk=sub.pk).secret_encrypted) == second
    )
    reasons = list(AuditEntry.objects.filter(action="update").values_list("reason", flat=True))
    assert reasons == ["maintenance", "done", "leak"]


def test_a_refusal_is_a_coded_command_error():
    with pytest.raises(CommandError, match=r"integration\.subscription_url_insecure"):
        run("subscription", "create", "x", "--url", "http://erp-b.example.com/", "--event", "*")
    with pytest.raises(CommandError, match="no subscription nope"):
        run("subscription", "show", "nope")
    assert not Subscription.objects.exists()


def test_deadletter_list_and_replay_by_id_or_subscription():
    sub, _ = webhook("erp-b")
    one, two, three = dead_letter(sub), dead_letter(sub), dead_letter(sub)

    listing = run("deadletter", "list", "--state", "dead", "--subscription", "erp-b")
    assert len(listing.strip().splitlines()) == 3
    run("deadletter", "replay", str(one.pk), "--reason", "receiver fixed")
    assert DeadLetter.objects.get(pk=one.pk).state == "replay_requested"
    with pytest.raises(CommandError, match=r"integration\.dead_letter_not_dead"):
        run("deadletter", "replay", str(one.pk), "--reason", "again")
    out = run("deadletter", "replay", "--subscription", "erp-b", "--reason", "all of them")
    assert "2 dead letter(s)" in out
    assert set(DeadLetter.objects.values_list("state", flat=True)) == {"replay_requested"}
    audited = AuditEntry.objects.filter(record_type="integration.deadletter")
    assert sorted(audited.values_list("record_id", flat=True)) == sorted(
        str(d.pk) for d in (one, two, three)
    )


def test_deadletter_replay_needs_a_target_and_a_reason():
    with pytest.raises(CommandError, match="name dead letter ids"):
        run("deadletter", "replay", "--reason", "x")
    with pytest.raises(CommandError):
        run("deadletter", "replay", "1")
