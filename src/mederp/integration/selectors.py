"""Read queries over subscriptions, the delivery log and dead letters, shared by the pages, the
API and the CLI; and :func:`relay_status`, the relay's lag per subscription (issue 7: "relay
lag is a metric").
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from mederp.core import clock
from mederp.integration.events import matches
from mederp.integration.models import (
    DeadLetter,
    DeadLetterState,
    DeliveryAttempt,
    DeliveryOutcome,
    Subscription,
)


def subscriptions() -> QuerySet[Subscription]:
    return Subscription.objects.order_by("name")


def get_subscription(pk: int) -> Subscription | None:
    return Subscription.objects.filter(pk=pk).first()


def subscription_by_name(name: str) -> Subscription | None:
    return Subscription.objects.filter(name=name).first()


def delivery_log(subscription_id: int, *, outcome: str = "") -> QuerySet[DeliveryAttempt]:
    """One subscription's delivery attempts, newest first (``outcome``: delivered, failed,
    dead, or all)."""
    rows = DeliveryAttempt.objects.filter(subscription_id=subscription_id)
    if outcome:
        rows = rows.filter(outcome=outcome)
    return rows.order_by("-id")


def dead_letters(*, state: str = "", subscription_id: int | None = None) -> QuerySet[DeadLetter]:
    """Dead letters, newest first, with their subscription and event."""
    rows = DeadLetter.objects.select_related("subscription", "event")
    if state:
        rows = rows.filter(state=state)
    if subscription_id is not None:
        rows = rows.filter(subscription_id=subscription_id)
    return rows.order_by("-id")


@dataclass(frozen=True)
class RetryingLane:
    """A lane whose head event failed and waits for its next attempt."""

    partition: int
    position: int
    attempts: int
    next_attempt_at: dt.datetime | None
    last_error: str


@dataclass
class SubscriptionStatus:
    """How far behind one subscription is. Pending counts only events its patterns select
    (events it does not want are passed over, never owed)."""

    subscription: Subscription
    events_pending: int = 0
    lanes_pending: int = 0
    oldest_pending_at: dt.datetime | None = None
    lag_seconds: float = 0.0
    last_delivery_at: dt.datetime | None = None
    last_attempt_at: dt.datetime | None = None
    dead_letters: int = 0
    replays_requested: int = 0
    retrying: list[RetryingLane] = field(default_factory=list)

    @property
    def caught_up(self) -> bool:
        return self.events_pending == 0


def _count(state: str) -> Coalesce:
    letters = (
        DeadLetter.objects.filter(subscription=OuterRef("pk"), state=state)
        .order_by()
        .values("subscription")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(letters, output_field=IntegerField()), Value(0))


def _latest(**filters: Any) -> Subquery:
    rows = DeliveryAttempt.objects.filter(subscription=OuterRef("pk"), **filters).order_by("-id")
    return Subquery(rows.values("attempted_at")[:1])


# Per lane of each subscription: its cursor, and the committed events after it grouped by
# type, so the patterns are applied in Python by the same rule the relay uses
# (``events.matches``). Two parts, each on an index: the numbered events after the cursor
# (``outbox_partition_feed_idx``, a range per lane) and the events the sequencer has not numbered
# yet (``outbox_unpositioned_idx``), which are owed too. One ``OR`` of the two would scan the
# whole outbox.
_LANE = """
SELECT c.subscription_id, c.partition, c.position, c.attempts, c.next_attempt_at, c.last_error,
       e.event_type, COUNT(e.id), MIN(e.occurred_at)
FROM integration_relaycursor c
{join} core_outboxevent e ON e.partition = c.partition AND {after}
WHERE c.subscription_id IN ({ids})
GROUP BY c.subscription_id, c.partition, c.position, c.attempts, c.next_attempt_at,
         c.last_error, e.event_type
"""


def _pending_sql(n: int) -> str:
    ids = ", ".join(["%s"] * n)
    numbered = _LANE.format(join="LEFT JOIN", after="e.position > c.position", ids=ids)
    unnumbered = _LANE.format(join="JOIN", after="e.position IS NULL", ids=ids)
    return f"{numbered} UNION ALL {unnumbered}"


def _aware(value: Any) -> dt.datetime | None:
    """SQLite answers raw SQL with text; PostgreSQL with aware datetimes."""
    if value is None or isinstance(value, dt.datetime):
        return value
    parsed = dt.datetime.fromisoformat(str(value))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def relay_status(subscription_ids: list[int] | None = None) -> list[SubscriptionStatus]:
    """Every subscription's (or those named) delivery state, in two queries whatever the
    number of subscriptions and lanes:

    ``lag_seconds`` is the age of the oldest event the subscription still owes (the smallest
    ``occurred_at`` after any of its lane cursors, among the events its patterns select); 0
    when it is caught up. A paused subscription keeps its lag growing: it still owes them.
    ``dead_letters`` counts the letters waiting in ``dead``; ``replays_requested`` those the
    relay has yet to redeliver.
    """
    subs = Subscription.objects.annotate(
        n_dead=_count(DeadLetterState.DEAD),
        n_replay=_count(DeadLetterState.REPLAY_REQUESTED),
        last_delivered=_latest(outcome=DeliveryOutcome.DELIVERED),
        last_attempted=_latest(),
    ).order_by("name")
    if subscription_ids is not None:
        subs = subs.filter(pk__in=subscription_ids)
    ordered = list(subs)
    statuses = {
        s.pk: SubscriptionStatus(
            subscription=s,
            dead_letters=s.n_dead,
            replays_requested=s.n_replay,
            last_delivery_at=s.last_delivered,
            last_attempt_at=s.last_attempted,
        )
        for s in ordered
    }
    if not statuses:
        return []
    ids = sorted(statuses)
    with connection.cursor() as cur:
        cur.execute(_pending_sql(len(ids)), [*ids, *ids])
        rows = cur.fetchall()
    lanes: dict[int, set[int]] = defaultdict(set)
    retrying: dict[tuple[int, int], RetryingLane] = {}
    for sub_id, lane, position, attempts, next_at, error, event_type, n, oldest in rows:
        status = statuses[sub_id]
        if attempts and (sub_id, lane) not in retrying:
            retrying[(sub_id, lane)] = RetryingLane(
                lane, int(position), int(attempts), _aware(next_at), error
            )
        if event_type is None or not matches(event_type, status.subscription.event_types):
            continue
        status.events_pending += int(n)
        lanes[sub_id].add(lane)
        first = _aware(oldest)
        if first is not None and (
            status.oldest_pending_at is None or first < status.oldest_pending_at
        ):
            status.oldest_pending_at = first
    now = clock.now()
    for sub_id, status in statuses.items():
        status.lanes_pending = len(lanes[sub_id])
        status.retrying = sorted(
            (r for (s, _lane), r in retrying.items() if s == sub_id), key=lambda r: r.partition
        )
        if status.oldest_pending_at is not None:
            status.lag_seconds = max(0.0, (now - status.oldest_pending_at).total_seconds())
    return [statuses[s.pk] for s in ordered]
