"""Where the buckets live: Redis (the real one on 127.0.0.1:6379), the database (SQLite and
PostgreSQL), and the fallback from the first to the second when Redis does not answer."""

from __future__ import annotations

import datetime as dt
import logging
import uuid

import pytest
import redis
from hypothesis import HealthCheck, given
from hypothesis import settings as examples
from hypothesis import strategies as st
from tests.ratelimit_support import (
    REDIS_URL,
    closed_redis_url,
    delete_keys,
    redis_prefix,
    redis_url,
)

from mederp.core import clock, ratelimit
from mederp.core.models import RateBucket
from mederp.core.ratelimit import db_bucket, redis_bucket, rules
from mederp.core.ratelimit.rules import MICROS, UNIT, Bucket, Limit

__all__ = ["redis_prefix", "redis_url"]

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
US0 = db_bucket.to_micros(T0)


@pytest.fixture
def limits(settings):  # type: ignore[no-untyped-def]
    def use(url: str = "", prefix: str = "") -> None:
        settings.REDIS_URL = url
        settings.MEDERP_RATE_LIMIT = {**settings.MEDERP_RATE_LIMIT, "REDIS_PREFIX": prefix}

    return use


# --- Redis ----------------------------------------------------------------------------------


@examples(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    limit=st.builds(
        Limit,
        per_minute=st.integers(min_value=1, max_value=1_000_000),
        burst=st.integers(min_value=1, max_value=1_000_000),
    ),
    gaps=st.lists(st.integers(min_value=-2 * MICROS, max_value=90 * MICROS), max_size=25),
    extra=st.integers(min_value=0, max_value=30),
)
def test_the_redis_script_computes_exactly_what_the_rules_compute(limit, gaps, extra):
    """Differential: the same requests at the same (explicit) times, including a clock going
    back, give the same answers and the same stored level and time in Lua as in Python."""
    prefix = f"mederp-test:{uuid.uuid4().hex}:"
    key = f"{prefix}b"
    try:
        stored, now = None, US0
        for gap in [*gaps, *([0] * min(extra, limit.burst + 2))]:
            now += gap
            # A bucket not yet in Redis is full as of the first request to it; a refusal
            # stores nothing.
            allowed, after = rules.take(stored or rules.full(limit, now), limit, now)
            assert redis_bucket.take(REDIS_URL, key, limit, now=now) == (allowed, after)
            if allowed:
                stored = after
    finally:
        delete_keys(prefix)


def test_a_redis_bucket_refuses_after_its_burst(redis_url, redis_prefix):
    limit = Limit(per_minute=1, burst=3)
    key = f"{redis_prefix}client:1"
    answers = [redis_bucket.consume(redis_url, key, limit) for _ in range(4)]
    assert [d.allowed for d in answers] == [True, True, True, False]
    assert [d.remaining for d in answers] == [2, 1, 0, 0]
    assert 1 <= answers[-1].retry_after_s <= 60


def test_a_redis_bucket_keeps_a_microsecond_time_exactly(redis_url, redis_prefix):
    """Lua's default number format would round a 16-digit time; the script writes all digits."""
    key = f"{redis_prefix}k"
    limit = Limit(per_minute=7, burst=2)
    redis_bucket.take(redis_url, key, limit, now=US0 + 123_457)
    stored = redis.Redis.from_url(redis_url).hgetall(key)
    assert stored == {b"level": str(UNIT).encode(), b"at": str(US0 + 123_457).encode()}


def test_an_untouched_redis_bucket_expires_once_it_would_be_full_again(redis_url, redis_prefix):
    key = f"{redis_prefix}k"
    limit = Limit(per_minute=60, burst=5)  # empty to full: 5 s
    redis_bucket.consume(redis_url, key, limit)
    ttl = redis.Redis.from_url(redis_url).pttl(key)
    assert 0 < ttl <= redis_bucket.ttl_ms(limit) == 6000


def test_a_refused_request_leaves_the_redis_bucket_as_it_was(redis_url, redis_prefix):
    key = f"{redis_prefix}k"
    limit = Limit(per_minute=1, burst=1)
    redis_bucket.take(redis_url, key, limit, now=US0)
    conn = redis.Redis.from_url(redis_url)
    before = conn.hgetall(key)
    assert redis_bucket.take(redis_url, key, limit, now=US0 + 5 * MICROS)[0] is False
    assert conn.hgetall(key) == before


