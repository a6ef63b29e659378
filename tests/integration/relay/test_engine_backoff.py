"""Retry waits (issue 7, 1a): exponential with full jitter, capped, ``Retry-After`` a floor."""

from __future__ import annotations

import random

from mederp.integration.relay.backoff import delay


class Highest(random.Random):
    """Always draws the top of the range, to see the ceiling the jitter is taken under."""

    def uniform(self, a: float, b: float) -> float:
        return b


def test_the_ceiling_doubles_with_each_failed_attempt() -> None:
    ceilings = [delay(n, base_s=2, cap_s=3600, rng=Highest()) for n in (1, 2, 3, 4)]
    assert ceilings == [2, 4, 8, 16]


def test_the_ceiling_stops_at_the_cap() -> None:
    assert delay(40, base_s=2, cap_s=3600, rng=Highest()) == 3600
    assert delay(10_000, base_s=2, cap_s=3600, rng=Highest()) == 3600


def test_waits_are_spread_between_zero_and_the_ceiling() -> None:
    rng = random.Random(7)
    waits = [delay(3, base_s=2, cap_s=3600, rng=rng) for _ in range(200)]
    assert all(0 <= w <= 8 for w in waits)
    assert min(waits) < 2 and max(waits) > 6


def test_retry_after_is_a_floor() -> None:
    rng = random.Random(1)
    assert all(delay(1, base_s=2, cap_s=3600, retry_after_s=30, rng=rng) >= 30 for _ in range(50))


def test_retry_after_wins_even_past_the_cap() -> None:
    assert delay(1, base_s=2, cap_s=60, retry_after_s=120) == 120


def test_a_shorter_retry_after_does_not_shorten_the_backoff() -> None:
    assert delay(5, base_s=2, cap_s=3600, retry_after_s=1, rng=Highest()) == 32
