"""Request-time identity rules: deny by default, session timeouts, password expiry.

- :class:`LoginRequiredMiddleware` (invariant 9): every UI URL needs a signed-in user. The API
  under /api/ is exempt here only because it authenticates itself (session or bearer) and
  answers 401 JSON instead of redirecting to a login page.
- :class:`SessionPolicyMiddleware` (AC-09; ES-09): idle and absolute timeouts end the session.
- :class:`PasswordExpiryMiddleware` (AC-05): an expired or administrator-set password must be
  changed before anything else.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.middleware import LoginRequiredMiddleware as DjangoLoginRequired
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, resolve_url
from django.urls import reverse
from django.utils.translation import gettext as _

from mederp.core.errors import DomainError
from mederp.identity import passwords, sessions
from mederp.identity.errors import PasswordExpired, SessionExpired
from mederp.identity.models import User
from mederp.identity.policy import seconds

API_PREFIX = "/api/"


class LoginRequiredMiddleware(DjangoLoginRequired):
    def process_view(
        self, request: HttpRequest, view_func: Any, view_args: Any, view_kwargs: Any
    ) -> Any:
        if request.path_info.startswith(API_PREFIX):
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)


def _error_json(exc: DomainError, **details: Any) -> JsonResponse:
    return JsonResponse(
        {"code": exc.code, "message": exc.render_message(), "details": details},
        status=exc.http_status,
    )


def _signed_in_person(request: HttpRequest) -> User | None:
    user = getattr(request, "user", None)
    if isinstance(user, User) and user.is_authenticated and not user.is_api_client:
        return user
    return None


class SessionPolicyMiddleware:
    """Ends a session past its idle or absolute timeout (Django logout, session row ended,
    SESSION_EXPIRED security event); the UI is sent to the login page with a message, the API
    answers 401 JSON. A session made without our login view (``Client.force_login`` in tests,
    a session created before this middleware) gets its row on its first request."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = _signed_in_person(request)
        if user is not None:
            refused = self._enforce(request, user)
            if refused is not None:
                return refused
        return self.get_response(request)

    def _enforce(self, request: HttpRequest, user: User) -> HttpResponse | None:
        key = request.session.session_key
        if not key:
            return None
        session = sessions.for_key(key)
        if session is None:
            sessions.start(
                user,
                key,
                client_ip=request.META.get("REMOTE_ADDR", ""),
                user_agent=request.META.get("HTTP_USER_AGENT", ""),
            )
            return None
        if session.user_id != user.pk or session.ended_at is not None:
            reason = session.end_reason or sessions.ENDED_BY_USER
        else:
            expired = sessions.expiry_reason(session)
            if expired is None:
                sessions.touch(session)
                return None
            reason = expired
            sessions.end(session, reason)
        logout(request)
        return self._ended(request, reason)

    def _ended(self, request: HttpRequest, reason: str) -> HttpResponse:
        if request.path_info.startswith(API_PREFIX):
            return _error_json(SessionExpired(), reason=reason)
        if reason == sessions.IDLE_TIMEOUT:
            minutes = max(1, seconds("IDLE_TIMEOUT_SECONDS") // 60)
            text = _("You were signed out after %(minutes)d minutes without activity.") % {
                "minutes": minutes
            }
        elif reason == sessions.ABSOLUTE_TIMEOUT:
            text = _("Your session reached its maximum length. Sign in again.")
        else:
            text = _("This session was ended. Sign in again.")
        messages.warning(request, text)
        login_url = resolve_url(settings.LOGIN_URL)
        if request.method == "GET":
            login_url += "?" + urlencode({"next": request.get_full_path()})
        return redirect(login_url)


class PasswordExpiryMiddleware:
    """Sends every UI request to the change-password page while the password is expired or was
    set by an administrator; session API calls get 403 ``identity.password_expired``."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = _signed_in_person(request)
        if user is not None and passwords.is_expired(user) and not self._exempt(request):
            if request.path_info.startswith(API_PREFIX):
                return _error_json(PasswordExpired())
            change = reverse("identity:password_change")
            return redirect(f"{change}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)

    @staticmethod
    def _exempt(request: HttpRequest) -> bool:
        path = request.path_info
        if path.startswith(API_PREFIX):
            # A bearer key is a client's credential, not this person's password.
            return "HTTP_AUTHORIZATION" in request.META
        static = "/" + settings.STATIC_URL.lstrip("/")
        open_paths = (
            reverse("identity:password_change"),
            reverse("logout"),
            reverse("login"),
            reverse("healthz"),
        )
        return path in open_paths or path.startswith((static, "/i18n/"))
