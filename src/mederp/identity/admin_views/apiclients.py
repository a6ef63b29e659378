"""API clients and their keys (AC-07, ES-11). A new secret is shown once, in the answer to the
POST that made it: never stored, never put in the session, never cached by the browser."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from mederp.core.actors import Actor
from mederp.core.errors import DomainError
from mederp.core.formerrors import apply_domain_error
from mederp.core.selectors import record_history
from mederp.core.viewperms import requires
from mederp.identity import apiclients, ratelimits, services, tokens
from mederp.identity.admin_forms import (
    ApiClientCreateForm,
    KeyIssueForm,
    KeyRotateForm,
    ReasonRequiredForm,
)
from mederp.identity.models import ApiCall, ApiToken, User


def _client(pk: int) -> User:
    return get_object_or_404(User, pk=pk, is_api_client=True)


def _key(client: User, key_pk: int) -> ApiToken:
    return get_object_or_404(ApiToken, pk=key_pk, user=client)


def _show_secret(request: HttpRequest, client: User, secret: str, key: Any) -> HttpResponse:
    """The answer to the POST that made the key; its views are ``never_cache`` (no-store)."""
    return render(
        request,
        "identity/admin/key_secret.html",
        {"client": client, "secret": secret, "key": key},
    )


def _with_state(keys: Any) -> list[ApiToken]:
    result = list(keys)
    for k in result:
        k.state = tokens.state(k)
    return result


@requires("identity.view_apitoken")
def apiclient_list(request: HttpRequest) -> HttpResponse:
    rows = []
    for c in apiclients.api_clients():
        keys = _with_state(c.api_tokens.all())
        used = [k.last_used_at for k in keys if k.last_used_at is not None]
        rows.append(
            {
                "client": c,
                "working_keys": sum(1 for k in keys if tokens.state(k) == "active"),
                "last_used": max(used) if used else None,
                "rate_limit": ratelimits.limit_view(c),
            }
        )
    return render(request, "identity/admin/apiclient_list.html", {"rows": rows})


@requires("identity.view_apitoken")
def apiclient_detail(request: HttpRequest, pk: int) -> HttpResponse:
    client = _client(pk)
    return render(
        request,
        "identity/admin/apiclient_detail.html",
        {
            "client": client,
            "roles": sorted(g.name for g in client.groups.all()),
            "keys": _with_state(apiclients.keys_of(client)),
            "rate_limit": ratelimits.limit_view(client),
            "issue_form": KeyIssueForm(),
            "history": record_history("identity.user", client.pk),
            "calls": ApiCall.objects.filter(user=client).select_related("token")[:20],
        },
    )


@requires("identity.add_user", "identity.add_apitoken")
@never_cache
def apiclient_create(request: HttpRequest) -> HttpResponse:
    form = ApiClientCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            client, secret = services.create_api_client(
                Actor.from_request(request),
                name=d["name"],
                roles=d["roles"],
                scopes=d["scopes"],
                expires_at=d["expires_at"],
            )
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            key = apiclients.keys_of(client).first()
            return _show_secret(request, client, secret, key)
    return render(request, "identity/admin/apiclient_form.html", {"form": form})


@requires("identity.add_apitoken")
@never_cache
def key_issue(request: HttpRequest, pk: int) -> HttpResponse:
    client = _client(pk)
    form = KeyIssueForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            key, secret = apiclients.issue_key(
                Actor.from_request(request),
                client.pk,
                name=d["name"],
                scopes=d["scopes"],
                expires_at=d["expires_at"],
            )
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            return _show_secret(request, client, secret, key)
    return render(
        request, "identity/admin/key_form.html", {"form": form, "client": client, "rotate": False}
    )


@requires("identity.add_apitoken", "identity.change_apitoken")
@never_cache
def key_rotate(request: HttpRequest, pk: int, key_pk: int) -> HttpResponse:
    client = _client(pk)
    key = _key(client, key_pk)
    form = KeyRotateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            new, secret = apiclients.rotate_key(
                Actor.from_request(request),
                key.pk,
                grace_seconds=d["grace_seconds"],
                reason=d["reason"],
            )
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            return _show_secret(request, client, secret, new)
    return render(
        request,
        "identity/admin/key_form.html",
        {"form": form, "client": client, "key": key, "rotate": True},
    )


@requires("identity.change_apitoken")
def key_revoke(request: HttpRequest, pk: int, key_pk: int) -> HttpResponse:
    client = _client(pk)
    key = _key(client, key_pk)
    form = ReasonRequiredForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            apiclients.revoke_key(
                Actor.from_request(request), key.pk, reason=form.cleaned_data["reason"]
            )
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            messages.success(request, _("Key %(prefix)s is revoked.") % {"prefix": key.prefix})
            return redirect("identity:apiclient_detail", pk=client.pk)
    return render(
        request,
        "identity/admin/user_action.html",
        {
            "form": form,
            "u": client,
            "title": _("Revoke API key %(prefix)s") % {"prefix": key.prefix},
            "explanation": _("The key stops working at once: its next request is refused."),
        },
    )
