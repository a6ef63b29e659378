"""Every lock and claim the relay takes, on both databases (STYLE rule 5; invariant 10).

PostgreSQL: a relay claims lanes (:class:`~mederp.integration.models.RelayCursor` rows) with
``SELECT … FOR UPDATE OF cursor SKIP LOCKED`` inside the transaction in which it delivers and
advances them. Another relay skips the locked rows and takes other lanes, so no two live relays
deliver the same attempt; a relay that dies mid-batch has its transaction rolled back and the
lane is delivered again by whoever claims it next (at least once). Rows are skipped, never
waited for, so claim order cannot deadlock; it is least-recently-served first, for fairness.

SQLite has no row locks and one writer: one relay at a time holds the :class:`RelayLease`
"relay" and renews it while it works; another takes over only once it has expired. Claims are
plain reads there, and the relay never keeps a write transaction open while it talks to the
network (it would block the web application's writers).
"""

from __future__ import annotations

import datetime as dt
import functools
import operator

from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet

from mederp.core.models import OutboxEvent
from mederp.core.outbox import PARTITIONS
from mederp.integration.models import (
    DeadLetter,
    DeadLetterState,
    RelayCursor,
    RelayLease,
    Subscription,
)

LEASE_NAME = "relay"


def uses_lease() -> bool:
    """True where the database cannot skip locked rows, so relays take turns by lease."""
    return not connection.features.has_select_for_update_skip_locked


def take_lease(holder: str, *, now: dt.datetime, seconds: float) -> bool:
    """Take or renew the single-relay lease for ``holder``; False while another holds it."""
    expires = now + dt.timedelta(seconds=seconds)
    with transaction.atomic():
        taken = (
            RelayLease.objects.filter(name=LEASE_NAME)
            .filter(Q(holder=holder) | Q(expires_at__lte=now))
            .update(holder=holder, expires_at=expires)
        )
        if taken:
            return True
        try:
            with transaction.atomic():
                RelayLease.objects.create(name=LEASE_NAME, holder=holder, expires_at=expires)
        except IntegrityError:
            return False
    return True


def release_lease(holder: str) -> None:
    """Give the lease up at a graceful stop, so a successor need not wait for it to expire."""
    with transaction.atomic():
        RelayLease.objects.filter(name=LEASE_NAME, holder=holder).delete()


def events_to_number() -> bool:
    """Whether committed events wait for their feed position: a read (served by the partial
    index on unnumbered rows), so an idle relay does not take SQLite's write lock to find out."""
    return OutboxEvent.objects.filter(position__isnull=True).exists()


def ensure_cursors() -> int:
    """Create the missing lanes of active subscriptions, at position 0 ("from the beginning");
    the subscription service normally creates all of them with its chosen start."""
    incomplete = list(
        Subscription.objects.filter(active=True)
        .annotate(lanes=Count("cursors"))
        .filter(lanes__lt=PARTITIONS)
        .values_list("pk", flat=True)
    )
    if not incomplete:
        return 0
    created = 0
    with transaction.atomic():
        for sub_id in incomplete:
            have = set(
                RelayCursor.objects.filter(subscription_id=sub_id).values_list(
                    "partition", flat=True
                )
            )
            missing = [
                RelayCursor(subscription_id=sub_id, partition=p, position=0)
                for p in range(PARTITIONS)
                if p not in have
            ]
            RelayCursor.objects.bulk_create(missing, ignore_conflicts=True)
            created += len(missing)
    return created


def _due_lanes(now: dt.datetime) -> QuerySet[RelayCursor]:
    pending = OutboxEvent.objects.filter(
        partition=OuterRef("partition"), position__gt=OuterRef("position")
    )
    return (
        RelayCursor.objects.filter(subscription__active=True)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .filter(Exists(pending))
    )


def claim_lanes(*, now: dt.datetime, limit: int) -> list[RelayCursor]:
    """Lanes with events after their cursor and no retry pending, least recently served first.

    PostgreSQL: must run inside the delivering transaction; the rows stay locked (and invisible
    to other relays' claims) until it ends. SQLite: a read, under the lease.
    """
    lanes = (
        _due_lanes(now)
        .select_related("subscription")
        .order_by(F("updated_at").asc(nulls_first=True), "pk")
    )
    if not uses_lease():
        if not connection.in_atomic_block:
            raise RuntimeError("claim_lanes() must run inside the delivering transaction")
        lanes = lanes.select_for_update(skip_locked=True, of=("self",))
    return list(lanes[:limit])


def next_events(cursors: list[RelayCursor], *, limit: int) -> list[OutboxEvent]:
    """The next ``limit`` committed events after the cursors of these lanes, in feed order."""
    if not cursors:
        return []
    after = functools.reduce(
        operator.or_, (Q(partition=c.partition, position__gt=c.position) for c in cursors)
    )
    return list(OutboxEvent.objects.filter(after).order_by("position")[:limit])


def claim_replays(*, limit: int) -> list[DeadLetter]:
    """Dead letters whose replay was requested, oldest first (PostgreSQL: locked, skipping
    those another relay is replaying; inside the delivering transaction)."""
    letters = (
        DeadLetter.objects.filter(state=DeadLetterState.REPLAY_REQUESTED, subscription__active=True)
        .select_related("subscription", "event")
        .order_by("pk")
    )
    if not uses_lease():
        if not connection.in_atomic_block:
            raise RuntimeError("claim_replays() must run inside the delivering transaction")
        letters = letters.select_for_update(skip_locked=True, of=("self",))
    return list(letters[:limit])
