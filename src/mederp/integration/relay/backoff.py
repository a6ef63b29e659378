"""How long a lane waits before its head event is tried again.

Exponential backoff with full jitter (a uniformly random wait between zero and
``base * 2**(attempt-1)``, capped): many receivers failing at once, or many lanes failing
against one receiver, spread their retries instead of hammering it together. A destination's
own ``Retry-After`` is a floor: we never come back sooner than it asked.
"""

from __future__ import annotations

import random

_rng = random.SystemRandom()


def delay(
    attempt: int,
    *,
    base_s: float,
    cap_s: float,
    retry_after_s: float | None = None,
    rng: random.Random | None = None,
) -> float:
    """Seconds to wait after failed attempt number ``attempt`` (1 for the first failure)."""
    exponent = min(max(attempt, 1) - 1, 62)  # 2**62 already exceeds any cap
    ceiling = min(cap_s, base_s * (2**exponent))
    wait = (rng or _rng).uniform(0.0, ceiling)
    if retry_after_s is not None and retry_after_s > wait:
        # The destination's wish wins even past the cap: it knows when it will be back.
        wait = float(retry_after_s)
    return wait
