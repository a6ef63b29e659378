"""Users administration pages (AC-02, AC-05, AC-12; ES-05, ES-06): thin, calling the services."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters

from mederp.core.actors import Actor
from mederp.core.errors import DomainError
from mederp.core.formerrors import apply_domain_error, posted_version
from mederp.core.selectors import record_history
from mederp.core.viewperms import requires
from mederp.identity import admin_selectors, admin_services
from mederp.identity.admin_forms import (
    IdentityVerificationForm,
    PasswordResetForm,
    ReasonRequiredForm,
    UserCreateForm,
    UserEditForm,
)
from mederp.identity.models import SecurityEvent, User


def detail_url_name(user: User) -> str:
    return "identity:apiclient_detail" if user.is_api_client else "identity:user_detail"


def _person(pk: int) -> User:
    return get_object_or_404(User, pk=pk, is_api_client=False)


@requires("identity.view_user")
def user_list(request: HttpRequest) -> HttpResponse:
    qs = admin_selectors.people()
    q = request.GET.get("q", "").strip()
    if q:
        qs = qs.filter(username__icontains=q) | qs.filter(printed_name__icontains=q)
    return render(
        request,
        "identity/admin/user_list.html",
        {"rows": admin_selectors.user_rows(qs), "q": q},
    )


@requires("identity.view_user")
def user_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = get_object_or_404(admin_selectors.people(), pk=pk)
    row = admin_selectors.user_rows(admin_selectors.people().filter(pk=pk))[0]
    events = SecurityEvent.objects.filter(user=user).order_by("-id")[:20]
    return render(
        request,
        "identity/admin/user_detail.html",
        {
            "u": user,
            "row": row,
            "is_self": user.pk == request.user.pk,
            "history": record_history("identity.user", user.pk),
            "security_events": events,
        },
    )


@requires("identity.add_user")
@sensitive_post_parameters("password")
@never_cache
def user_create(request: HttpRequest) -> HttpResponse:
    form = UserCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            user = admin_services.create_person(
                Actor.from_request(request),
                username=d["username"],
                printed_name=d["printed_name"],
                email=d["email"] or "",
                roles=d["roles"],
                password=d["password"],
            )
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            messages.success(request, _("User %(name)s created.") % {"name": user.username})
            return redirect("identity:user_detail", pk=user.pk)
    return render(request, "identity/admin/user_form.html", {"form": form, "creating": True})


@requires("identity.change_user")
def user_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = _person(pk)
    initial = {
        "printed_name": user.printed_name,
        "email": user.email,
        "roles": [g.name for g in user.groups.all()],
    }
    form = UserEditForm(request.POST or None, initial=initial)
    reason_form = ReasonRequiredForm(request.POST or None)
    if request.method == "POST" and form.is_valid() and reason_form.is_valid():
        d = form.cleaned_data
        try:
            admin_services.change_user(
                Actor.from_request(request),
                user.pk,
                reason=reason_form.cleaned_data["reason"],
                expected_version=posted_version(request),
                printed_name=d["printed_name"],
                email=d["email"] or "",
                roles=d["roles"],
            )
        except DomainError as exc:
            apply_domain_error(form, exc, reason_form=reason_form)
        else:
            messages.success(request, _("Changes saved."))
            return redirect("identity:user_detail", pk=user.pk)
    return render(
        request,
        "identity/admin/user_form.html",
        {"form": form, "reason_form": reason_form, "u": user, "creating": False},
    )


def _reason_action(
    request: HttpRequest,
    user: User,
    *,
    title: Any,
    explanation: Any,
    act: Callable[[Actor, str], Any],
    done: Any,
) -> HttpResponse:
    """A confirm page with a reason; on POST call the service, on refusal show its message."""
    form = ReasonRequiredForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            act(Actor.from_request(request), form.cleaned_data["reason"])
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            messages.success(request, str(done) % {"name": user.username})
            return redirect(detail_url_name(user), pk=user.pk)
    return render(
        request,
        "identity/admin/user_action.html",
        {"form": form, "u": user, "title": title, "explanation": explanation},
    )


@requires("identity.change_user")
def user_deactivate(request: HttpRequest, pk: int) -> HttpResponse:
    user = get_object_or_404(User, pk=pk)
    return _reason_action(
        request,
        user,
        title=gettext_lazy("Deactivate account"),
        explanation=gettext_lazy(
            "The account can no longer sign in, sign or call the API. It is kept, with its "
            "history and signatures, and its user name is never given to anyone else."
        ),
        act=lambda actor, reason: admin_services.set_active(
            actor, user.pk, active=False, reason=reason
        ),
        done=gettext_lazy("%(name)s is deactivated."),
    )


@requires("identity.change_user")
def user_reactivate(request: HttpRequest, pk: int) -> HttpResponse:
    user = get_object_or_404(User, pk=pk)
    return _reason_action(
        request,
        user,
        title=gettext_lazy("Reactivate account"),
        explanation=gettext_lazy("The account can sign in again with its current credentials."),
        act=lambda actor, reason: admin_services.set_active(
            actor, user.pk, active=True, reason=reason
        ),
        done=gettext_lazy("%(name)s is active again."),
    )


@requires("identity.change_user")
def user_unlock(request: HttpRequest, pk: int) -> HttpResponse:
    user = _person(pk)
    return _reason_action(
        request,
        user,
        title=gettext_lazy("Unlock account"),
        explanation=gettext_lazy(
            "Lifts the lock set after too many failed attempts and clears the failure count."
        ),
        act=lambda actor, reason: admin_services.unlock_user(actor, user.pk, reason=reason),
        done=gettext_lazy("%(name)s is unlocked."),
    )


@requires("identity.change_user")
@sensitive_post_parameters("temporary_password", "temporary_password_again")
@never_cache
def user_reset_password(request: HttpRequest, pk: int) -> HttpResponse:
    user = _person(pk)
    form = PasswordResetForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            admin_services.reset_password(
                Actor.from_request(request),
                user.pk,
                temporary_password=d["temporary_password"],
                reason=d["reason"],
            )
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            messages.success(
                request,
                _("%(name)s must change the temporary password at the next sign-in.")
                % {"name": user.username},
            )
            return redirect("identity:user_detail", pk=user.pk)
    return render(
        request,
        "identity/admin/user_action.html",
        {
            "form": form,
            "u": user,
            "title": _("Reset password"),
            "explanation": _(
                "Set a temporary password and tell it to the user in person or by phone. The "
                "user must change it at the next sign-in; their two-factor authentication stays."
            ),
        },
    )


@requires("identity.change_user")
def user_verify_identity(request: HttpRequest, pk: int) -> HttpResponse:
    user = _person(pk)
    form = IdentityVerificationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            admin_services.record_identity_verification(
                Actor.from_request(request), user.pk, document=form.document()
            )
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            messages.success(
                request, _("Identity of %(name)s recorded as verified.") % {"name": user.username}
            )
            return redirect("identity:user_detail", pk=user.pk)
    return render(
        request,
        "identity/admin/user_action.html",
        {
            "form": form,
            "u": user,
            "title": _("Record identity verification"),
            "explanation": _(
                "21 CFR 11.100(b): before a person is given signing rights, someone verifies "
                "who they are. You are recorded as the verifier, with today's date and the "
                "document you checked."
            ),
        },
    )