# --- the database ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_database_bucket_refuses_after_its_burst_and_refills_at_its_rate():
    limit = Limit(per_minute=6, burst=2)  # a token every 10 s
    with clock.frozen(T0):
        answers = [db_bucket.consume("client:7", limit) for _ in range(3)]
    assert [d.allowed for d in answers] == [True, True, False]
    assert answers[-1].retry_after_s == 10
    with clock.frozen(T0 + dt.timedelta(seconds=9, microseconds=999_999)):
        assert not db_bucket.consume("client:7", limit).allowed
    with clock.frozen(T0 + dt.timedelta(seconds=10)):
        assert db_bucket.consume("client:7", limit).allowed
        assert not db_bucket.consume("client:7", limit).allowed


@pytest.mark.django_db
def test_a_database_bucket_is_one_row_per_principal_stored_exactly():
    limit = Limit(per_minute=60, burst=4)
    with clock.frozen(T0 + dt.timedelta(microseconds=17)):
        db_bucket.consume("user:1", limit)
        db_bucket.consume("user:1", limit)
        db_bucket.consume("user:2", limit)
    rows = {r.key: r for r in RateBucket.objects.all()}
    assert set(rows) == {"user:1", "user:2"}
    assert rows["user:1"].tokens == 2 * UNIT
    assert db_bucket.to_micros(rows["user:1"].updated_at) == US0 + 17


@pytest.mark.django_db
def test_a_refused_request_leaves_the_database_bucket_as_it_was():
    limit = Limit(per_minute=1, burst=1)
    with clock.frozen(T0):
        db_bucket.consume("user:3", limit)
    before = RateBucket.objects.values().get(key="user:3")
    with clock.frozen(T0 + dt.timedelta(seconds=30)):
        assert not db_bucket.consume("user:3", limit).allowed
    assert RateBucket.objects.values().get(key="user:3") == before


@pytest.mark.django_db
def test_a_database_bucket_and_the_rules_agree():
    limit = Limit(per_minute=90, burst=3)
    stored, gaps = rules.full(limit, US0), [0, 0, 0, 0, 400_000, -1, 300_000, 5 * MICROS, 0, 0]
    now = US0
    for gap in gaps:
        now += gap
        allowed, after = rules.take(stored, limit, now)
        with clock.frozen(db_bucket.from_micros(now)):
            decision = db_bucket.consume("client:9", limit)
        assert decision == rules.decide(allowed, after, limit)
        if allowed:  # a refusal writes nothing
            stored = after
        row = RateBucket.objects.get(key="client:9")
        assert Bucket(row.tokens, db_bucket.to_micros(row.updated_at)) == stored


# --- which store ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_without_redis_the_database_holds_the_buckets(limits):
    limits(url="")
    assert ratelimit.store() == "database"
    assert ratelimit.consume("user:5", Limit(per_minute=60, burst=2)).allowed
    assert RateBucket.objects.filter(key="user:5").exists()


@pytest.mark.django_db
def test_with_redis_the_database_is_not_written(limits, redis_url, redis_prefix):
    limits(url=redis_url, prefix=redis_prefix)
    assert ratelimit.store() == "redis"
    limit = Limit(per_minute=1, burst=2)
    answers = [ratelimit.consume("user:5", limit).allowed for _ in range(3)]
    assert answers == [True, True, False]
    assert not RateBucket.objects.exists()
    assert redis.Redis.from_url(redis_url).exists(f"{redis_prefix}user:5")


@pytest.mark.django_db
def test_an_unreachable_redis_falls_back_to_the_database_still_limiting_and_warns(limits, caplog):
    url = closed_redis_url()
    limits(url=url)
    limit = Limit(per_minute=1, burst=2)
    with caplog.at_level(logging.WARNING, logger="mederp.core.ratelimit"):
        answers = [ratelimit.consume("client:4", limit).allowed for _ in range(3)]
    assert answers == [True, True, False]
    assert RateBucket.objects.filter(key="client:4").exists()
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "not answering" in warnings[0]
    assert ratelimit.store() == "database"  # left alone for a while, not retried per request


def test_the_log_line_never_shows_the_redis_password():
    assert redis_bucket.safe_url("redis://:s3cret@cache.local:6380/2") == (
        "redis://cache.local:6380/2"
    )


@pytest.mark.django_db
def test_a_malformed_redis_url_falls_back_to_the_database_too(limits):
    limits(url="localhost:6379")
    assert ratelimit.consume("user:8", Limit(per_minute=60, burst=1)).allowed
    assert not ratelimit.consume("user:8", Limit(per_minute=60, burst=1)).allowed
    assert RateBucket.objects.filter(key="user:8").exists()
