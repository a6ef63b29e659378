"""The token bucket in Redis: one Lua script reads the level and its time, refills, takes a
token and writes back with a TTL, atomically (Redis runs a script alone), so any number of web
processes on any number of hosts share one bucket per principal without a lock of their own.

Time is the Redis server's ``TIME``, not the web host's clock: every process sharing a bucket
then reads the same clock, so a host whose clock runs ahead cannot mint tokens and one that
lags cannot starve the others (DESIGN: web processes are stateless on M hosts). The script
accepts an explicit time only so the tests can prove it computes exactly what
:mod:`mederp.core.ratelimit.rules` computes; the service never passes one.

The arithmetic mirrors ``rules.refill`` and ``rules.take`` line for line. Levels and times are
written with ``%.0f``: Lua's default number formatting keeps 14 significant digits and would
round a microsecond timestamp (16 digits).
"""

from __future__ import annotations

import threading
from typing import Any
from urllib.parse import urlsplit

import redis

from mederp.core.ratelimit import rules

# KEYS[1]: the bucket. ARGV: per_minute (units per microsecond), capacity, UNIT, ttl in ms,
# and optionally the time in microseconds (tests only). Returns {allowed (0|1), level, at}.
SCRIPT = """
local rate = tonumber(ARGV[1])
local capacity = tonumber(ARGV[2])
local unit = tonumber(ARGV[3])
local ttl = tonumber(ARGV[4])
local now
if ARGV[5] then
  now = tonumber(ARGV[5])
else
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000000 + tonumber(t[2])
end
local state = redis.call('HMGET', KEYS[1], 'level', 'at')
local level = tonumber(state[1])
local at = tonumber(state[2])
if level == nil or at == nil then
  level = capacity
  at = now
end
if level > capacity then
  level = capacity
end
if now > at then
  local elapsed = now - at
  if elapsed * rate >= capacity - level then
    level = capacity
  else
    level = level + elapsed * rate
  end
  at = now
end
local allowed = 0
if level >= unit then
  level = level - unit
  allowed = 1
  redis.call('HSET', KEYS[1], 'level', string.format('%.0f', level),
             'at', string.format('%.0f', at))
  redis.call('PEXPIRE', KEYS[1], ttl)
end
return {allowed, string.format('%.0f', level), string.format('%.0f', at)}
"""

_lock = threading.Lock()
_scripts: dict[str, Any] = {}

#: Seconds to wait for Redis before falling back: a request must not hang on a dead server.
TIMEOUT_S = 0.5


def script(url: str) -> Any:
    """The registered script (sent by SHA, loaded again if Redis forgot it) on one client and
    its thread-safe connection pool per URL, per process."""
    with _lock:
        found = _scripts.get(url)
        if found is None:
            try:
                conn = redis.Redis.from_url(
                    url, socket_connect_timeout=TIMEOUT_S, socket_timeout=TIMEOUT_S
                )
            except ValueError as exc:  # a malformed REDIS_URL is a Redis that cannot answer
                raise redis.ConnectionError(f"REDIS_URL is not a Redis URL: {exc}") from exc
            found = _scripts[url] = conn.register_script(SCRIPT)
        return found


def safe_url(url: str) -> str:
    """The URL without its password, for a log line."""
    parts = urlsplit(url)
    try:
        port = str(parts.port or 6379)
    except ValueError:
        port = "?"
    return f"{parts.scheme}://{parts.hostname or ''}:{port}{parts.path}"


def ttl_ms(limit: rules.Limit) -> int:
    """How long an untouched bucket is kept: until it would be full again, and a second more
    (a forgotten bucket reads as full, which is what it would be by then)."""
    return -(-limit.micros_to_full(0) // 1000) + 1000


def take(
    url: str, key: str, limit: rules.Limit, *, now: int | None = None
) -> tuple[bool, rules.Bucket]:
    """Run the script on ``key``: whether the request is allowed, and the bucket after it.
    Raises ``redis.RedisError`` when Redis cannot answer."""
    args: list[Any] = [limit.per_minute, limit.capacity, rules.UNIT, ttl_ms(limit)]
    if now is not None:
        args.append(now)
    allowed, level, at = script(url)(keys=[key], args=args)
    return bool(int(allowed)), rules.Bucket(int(level), int(at))


def consume(url: str, key: str, limit: rules.Limit) -> rules.Decision:
    """Take one token from the bucket stored at ``key``, by the Redis server's clock. Raises
    ``redis.RedisError`` when Redis cannot answer (the caller falls back to the database)."""
    allowed, after = take(url, key, limit)
    return rules.decide(allowed, after, limit)
