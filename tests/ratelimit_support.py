"""The real Redis of the rate-limit tests, and a port nothing listens on."""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Iterator

import pytest
import redis

REDIS_URL = os.environ.get("MEDERP_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def closed_redis_url() -> str:
    """A Redis URL on a local port just freed: connecting is refused at once."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"redis://127.0.0.1:{port}/0"


def delete_keys(prefix: str) -> None:
    conn = redis.Redis.from_url(REDIS_URL)
    keys = list(conn.scan_iter(match=f"{prefix}*", count=500))
    if keys:
        conn.delete(*keys)


@pytest.fixture
def redis_url() -> str:
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        pytest.fail(f"Redis is not answering at {REDIS_URL} (.ci/run starts it): {exc}")
    return REDIS_URL


@pytest.fixture
def redis_prefix(redis_url: str) -> Iterator[str]:
    """A key prefix of this test's own; only its keys are deleted afterwards."""
    prefix = f"mederp-test:{uuid.uuid4().hex}:"
    yield prefix
    delete_keys(prefix)
