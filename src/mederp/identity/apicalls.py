"""The API's bearer-key check and the record of every call made with a key (AC-07, AT-12).

:func:`authenticate_bearer` is what ``config.api.BearerAuth`` calls. An accepted key puts its
client on ``request.user`` and its scopes on ``request.api_scopes`` (checked by
``core.apiperms.require_perm``). A refused key (unknown, wrong secret, revoked, expired, client
deactivated) is written to the security log as ``api_key_refused`` with the key's prefix and the
reason, never the secret.

:class:`ApiCallMiddleware` writes one ``ApiCall`` row per request that presented a known key,
after the response, so refused calls (401, 403, 422) are recorded as well as successful ones.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.http import HttpRequest, HttpResponse

from mederp.core import clock, context
from mederp.identity import denials, securitylog, tokens
from mederp.identity.models import ApiCall, ApiToken


def authenticate_bearer(request: HttpRequest, raw: str) -> Any:
    """The client behind an accepted key, or ``None`` (the refusal is security-logged)."""
    result = tokens.check_token(raw)
    if result.token is not None:
        request.api_token = result.token  # type: ignore[attr-defined]
    if not result.accepted or result.token is None:
        detail: dict[str, Any] = {"reason": result.refusal, "status": 401}
        if result.prefix:
            detail["prefix"] = result.prefix
        denials.record_refusal(
            request,
            securitylog.API_KEY_REFUSED,
            user=result.token.user if result.token is not None else None,
            detail=detail,
        )
        return None
    request.user = result.token.user
    request.api_scopes = frozenset(result.token.scopes)  # type: ignore[attr-defined]
    return result.token.user


def record_call(request: HttpRequest, token: ApiToken, status_code: int) -> ApiCall:
    now = clock.now()
    with transaction.atomic():
        call = ApiCall.objects.create(
            occurred_at=now,
            token=token,
            user_id=token.user_id,
            method=(request.method or "")[:8],
            path=request.path[:500],
            status_code=status_code,
            client_ip=context.client_ip() or "",
            request_id=context.request_id(),
        )
        if getattr(request, "api_scopes", None) is not None:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return call


class ApiCallMiddleware:
    """Records the call after the view has answered, whatever the answer was."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        token = getattr(request, "api_token", None)
        if token is not None:
            record_call(request, token, response.status_code)
        return response
