"""Two-factor authentication pages: status, enrolment (and replacement), new recovery codes, and
an administrator's signed reset of someone else's MFA."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from mederp.core.actors import Actor
from mederp.core.errors import DomainError
from mederp.core.formerrors import apply_domain_error
from mederp.core.viewperms import requires, requires_login
from mederp.identity import credentials, mfa
from mederp.identity.forms import CodeForm, EnrolForm, MfaDisableForm
from mederp.identity.models import TotpDevice, User
from mederp.identity.views.login import safe_next

# A replacement seed waits here (encrypted) while the confirmed device stays in force.
SEED_KEY = "mederp.mfa.pending_seed"


def _overview(request: HttpRequest, regenerate_form: CodeForm) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    device = TotpDevice.objects.filter(user=user, confirmed_at__isnull=False).first()
    return render(
        request,
        "identity/mfa.html",
        {
            "device": device,
            "required": credentials.mfa_required(user),
            "recovery_left": mfa.remaining_recovery_codes(user) if device else 0,
            "regenerate_form": regenerate_form,
        },
    )


@requires_login
def mfa_overview(request: HttpRequest) -> HttpResponse:
    return _overview(request, CodeForm())


@requires_login
@sensitive_post_parameters("code", "password")
@never_cache
def mfa_enrol(request: HttpRequest) -> HttpResponse:
    """Set up an authenticator, or replace the current one (AC-07, AC-08)."""
    user: User = request.user  # type: ignore[assignment]
    if request.method == "POST" and "restart" in request.POST:
        request.session.pop(SEED_KEY, None)
        mfa.discard_pending(user)
        return redirect("identity:mfa_enrol")
    seed = mfa.pending_seed(user, request.session.get(SEED_KEY))
    if seed is None:
        seed = mfa.start_enrolment(user)
        if seed.replacing:
            request.session[SEED_KEY] = seed.ciphertext
    form = EnrolForm(request.POST or None, replacing=seed.replacing)
    if request.method == "POST" and form.is_valid():
        try:
            codes = mfa.confirm_enrolment(
                user, seed, form.cleaned_data["code"], password=form.cleaned_data.get("password")
            )
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            request.session.pop(SEED_KEY, None)
            return render(
                request,
                "identity/recovery_codes.html",
                {"codes": codes, "continue_url": safe_next(request, None), "enrolled": True},
            )
    uri = mfa.provisioning_uri(user, seed)
    return render(
        request,
        "identity/mfa_enrol.html",
        {
            "form": form,
            "forced": False,
            "replacing": seed.replacing,
            "qr_svg": mfa.qr_svg(uri),
            "secret": seed.secret,
            "uri": uri,
            "enrolling_user": user,
        },
    )


@requires_login
@sensitive_post_parameters("code")
@never_cache
@require_POST
def mfa_recovery_codes(request: HttpRequest) -> HttpResponse:
    """New recovery codes, proved by a current authenticator code; shown once."""
    form = CodeForm(request.POST)
    if form.is_valid():
        try:
            codes = mfa.regenerate_recovery_codes(
                request.user,  # type: ignore[arg-type]
                form.cleaned_data["code"],
            )
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            return render(
                request,
                "identity/recovery_codes.html",
                {"codes": codes, "continue_url": safe_next(request, None)},
            )
    return _overview(request, form)


@requires("identity.change_user")
@sensitive_post_parameters("password", "totp")
@never_cache
def mfa_disable(request: HttpRequest, pk: int) -> HttpResponse:
    """An administrator disables another user's MFA, signing it (11.200; ES-10, AC-07)."""
    target = get_object_or_404(User, pk=pk, is_api_client=False)
    form = MfaDisableForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            mfa.disable_mfa(
                Actor.from_request(request),
                target,
                password=d["password"],
                totp=d["totp"] or None,
                reason=d["reason"],
                session_key=request.session.session_key,
            )
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            messages.success(
                request,
                _("Two-factor authentication of %(user)s is disabled.") % {"user": target.username},
            )
            return redirect(safe_next(request, request.POST.get("next")))
    return render(
        request,
        "identity/mfa_disable.html",
        {
            "form": form,
            "target": target,
            "target_has_mfa": credentials.has_mfa(target),
            "needs_totp": credentials.signing_needs_totp(
                request.user,  # type: ignore[arg-type]
                request.session.session_key,
            ),
            "next": request.GET.get("next") or request.POST.get("next") or "",
        },
    )
