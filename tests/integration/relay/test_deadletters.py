"""Replaying dead letters (issue 7, 1a): a request, with a reason (AT-04), moves dead letters
to ``replay_requested`` for the relay to deliver again; anything else is refused with a code and
writes nothing."""

from __future__ import annotations

import json

import pytest
from tests.integration.relay.subscription_support import dead_letter, emit, webhook

from mederp.core.actors import Actor
from mederp.core.errors import PermissionDenied, ReasonRequired
from mederp.core.models import AuditEntry, OutboxEvent
from mederp.integration import services
from mederp.integration.errors import (
    DeadLetterNotDead,
    DeadLetterNotFound,
    NothingToReplay,
    ReplayTargetRequired,
    SubscriptionNotFound,
)
from mederp.integration.models import DeadLetter

pytestmark = pytest.mark.django_db


def test_named_dead_letters_are_marked_for_replay_with_who_when_and_why(admin):
    sub, _ = webhook()
    one, two = dead_letter(sub), dead_letter(sub)

    letters = services.request_replay(
        admin, dead_letter_ids=[one.pk, two.pk], reason="receiver fixed (INC-42)"
    )

    assert [d.state for d in letters] == ["replay_requested"] * 2
    for d in DeadLetter.objects.filter(pk__in=[one.pk, two.pk]):
        assert (d.state, d.replay_requested_by) == ("replay_requested", admin.name)
        assert d.replay_requested_at is not None
    entries = AuditEntry.objects.filter(record_type="integration.deadletter").order_by("id")
    assert [e.record_id for e in entries] == [str(one.pk), str(two.pk)]
    assert {e.reason for e in entries} == {"receiver fixed (INC-42)"}
    assert json.loads(entries[0].changes)["state"] == ["dead", "replay_requested"]
    event = OutboxEvent.objects.get(event_type="integration.dead_letter.replay_requested")
    assert event.payload["dead_letter_ids"] == [one.pk, two.pk]
    assert event.payload["event_ids"] == [str(one.event.event_id), str(two.event.event_id)]


def test_a_subscription_replays_all_of_its_own_dead_letters_and_no_others(admin):
    sub, _ = webhook("erp-b")
    other, _ = webhook("erp-c")
    mine = [dead_letter(sub), dead_letter(sub)]
    done = dead_letter(sub, state="replayed")
    theirs = dead_letter(other)

    letters = services.request_replay(admin, subscription=sub.pk, reason="receiver back")

    assert sorted(d.pk for d in letters) == sorted(d.pk for d in mine)
    assert DeadLetter.objects.get(pk=theirs.pk).state == "dead"
    assert DeadLetter.objects.get(pk=done.pk).state == "replayed"


def test_a_letter_that_is_not_dead_is_refused_with_409_and_nothing_changes(admin, unchanged):
    sub, _ = webhook()
    dead = dead_letter(sub)
    requested = dead_letter(sub, state="replay_requested")

    with unchanged(), pytest.raises(DeadLetterNotDead) as refused:
        services.request_replay(admin, dead_letter_ids=[dead.pk, requested.pk], reason="again")

    assert refused.value.http_status == 409
    assert refused.value.details["id"] == requested.pk
    assert DeadLetter.objects.get(pk=dead.pk).state == "dead"


def test_an_unknown_dead_letter_is_404(admin, unchanged):
    sub, _ = webhook()
    dead = dead_letter(sub)
    with unchanged(), pytest.raises(DeadLetterNotFound) as refused:
        services.request_replay(admin, dead_letter_ids=[dead.pk, 9999], reason="x")
    assert refused.value.details["missing"] == [9999]
    assert DeadLetter.objects.get(pk=dead.pk).state == "dead"


def test_a_named_letter_of_another_subscription_is_404(admin, unchanged):
    sub, _ = webhook("erp-b")
    other, _ = webhook("erp-c")
    theirs = dead_letter(other)
    with unchanged(), pytest.raises(DeadLetterNotFound):
        services.request_replay(admin, dead_letter_ids=[theirs.pk], subscription=sub.pk, reason="x")


def test_a_subscription_with_nothing_dead_is_409(admin, unchanged):
    sub, _ = webhook()
    with unchanged(), pytest.raises(NothingToReplay):
        services.request_replay(admin, subscription=sub.pk, reason="x")
    with unchanged(), pytest.raises(SubscriptionNotFound):
        services.request_replay(admin, subscription=999, reason="x")


def test_a_replay_needs_a_target_and_a_reason(admin, unchanged):
    sub, _ = webhook()
    dead = dead_letter(sub)
    with unchanged(), pytest.raises(ReplayTargetRequired):
        services.request_replay(admin, dead_letter_ids=[], reason="x")
    with unchanged(), pytest.raises(ReasonRequired):
        services.request_replay(admin, dead_letter_ids=[dead.pk], reason="  ")


def test_replaying_needs_the_permission(make_user, unchanged):
    sub, _ = webhook()
    dead = dead_letter(sub)
    auditor = Actor.for_user(make_user("aud", "auditor"))
    with unchanged(), pytest.raises(PermissionDenied):
        services.request_replay(auditor, dead_letter_ids=[dead.pk], reason="x")


def test_one_event_per_subscription_names_its_letters(admin):
    sub, _ = webhook("erp-b")
    other, _ = webhook("erp-c")
    event = emit()
    a, b = dead_letter(sub, event), dead_letter(other, event)

    services.request_replay(admin, dead_letter_ids=[a.pk, b.pk], reason="both receivers fixed")

    announced = OutboxEvent.objects.filter(
        event_type="integration.dead_letter.replay_requested"
    ).order_by("aggregate_id")
    assert [(e.aggregate_id, e.payload["dead_letter_ids"]) for e in announced] == [
        (str(sub.pk), [a.pk]),
        (str(other.pk), [b.pk]),
    ]


def test_an_id_no_database_can_hold_is_unknown_not_an_error(admin, unchanged):
    with unchanged(), pytest.raises(DeadLetterNotFound):
        services.request_replay(admin, dead_letter_ids=[2**70], reason="x")
    with unchanged(), pytest.raises(DeadLetterNotFound):
        services.request_replay(admin, dead_letter_ids=[-3], reason="x")
    with unchanged(), pytest.raises(SubscriptionNotFound):
        services.request_replay(admin, subscription=2**70, reason="x")
