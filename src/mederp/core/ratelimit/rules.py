"""The token bucket, as pure arithmetic: no clock, no database, no Redis.

A bucket holds at most ``burst`` tokens and refills at ``per_minute`` tokens a minute; a request
takes one token or is refused. Both stores (``redis_bucket`` and ``db_bucket``) apply exactly
these rules, so whichever serves a request, the answer is the same.

Exact integers, never floats: one token is :data:`UNIT` = 60,000,000 units, so a limit of N per
minute refills exactly N units per microsecond and times are whole microseconds. Nothing is
rounded, nothing drifts, and the Redis script (Lua numbers are doubles, exact below 2**53)
computes the same values: the largest level, ``MAX_BURST * UNIT`` = 6e13, is far below 2**53.

Guarantees (property-tested): the level never goes below zero nor above ``burst``; in any
window of ``t`` microseconds at most ``burst + per_minute * t / 60e6`` requests are accepted.
"""

from __future__ import annotations

from dataclasses import dataclass

#: Units per token: a rate of N tokens a minute is N units a microsecond.
UNIT = 60_000_000
MICROS = 1_000_000
MAX_PER_MINUTE = 1_000_000
MAX_BURST = 1_000_000


@dataclass(frozen=True)
class Limit:
    """Sustained requests per minute and the burst a full bucket allows at once."""

    per_minute: int
    burst: int

    def __post_init__(self) -> None:
        if not 1 <= self.per_minute <= MAX_PER_MINUTE:
            raise ValueError(f"per_minute must be 1..{MAX_PER_MINUTE}, not {self.per_minute}")
        if not 1 <= self.burst <= MAX_BURST:
            raise ValueError(f"burst must be 1..{MAX_BURST}, not {self.burst}")

    @property
    def capacity(self) -> int:
        """A full bucket, in units."""
        return self.burst * UNIT

    def micros_to_full(self, level: int) -> int:
        """Microseconds until a bucket at ``level`` units is full again."""
        return _ceil_div(max(0, self.capacity - level), self.per_minute)


@dataclass(frozen=True)
class Bucket:
    """A bucket's state: ``level`` units of tokens as of ``at`` (microseconds since the epoch)."""

    level: int
    at: int


@dataclass(frozen=True)
class Decision:
    """The answer to one request, with what a client needs to pace itself (the headers)."""

    allowed: bool
    limit: Limit
    remaining: int  # whole tokens left after this request
    retry_after_s: int  # 0 when allowed; else whole seconds until one token is back, at least 1
    reset_s: int  # whole seconds until the bucket is full again

    def headers(self) -> dict[str, str]:
        """``RateLimit-*`` (IETF httpapi draft) and, on a refusal, ``Retry-After`` (RFC 9110)."""
        out = {
            "RateLimit-Limit": str(self.limit.burst),
            "RateLimit-Remaining": str(self.remaining),
            "RateLimit-Reset": str(self.reset_s),
        }
        if not self.allowed:
            out["Retry-After"] = str(self.retry_after_s)
        return out


def _ceil_div(a: int, b: int) -> int:
    return -(-a // b)


def full(limit: Limit, now: int) -> Bucket:
    """A bucket never used (or forgotten after it refilled): full."""
    return Bucket(limit.capacity, now)


def refill(bucket: Bucket, limit: Limit, now: int) -> Bucket:
    """The bucket at ``now``: topped up for the time since ``bucket.at``, never above capacity.

    A clock that went back (``now`` before ``at``) adds nothing and keeps the later stamp, so
    the time is never counted twice. A limit lowered since the last request caps the level."""
    level = min(bucket.level, limit.capacity)
    if now <= bucket.at:
        return Bucket(level, bucket.at)
    gained = (now - bucket.at) * limit.per_minute
    return Bucket(min(limit.capacity, level + gained), now)


def take(bucket: Bucket, limit: Limit, now: int) -> tuple[bool, Bucket]:
    """Take one token at ``now``: whether the request is allowed, and the bucket after it."""
    current = refill(bucket, limit, now)
    if current.level >= UNIT:
        return True, Bucket(current.level - UNIT, current.at)
    return False, current


def decide(allowed: bool, after: Bucket, limit: Limit) -> Decision:
    """The :class:`Decision` for a request whose bucket is ``after`` once it was answered."""
    retry_s = 0
    if not allowed:
        retry_s = max(1, _ceil_div(_ceil_div(UNIT - after.level, limit.per_minute), MICROS))
    return Decision(
        allowed=allowed,
        limit=limit,
        remaining=after.level // UNIT,
        retry_after_s=retry_s,
        reset_s=_ceil_div(limit.micros_to_full(after.level), MICROS),
    )
