"""An API client's own rate limit, changed with a reason (issue 7; AT-04)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from mederp.core.actors import Actor
from mederp.core.errors import DomainError
from mederp.core.formerrors import apply_domain_error
from mederp.core.viewperms import requires
from mederp.identity import ratelimits
from mederp.identity.admin_forms import ApiClientLimitForm
from mederp.identity.models import User


@requires("identity.change_apitoken")
def apiclient_limit(request: HttpRequest, pk: int) -> HttpResponse:
    client = get_object_or_404(User, pk=pk, is_api_client=True)
    form = ApiClientLimitForm(
        request.POST or None,
        default=ratelimits.default_limit(client),
        initial={"per_minute": client.rate_limit_per_minute, "burst": client.rate_limit_burst},
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            ratelimits.set_client_limit(
                Actor.from_request(request),
                client.pk,
                per_minute=d["per_minute"],
                burst=d["burst"],
                reason=d["reason"],
            )
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            messages.success(
                request, _("The rate limit of %(name)s is saved.") % {"name": client.username}
            )
            return redirect("identity:apiclient_detail", pk=client.pk)
    shown = ratelimits.limit_view(client)
    return render(
        request,
        "identity/admin/user_action.html",
        {
            "form": form,
            "u": client,
            "title": _("Rate limit of %(name)s") % {"name": client.username},
            "explanation": _(
                "Now %(per_minute)s requests a minute, %(burst)s at once. A request beyond the "
                "limit is refused with 429 and told when to retry."
            )
            % shown,
        },
    )
