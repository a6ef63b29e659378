"""Sign-in pages: password, then the authenticator code (or forced enrolment); sign out.

These pages are open (``login_not_required``): the person is not signed in yet. The pending
second step is bound to this browser's session and expires after ``login.STEP_SECONDS``.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import logout as auth_logout
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from mederp.core.errors import DomainError
from mederp.core.formerrors import apply_domain_error
from mederp.identity import credentials, mfa
from mederp.identity import login as signin
from mederp.identity.errors import AccountInactive, AccountLocked, LoginStepExpired
from mederp.identity.forms import EnrolForm, LoginForm, SecondFactorForm
from mederp.identity.models import User

MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


def safe_next(request: HttpRequest, candidate: str | None) -> str:
    """Where to go after signing in: ``next`` only when it stays on this site."""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return resolve_url(settings.LOGIN_REDIRECT_URL)


def _grant(request: HttpRequest, user: User, method: str) -> None:
    """Every factor passed: hand out the Django session, then record the login."""
    if request.user.is_authenticated:
        signin.logout(request.user, request.session.session_key)
    signin.clear_pending(request.session)
    auth_login(request, user, backend=MODEL_BACKEND)
    signin.complete_login(
        user,
        session_key=request.session.session_key or "",
        client_ip=request.META.get("REMOTE_ADDR", ""),
        user_agent=request.META.get("HTTP_USER_AGENT", ""),
        method=method,
    )


def _restart(request: HttpRequest, exc: DomainError) -> HttpResponse:
    signin.clear_pending(request.session)
    messages.error(request, f"{exc.render_message()} [{exc.code}]")
    return redirect("login")


@login_not_required
@sensitive_post_parameters("password")
@csrf_protect
@never_cache
def login_page(request: HttpRequest) -> HttpResponse:
    asked = request.POST.get("next") or request.GET.get("next") or ""
    next_url = safe_next(request, asked)
    if request.method != "POST" and request.user.is_authenticated:
        return redirect(next_url)
    form = LoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = signin.check_password_step(
                form.cleaned_data["username"], form.cleaned_data["password"]
            )
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            step = signin.next_step(user)
            if step is None:
                _grant(request, user, signin.METHOD_PASSWORD)
                return redirect(next_url)
            request.session.cycle_key()
            signin.begin_pending(request.session, user, step, next_url)
            return redirect(
                "identity:login_verify" if step == signin.TOTP else "identity:login_enrol"
            )
    shown_next = asked if next_url == asked else ""
    return render(request, "identity/login.html", {"form": form, "next": shown_next})


@login_not_required
@sensitive_post_parameters("code")
@csrf_protect
@never_cache
def login_verify(request: HttpRequest) -> HttpResponse:
    try:
        pending = signin.pending(request.session)
    except LoginStepExpired as exc:
        return _restart(request, exc)
    if pending.step == signin.ENROL:
        return redirect("identity:login_enrol")
    form = SecondFactorForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            method = signin.check_second_factor(pending.user, form.cleaned_data["code"])
        except (AccountLocked, AccountInactive) as exc:
            return _restart(request, exc)
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            _grant(request, pending.user, method)
            return redirect(safe_next(request, pending.next_url))
    return render(request, "identity/login_verify.html", {"form": form})


@login_not_required
@sensitive_post_parameters("code")
@csrf_protect
@never_cache
def login_enrol(request: HttpRequest) -> HttpResponse:
    """Forced enrolment (AC-04): a user whose role needs MFA sets it up before the session."""
    try:
        pending = signin.pending(request.session)
    except LoginStepExpired as exc:
        return _restart(request, exc)
    user = pending.user
    if pending.step != signin.ENROL or credentials.has_mfa(user):
        signin.begin_pending(request.session, user, signin.TOTP, pending.next_url)
        return redirect("identity:login_verify")
    seed = mfa.pending_seed(user) or mfa.start_enrolment(user)
    form = EnrolForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            codes = mfa.confirm_enrolment(user, seed, form.cleaned_data["code"])
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            _grant(request, user, signin.METHOD_ENROLMENT)
            return render(
                request,
                "identity/recovery_codes.html",
                {"codes": codes, "continue_url": safe_next(request, pending.next_url)},
            )
    uri = mfa.provisioning_uri(user, seed)
    return render(
        request,
        "identity/mfa_enrol.html",
        {
            "form": form,
            "forced": True,
            "qr_svg": mfa.qr_svg(uri),
            "secret": seed.secret,
            "uri": uri,
            "enrolling_user": user,
        },
    )


@login_not_required
@require_POST
def logout_page(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        signin.logout(request.user, request.session.session_key)
    auth_logout(request)
    messages.info(request, _("You have signed out."))
    return redirect(settings.LOGOUT_REDIRECT_URL)
