"""Subscription pages: the list with status and lag, a new subscription (its webhook secret shown
once, in the answer to the POST: never stored, never in the session, never cached), the detail
with patterns, retrying lanes, the delivery log and history, editing with a reason, pause and
resume, and rotating the secret. Thin: every change goes through
:mod:`mederp.integration.services`."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from mederp.core.actors import Actor
from mederp.core.errors import DomainError
from mederp.core.formerrors import apply_domain_error
from mederp.core.selectors import record_history
from mederp.core.viewperms import requires
from mederp.integration import selectors, services
from mederp.integration.forms import (
    DeliveryFilterForm,
    ReasonForm,
    SubscriptionEditForm,
    SubscriptionForm,
    split_patterns,
)
from mederp.integration.models import Subscription, SubscriptionKind

VIEW = "integration.view_subscription"
ADD = "integration.add_subscription"
CHANGE = "integration.change_subscription"
VIEW_LOG = "integration.view_deliveryattempt"
PAGE_SIZE = 50


def _subscription(pk: int) -> Subscription:
    sub = selectors.get_subscription(pk)
    if sub is None:
        raise Http404
    return sub


def _show_secret(
    request: HttpRequest, sub: Subscription, secret: str, *, new: bool
) -> HttpResponse:
    return render(
        request, "integration/secret.html", {"subscription": sub, "secret": secret, "new": new}
    )


@requires(VIEW)
def subscription_list(request: HttpRequest) -> HttpResponse:
    return render(
        request, "integration/subscription_list.html", {"statuses": selectors.relay_status()}
    )


@requires(ADD)
@never_cache
def subscription_create(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = SubscriptionForm(request.POST)
        if form.is_valid():
            try:
                sub, secret = services.create_subscription(
                    Actor.from_request(request), **form.values()
                )
            except DomainError as exc:
                apply_domain_error(form, exc)
            else:
                if secret:
                    return _show_secret(request, sub, secret, new=True)
                messages.success(request, _("Subscription %(name)s created.") % {"name": sub.name})
                return redirect("integration:subscription_detail", pk=sub.pk)
    else:
        form = SubscriptionForm(initial={"kind": SubscriptionKind.WEBHOOK, "start": "now"})
    return render(request, "integration/subscription_form.html", {"form": form})


@requires(VIEW)
def subscription_detail(request: HttpRequest, pk: int) -> HttpResponse:
    sub = _subscription(pk)
    status = selectors.relay_status([sub.pk])[0]
    can_log = request.user.has_perm(VIEW_LOG)
    log_form = DeliveryFilterForm(request.GET or None)
    outcome = log_form.cleaned_data.get("outcome", "") if log_form.is_valid() else ""
    page = None
    if can_log:
        rows = selectors.delivery_log(sub.pk, outcome=outcome)
        page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "integration/subscription_detail.html",
        {
            "subscription": sub,
            "status": status,
            "can_change": request.user.has_perm(CHANGE),
            "can_log": can_log,
            "log_form": log_form,
            "page": page,
            "query": query.urlencode(),
            "reason_form": ReasonForm(),
            "history": record_history("integration.subscription", sub.pk),
        },
    )


@requires(CHANGE)
def subscription_edit(request: HttpRequest, pk: int) -> HttpResponse:
    sub = _subscription(pk)
    if request.method == "POST":
        form = SubscriptionEditForm(request.POST)
        if sub.kind != SubscriptionKind.AMQP:
            del form.fields["exchange"]
        if form.is_valid():
            d = form.cleaned_data
            try:
                services.update_subscription(
                    Actor.from_request(request),
                    sub.pk,
                    reason=d["reason"],
                    url=d["url"],
                    event_types=split_patterns(d["event_types"]),
                    max_attempts=d["max_attempts"],
                    exchange=d.get("exchange") if "exchange" in form.fields else None,
                    expected_version=d["version"],
                )
            except DomainError as exc:
                apply_domain_error(form, exc)
            else:
                messages.success(request, _("Subscription %(name)s changed.") % {"name": sub.name})
                return redirect("integration:subscription_detail", pk=sub.pk)
    else:
        form = SubscriptionEditForm.for_subscription(sub)
    return render(
        request, "integration/subscription_edit.html", {"form": form, "subscription": sub}
    )


def _switch(request: HttpRequest, pk: int, *, active: bool) -> HttpResponse:
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give a reason."))
    else:
        try:
            sub = services.set_active(
                Actor.from_request(request), pk, active=active, reason=form.cleaned_data["reason"]
            )
        except DomainError as exc:
            messages.error(request, exc.render_message())
        else:
            done = _("%(name)s resumed.") if active else _("%(name)s paused.")
            messages.success(request, done % {"name": sub.name})
    return redirect("integration:subscription_detail", pk=pk)


@requires(CHANGE)
@require_POST
def subscription_pause(request: HttpRequest, pk: int) -> HttpResponse:
    return _switch(request, pk, active=False)


@requires(CHANGE)
@require_POST
def subscription_resume(request: HttpRequest, pk: int) -> HttpResponse:
    return _switch(request, pk, active=True)


@requires(CHANGE)
@never_cache
@require_POST
def subscription_rotate(request: HttpRequest, pk: int) -> HttpResponse:
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give a reason."))
        return redirect("integration:subscription_detail", pk=pk)
    try:
        sub, secret = services.rotate_secret(
            Actor.from_request(request), pk, reason=form.cleaned_data["reason"]
        )
    except DomainError as exc:
        messages.error(request, exc.render_message())
        return redirect("integration:subscription_detail", pk=pk)
    assert secret is not None
    return _show_secret(request, sub, secret, new=False)


@requires(VIEW)
def relay_status(request: HttpRequest) -> HttpResponse:
    statuses = selectors.relay_status()
    context: dict[str, Any] = {
        "statuses": statuses,
        "max_lag": max((s.lag_seconds for s in statuses), default=0.0),
        "dead_total": sum(s.dead_letters for s in statuses),
        "retrying_total": sum(len(s.retrying) for s in statuses),
    }
    return render(request, "integration/relay_status.html", context)
