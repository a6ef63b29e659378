"""Many requests of one principal at once, on separate connections, never take more tokens than
the bucket holds: the database bucket under its row lock (PostgreSQL, two threads and two
connections), the Redis bucket by its script's atomicity."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable

import pytest
from django.db import connection, connections
from tests.ratelimit_support import redis_prefix, redis_url

from mederp.core import clock
from mederp.core.models import RateBucket
from mederp.core.ratelimit import db_bucket, redis_bucket, rules
from mederp.core.ratelimit.rules import UNIT, Limit

__all__ = ["redis_prefix", "redis_url"]

WAIT = 30
T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
BURST = 25
PER_THREAD = 40


def hammer(threads: int, consume: Callable[[], rules.Decision]) -> list[bool]:
    """``threads`` threads released together, each asking ``PER_THREAD`` times."""
    start = threading.Barrier(threads)
    answers: list[bool] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def work() -> None:
        try:
            start.wait(WAIT)
            mine = [consume().allowed for _ in range(PER_THREAD)]
            with lock:
                answers.extend(mine)
        except BaseException as exc:  # reported below, in the test thread
            errors.append(exc)
        finally:
            connections.close_all()

    workers = [threading.Thread(target=work) for _ in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(WAIT)
    assert not errors, errors
    assert len(answers) == threads * PER_THREAD
    return answers


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_connections_at_once_never_take_more_than_the_database_bucket_holds():
    if connection.vendor != "postgresql":
        pytest.skip("concurrent row locks are proved on PostgreSQL")
    limit = Limit(per_minute=1, burst=BURST)
    # Frozen: no token comes back during the run, so exactly the burst may be accepted.
    with clock.frozen(T0):
        answers = hammer(2, lambda: db_bucket.consume("client:42", limit))
    assert answers.count(True) == BURST
    row = RateBucket.objects.get(key="client:42")
    assert row.tokens == 0 and row.updated_at == T0
    assert RateBucket.objects.count() == 1


def test_many_clients_of_one_redis_bucket_at_once_never_take_more_than_it_holds(
    redis_url, redis_prefix
):
    limit = Limit(per_minute=1, burst=BURST)  # a token a minute: none comes back during the run
    key = f"{redis_prefix}client:42"
    answers = hammer(4, lambda: redis_bucket.consume(redis_url, key, limit))
    assert answers.count(True) == BURST
    assert redis_bucket.take(redis_url, key, limit)[1].level < UNIT
