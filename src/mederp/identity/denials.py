"""Refused requests are security events (issue 3 §8; AT-12; 21 CFR 11.300(d)).

Every response that refuses a request, 401 or 403, from the UI (``core.viewperms`` raises
Django's PermissionDenied; CSRF failures) or from the API (no or bad credentials, a permission
or scope the principal lacks), is recorded once in the security log with the principal (user or
anonymous), source IP, target (method and path, never the query string, which may carry
secrets) and time. ``securitylog.record`` raises the burst alert.

One refused request is one event: when something more specific was already recorded for the
request (a refused API key, a failed or refused signature, a failed login), the generic
``access_denied`` is not added, so bursts count requests, not layers.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse

from mederp.core import clock, context
from mederp.identity import securitylog
from mederp.identity.models import SecurityEvent, User

DENIED_STATUSES = (401, 403)
_RECORDED = "_mederp_refusal_recorded"
_CODE = "_mederp_refusal_code"


def target_of(request: HttpRequest) -> str:
    return f"{request.method} {request.path}"[:300]


def principal_of(request: HttpRequest) -> User | None:
    user = getattr(request, "user", None)
    if isinstance(user, User) and user.is_authenticated:
        return user
    return None


def note_code(request: HttpRequest, code: str) -> None:
    """Remember the refusal's error code, for the event's detail (called by the API's handlers)."""
    setattr(request, _CODE, code)


def record_refusal(
    request: HttpRequest,
    kind: str,
    *,
    user: User | None = None,
    detail: dict[str, Any] | None = None,
) -> SecurityEvent:
    """Record a refusal of ``request`` now, and mark the request so it is not recorded twice."""
    event = securitylog.record(
        kind, user=user or principal_of(request), target=target_of(request), detail=detail
    )
    setattr(request, _RECORDED, True)
    return event


def _already_recorded(request: HttpRequest, started: dt.datetime) -> bool:
    if getattr(request, _RECORDED, False):
        return True
    # A signature or login failure recorded by the credential checks during this request.
    return SecurityEvent.objects.filter(
        occurred_at__gte=started,
        request_id=context.request_id(),
        kind__in=securitylog.DENIAL_KINDS,
    ).exists()


class DenialMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = clock.now()
        response = self.get_response(request)
        if response.status_code in DENIED_STATUSES and not _already_recorded(request, started):
            detail: dict[str, Any] = {"status": response.status_code}
            code = getattr(request, _CODE, "")
            if code:
                detail["code"] = code
            record_refusal(request, securitylog.ACCESS_DENIED, detail=detail)
        return response
