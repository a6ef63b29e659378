"""API rate limits: one token bucket per principal (issue 7, point 3).

:func:`consume` takes one token from a principal's bucket and says whether the request may go
on. Where the bucket lives:

- ``REDIS_URL`` set: in Redis (:mod:`.redis_bucket`), shared by every web process on every host;
- ``REDIS_URL`` empty (the embedded mode): in the database (:mod:`.db_bucket`);
- Redis set but not answering: in the database, with a warning logged. The limit keeps holding
  (never an open door, never a 500); the database bucket starts full, so a principal may get
  one extra burst when Redis goes away. After a failure Redis is left alone for
  :data:`RETRY_AFTER_S` seconds, so a dead server costs one timeout, not one per request.

The rules both stores follow are in :mod:`.rules`. Who is limited, and how much, is decided
by the caller (``identity.ratelimits``): the kernel knows keys and limits, not users.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

import redis
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from mederp.core.errors import DomainError
from mederp.core.ratelimit import db_bucket, redis_bucket
from mederp.core.ratelimit.rules import Decision, Limit

__all__ = ["Decision", "Limit", "RateLimited", "consume", "enabled", "store"]

logger = logging.getLogger(__name__)

#: Seconds a Redis that failed is bypassed before it is tried again.
RETRY_AFTER_S = 5.0
DEFAULT_PREFIX = "mederp:ratelimit:"

_lock = threading.Lock()
_redis_down_until: dict[str, float] = {}


class RateLimited(DomainError):
    """The principal's bucket is empty: 429 with ``Retry-After`` (RFC 6585, RFC 9110)."""

    code = "request.rate_limited"
    message = _(
        "Too many requests. Limit: {per_minute} a minute, {burst} at once; retry after "
        "{retry_after} s."
    )
    http_status = 429

    def __init__(self, decision: Decision) -> None:
        super().__init__(
            per_minute=decision.limit.per_minute,
            burst=decision.limit.burst,
            retry_after=decision.retry_after_s,
        )
        self.decision = decision


def enabled() -> bool:
    return bool(settings.MEDERP_RATE_LIMIT.get("ENABLED", True))


def _config(name: str, default: Any) -> Any:
    return settings.MEDERP_RATE_LIMIT.get(name, default)


def store() -> str:
    """Where buckets are kept right now: ``"redis"`` or ``"database"``."""
    url = settings.REDIS_URL
    return "redis" if url and not _bypassed(url) else "database"


def _bypassed(url: str) -> bool:
    with _lock:
        return _redis_down_until.get(url, 0.0) > time.monotonic()


def _redis_failed(url: str, exc: Exception) -> None:
    with _lock:
        _redis_down_until[url] = time.monotonic() + RETRY_AFTER_S
    logger.warning(
        "rate limits: Redis at %s is not answering (%s); using the database buckets for %ss",
        redis_bucket.safe_url(url),
        exc.__class__.__name__,
        RETRY_AFTER_S,
    )


def consume(key: str, limit: Limit) -> Decision:
    """Take one token from ``key``'s bucket (``client:<id>``, ``user:<id>``)."""
    url = settings.REDIS_URL
    if url and not _bypassed(url):
        try:
            return redis_bucket.consume(url, _config("REDIS_PREFIX", DEFAULT_PREFIX) + key, limit)
        except redis.RedisError as exc:
            _redis_failed(url, exc)
    return db_bucket.consume(key, limit)
