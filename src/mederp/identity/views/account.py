"""My account: change password (AC-05) and my sessions (AC-09)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import logout as auth_logout
from django.contrib.auth import update_session_auth_hash
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from mederp.core.actors import Actor
from mederp.core.errors import DomainError
from mederp.core.formerrors import apply_domain_error
from mederp.core.viewperms import requires_login
from mederp.identity import passwords, sessions
from mederp.identity.forms import PasswordChangeForm
from mederp.identity.models import User, UserSession
from mederp.identity.views.login import safe_next


@requires_login
@sensitive_post_parameters("old_password", "new_password1", "new_password2")
@never_cache
def password_change(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    expired = passwords.is_expired(user)
    form = PasswordChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            passwords.change_password(
                user, d["old_password"], d["new_password1"], d["new_password2"]
            )
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            old_key = request.session.session_key
            # Django rotates the session key and signs every other session out (their stored
            # password hash no longer matches); our session rows follow.
            update_session_auth_hash(request, user)
            sessions.rekey(old_key, request.session.session_key)
            sessions.end_others(
                user,
                keep=request.session.session_key,
                reason=sessions.PASSWORD_CHANGED,
                actor=Actor.for_user(user),
            )
            messages.success(request, _("Your password was changed."))
            return redirect(safe_next(request, request.GET.get("next")))
    return render(
        request,
        "identity/password_change.html",
        {"form": form, "expired": expired, "must_change": user.must_change_password},
    )


@requires_login
def my_sessions(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    sessions.sweep(user)
    rows = [
        {
            "session": s,
            "browser": sessions.describe_user_agent(s.user_agent),
            "current": s.session_key == request.session.session_key,
        }
        for s in sessions.open_sessions(user)
    ]
    return render(request, "identity/my_sessions.html", {"rows": rows})


@requires_login
@require_POST
def session_end(request: HttpRequest, pk: int) -> HttpResponse:
    """End one of my sessions; another user's session is not found (404), never ended."""
    session = get_object_or_404(UserSession, pk=pk, user=request.user, ended_at__isnull=True)
    current = session.session_key == request.session.session_key
    sessions.end(session, sessions.ENDED_BY_USER, actor=Actor.from_request(request))
    if current:
        auth_logout(request)
        messages.info(request, _("This session was ended. Sign in again."))
        return redirect("login")
    messages.success(request, _("The session was ended."))
    return redirect("identity:my_sessions")
