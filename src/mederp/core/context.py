"""Request-scoped facts (request id, client IP) carried in context variables.

Set by :class:`mederp.core.middleware.RequestContextMiddleware`; CLI commands get a fresh id.
"""

from __future__ import annotations

import contextvars
import uuid

_request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)
_client_ip: contextvars.ContextVar[str | None] = contextvars.ContextVar("client_ip", default=None)


def request_id() -> str:
    value = _request_id.get()
    if value is None:
        value = str(uuid.uuid4())
        _request_id.set(value)
    return value


def client_ip() -> str | None:
    return _client_ip.get()


def bind(*, request_id: str, client_ip: str | None) -> tuple[contextvars.Token, contextvars.Token]:
    return _request_id.set(request_id), _client_ip.set(client_ip)


def reset(tokens: tuple[contextvars.Token, contextvars.Token]) -> None:
    _request_id.reset(tokens[0])
    _client_ip.reset(tokens[1])
