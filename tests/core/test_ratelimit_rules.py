"""The token bucket's arithmetic, without I/O (issue 7, point 3).

Properties: in any window of t microseconds at most ``burst + per_minute * t / 60e6`` requests
are accepted; the level is never negative nor above the burst; a refused request told to retry
after its wait is accepted then.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mederp.core.ratelimit.rules import (
    MAX_BURST,
    MAX_PER_MINUTE,
    MICROS,
    UNIT,
    Bucket,
    Limit,
    decide,
    full,
    refill,
    take,
)

T0 = 1_767_225_600 * MICROS  # 2026-01-01T00:00:00Z in microseconds

limits = st.builds(
    Limit,
    per_minute=st.integers(min_value=1, max_value=100_000),
    burst=st.integers(min_value=1, max_value=50),
)
# Gaps between requests: often none (a burst), sometimes up to two minutes.
gaps = st.lists(
    st.one_of(st.just(0), st.integers(min_value=0, max_value=120 * MICROS)), max_size=120
)


def run(limit: Limit, gaps: list[int]) -> list[tuple[int, bool, Bucket]]:
    bucket, now, answers = full(limit, T0), T0, []
    for gap in gaps:
        now += gap
        allowed, bucket = take(bucket, limit, now)
        answers.append((now, allowed, bucket))
    return answers


@given(limits, gaps)
def test_no_window_accepts_more_than_the_burst_plus_the_refill(limit, gaps):
    accepted = [now for now, allowed, _b in run(limit, gaps) if allowed]
    for i, start in enumerate(accepted):
        for j in range(i, len(accepted)):
            count = j - i + 1
            window = accepted[j] - start
            assert count * UNIT <= limit.capacity + limit.per_minute * window


@given(limits, gaps)
def test_the_level_is_never_negative_nor_above_the_burst(limit, gaps):
    for _now, _allowed, bucket in run(limit, gaps):
        assert 0 <= bucket.level <= limit.capacity


@given(
    limits,
    st.integers(min_value=0, max_value=MAX_BURST * UNIT),
    st.integers(min_value=0, max_value=10**12),
)
def test_refill_is_capped_at_the_burst(limit, level, elapsed):
    after = refill(Bucket(level, T0), limit, T0 + elapsed)
    assert after.level <= limit.capacity
    assert after.level == min(
        limit.capacity, min(level, limit.capacity) + elapsed * limit.per_minute
    )


@given(limits, gaps)
def test_a_refused_request_is_accepted_after_the_wait_it_was_told(limit, gaps):
    for now, allowed, bucket in run(limit, gaps):
        if not allowed:
            decision = decide(allowed, bucket, limit)
            assert decision.retry_after_s >= 1
            again, _ = take(bucket, limit, now + decision.retry_after_s * MICROS)
            assert again


@given(limits)
def test_a_full_bucket_accepts_exactly_its_burst_at_one_instant(limit):
    answers = run(limit, [0] * (limit.burst + 3))
    assert [a for _n, a, _b in answers] == [True] * limit.burst + [False] * 3


def test_tokens_come_back_at_the_exact_rate():
    limit = Limit(per_minute=6, burst=1)  # one token every 10 s
    allowed, empty = take(full(limit, T0), limit, T0)
    assert allowed
    assert take(empty, limit, T0 + 10 * MICROS - 1)[0] is False
    assert take(empty, limit, T0 + 10 * MICROS)[0] is True


def test_a_refusal_says_when_to_retry_and_when_the_bucket_is_full_again():
    limit = Limit(per_minute=6, burst=3)
    bucket = full(limit, T0)
    for _ in range(3):
        _allowed, bucket = take(bucket, limit, T0)
    allowed, bucket = take(bucket, limit, T0 + 4 * MICROS)
    decision = decide(allowed, bucket, limit)
    assert not allowed
    assert decision.retry_after_s == 6  # the first token is back 10 s after the burst
    assert decision.reset_s == 26  # all three: 30 s after the burst
    assert decision.remaining == 0
    assert decision.headers() == {
        "RateLimit-Limit": "3",
        "RateLimit-Remaining": "0",
        "RateLimit-Reset": "26",
        "Retry-After": "6",
    }


def test_an_accepted_request_carries_no_retry_after():
    limit = Limit(per_minute=60, burst=5)
    allowed, bucket = take(full(limit, T0), limit, T0)
    decision = decide(allowed, bucket, limit)
    assert decision.remaining == 4 and decision.retry_after_s == 0
    assert "Retry-After" not in decision.headers()


def test_a_clock_that_goes_back_adds_nothing_and_counts_no_time_twice():
    limit = Limit(per_minute=60, burst=1)  # one token a second
    _a, empty = take(full(limit, T0), limit, T0)
    earlier = refill(empty, limit, T0 - 5 * MICROS)
    assert earlier == Bucket(0, T0)
    assert take(earlier, limit, T0 + MICROS - 1)[0] is False
    assert take(earlier, limit, T0 + MICROS)[0] is True


def test_a_lowered_limit_caps_a_fuller_bucket():
    before = full(Limit(per_minute=60, burst=100), T0)
    lowered = Limit(per_minute=60, burst=2)
    assert refill(before, lowered, T0).level == lowered.capacity


@pytest.mark.parametrize(
    "per_minute,burst",
    [(0, 1), (1, 0), (-5, 10), (MAX_PER_MINUTE + 1, 1), (1, MAX_BURST + 1)],
)
def test_a_limit_outside_the_safe_range_is_refused(per_minute, burst):
    with pytest.raises(ValueError):
        Limit(per_minute=per_minute, burst=burst)


def test_the_largest_bucket_stays_exact_in_a_double():
    """The Redis script computes in Lua doubles: levels stay below 2**53, so they are exact;
    it adds ``elapsed * rate`` only when that is below the missing amount (itself below the
    capacity), and a larger product, inexact or not, only ever compares as "full"."""
    assert Limit(MAX_PER_MINUTE, MAX_BURST).capacity < 2**53
