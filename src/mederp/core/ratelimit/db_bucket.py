"""The token bucket in the database: the embedded mode's store, and the fallback when Redis is
unreachable. Works the same on SQLite and PostgreSQL (invariant 10).

One :class:`~mederp.core.models.RateBucket` row per principal, read and written under its row
lock in a short transaction of its own, so two requests of one principal at once (two threads,
two processes) are serialised on the row and never both take the last token. On SQLite the
transaction's ``BEGIN IMMEDIATE`` holds the database's write lock instead.

Time is :func:`mederp.core.clock.now` (invariant 8): in the embedded mode every process runs
on the one machine, so they share its clock, and tests can freeze it.

This module is the bucket row's lock site (STYLE rule 5): one row, taken alone.
"""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction

from mederp.core import clock
from mederp.core.models import RateBucket
from mederp.core.ratelimit import rules

EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
ONE_MICROSECOND = dt.timedelta(microseconds=1)


def to_micros(when: dt.datetime) -> int:
    """Whole microseconds since the epoch, exactly (no float timestamp)."""
    return (when - EPOCH) // ONE_MICROSECOND


def from_micros(micros: int) -> dt.datetime:
    return EPOCH + dt.timedelta(microseconds=micros)


def lock_bucket(key: str, limit: rules.Limit, now: int) -> RateBucket:
    """The principal's bucket row, locked; created full the first time.

    Two first requests at once: one insert wins; the other's fails inside its savepoint (the
    unique key) and then waits on the winner's row lock."""
    found = RateBucket.objects.select_for_update().filter(key=key).first()
    if found is not None:
        return found
    start = rules.full(limit, now)
    try:
        with transaction.atomic():
            return RateBucket.objects.create(
                key=key, tokens=start.level, updated_at=from_micros(start.at)
            )
    except IntegrityError:
        return RateBucket.objects.select_for_update().get(key=key)


def consume(key: str, limit: rules.Limit) -> rules.Decision:
    """Take one token from ``key``'s bucket. A refusal leaves the row as it was: the level at
    its time still determines every later refill, exactly."""
    now = to_micros(clock.now())
    with transaction.atomic():
        row = lock_bucket(key, limit, now)
        allowed, after = rules.take(rules.Bucket(row.tokens, to_micros(row.updated_at)), limit, now)
        if allowed:
            RateBucket.objects.filter(pk=row.pk).update(
                tokens=after.level, updated_at=from_micros(after.at)
            )
    return rules.decide(allowed, after, limit)
