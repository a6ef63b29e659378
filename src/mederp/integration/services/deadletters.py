"""Replaying dead letters (issue 7, 1a): an event a webhook did not take after its
subscription's ``max_attempts`` waits in state ``dead`` until a person or a script asks for it
again, with a reason (AT-04). The request moves it to ``replay_requested``; the relay delivers
it on its next pass and marks it ``replayed`` (or dead again). Only the relay delivers: this
service never calls the network.

The lane does not wait for a dead letter (ADR 0005): a replayed event may arrive after later
events of its aggregate, which is why every message carries ``aggregate_seq``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from django.db import transaction
from django.utils.translation import gettext as _

from mederp.core import audit, canonical, clock, outbox
from mederp.core.actors import Actor
from mederp.core.errors import ReasonRequired
from mederp.core.services import authorize
from mederp.integration import events, locks
from mederp.integration.errors import (
    DeadLetterNotDead,
    DeadLetterNotFound,
    NothingToReplay,
    ReplayTargetRequired,
    SubscriptionNotFound,
)
from mederp.integration.models import DeadLetter, DeadLetterState, Subscription

REPLAY = "integration.replay_deadletter"
RECORD_TYPE = "integration.deadletter"
MAX_BATCH = 1000
MAX_ID = 2**63 - 1  # what the database's bigint holds; larger ids exist nowhere


def _label(letter: DeadLetter) -> str:
    return f"{letter.subscription.name}: {letter.event.event_type} {letter.event.event_id}"


def request_replay(
    actor: Actor,
    *,
    reason: str,
    dead_letter_ids: Iterable[int] | None = None,
    subscription: int | None = None,
) -> list[DeadLetter]:
    """Ask the relay to deliver dead letters again: the ones named, or (``subscription`` alone)
    every dead letter of that subscription. Returns them, now ``replay_requested``.

    Refused, writing nothing: an unknown id (404), a letter that is not ``dead`` (409: already
    requested or replayed), a named letter of another subscription than ``subscription`` (404),
    a subscription with nothing dead (409), no reason (422).
    """
    authorize(actor, REPLAY)
    reason = (reason or "").strip()
    if not reason:
        raise ReasonRequired()
    ids = sorted({int(i) for i in dead_letter_ids or ()})
    if not ids and subscription is None:
        raise ReplayTargetRequired()
    impossible = [i for i in ids if not 1 <= i <= MAX_ID]
    if impossible:
        raise DeadLetterNotFound(ids=", ".join(map(str, impossible)), missing=impossible)
    if subscription is not None and not 1 <= subscription <= MAX_ID:
        raise SubscriptionNotFound(subscription=subscription)
    if len(ids) > MAX_BATCH:
        raise ReplayTargetRequired(
            _("At most %(n)s dead letters at a time.") % {"n": MAX_BATCH}, field="ids"
        )
    with transaction.atomic():
        sub = None
        if subscription is not None:
            sub = Subscription.objects.filter(pk=subscription).first()
            if sub is None:
                raise SubscriptionNotFound(subscription=subscription)
        if ids:
            letters = locks.lock_dead_letters(ids)
            found = {d.pk for d in letters if sub is None or d.subscription_id == sub.pk}
            missing = [i for i in ids if i not in found]
            if missing:
                raise DeadLetterNotFound(ids=", ".join(map(str, missing)), missing=missing)
            for letter in letters:
                if letter.state != DeadLetterState.DEAD:
                    raise DeadLetterNotDead(
                        id=letter.pk, state=letter.get_state_display(), current=letter.state
                    )
        else:
            assert sub is not None
            waiting = DeadLetter.objects.filter(subscription=sub, state=DeadLetterState.DEAD)
            letters = [
                d
                for d in locks.lock_dead_letters(waiting.values_list("pk", flat=True))
                if d.state == DeadLetterState.DEAD
            ]
            if not letters:
                raise NothingToReplay(subscription=sub.name)
        now = clock.now()
        stamp = canonical.to_json_value(now)
        by = actor.name[:200]
        DeadLetter.objects.filter(pk__in=[d.pk for d in letters]).update(
            state=DeadLetterState.REPLAY_REQUESTED,
            replay_requested_at=now,
            replay_requested_by=by,
        )
        audit.record_many(
            actor,
            (
                audit.Entry(
                    action=audit.UPDATE,
                    record_type=RECORD_TYPE,
                    record_id=d.pk,
                    label=_label(d),
                    changes={
                        "state": [d.state, DeadLetterState.REPLAY_REQUESTED.value],
                        "replay_requested_at": [
                            canonical.to_json_value(d.replay_requested_at),
                            stamp,
                        ],
                        "replay_requested_by": [d.replay_requested_by, by],
                    },
                    reason=reason,
                )
                for d in letters
            ),
        )
        per_subscription: dict[int, list[DeadLetter]] = defaultdict(list)
        for d in letters:
            per_subscription[d.subscription_id].append(d)
        for sub_id, own in sorted(per_subscription.items()):
            outbox.emit(
                actor,
                events.DEAD_LETTER_REPLAY_REQUESTED,
                aggregate_type="integration.subscription",
                aggregate_id=sub_id,
                payload={
                    "subscription_id": sub_id,
                    "subscription": own[0].subscription.name,
                    "dead_letter_ids": [d.pk for d in own],
                    "event_ids": [str(d.event.event_id) for d in own],
                    "reason": reason,
                },
            )
        for d in letters:
            d.state = DeadLetterState.REPLAY_REQUESTED
            d.replay_requested_at = now
            d.replay_requested_by = by
    return letters
