"""The dead-letter page: what the relay gave up on, filtered by state and subscription, and
"Replay" for the ones ticked, with a reason (AT-04). The relay delivers them on its next pass;
the page shows them as "replay requested" until it has."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from mederp.core.actors import Actor
from mederp.core.errors import DomainError
from mederp.core.viewperms import requires
from mederp.integration import selectors, services
from mederp.integration.forms import DeadLetterFilterForm, ReplayForm
from mederp.integration.models import DeadLetterState

VIEW_DEAD = "integration.view_deadletter"
REPLAY = "integration.replay_deadletter"
PAGE_SIZE = 50


@requires(VIEW_DEAD)
def deadletter_list(request: HttpRequest) -> HttpResponse:
    form = DeadLetterFilterForm(request.GET or None)
    state, sub = "", None
    if form.is_valid():
        state = form.cleaned_data.get("state") or ""
        sub = form.cleaned_data.get("subscription")
    rows = selectors.dead_letters(state=state, subscription_id=sub.pk if sub else None)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "integration/deadletter_list.html",
        {
            "form": form,
            "page": page,
            "letters": page.object_list,
            "any_dead": any(d.state == DeadLetterState.DEAD for d in page.object_list),
            "query": query.urlencode(),
            "can_replay": request.user.has_perm(REPLAY),
            "replay_form": ReplayForm(),
        },
    )


@requires(REPLAY)
@require_POST
def deadletter_replay(request: HttpRequest) -> HttpResponse:
    back = request.POST.get("next", "")
    if not back.startswith("/") or back.startswith("//"):
        back = reverse("integration:deadletter_list")
    form = ReplayForm(request.POST)
    ids = ReplayForm.ids(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errs in form.errors.values() for e in errs))
        return redirect(back)
    try:
        letters = services.request_replay(
            Actor.from_request(request), dead_letter_ids=ids, reason=form.cleaned_data["reason"]
        )
    except DomainError as exc:
        messages.error(request, exc.render_message())
    else:
        n = len(letters)
        messages.success(
            request,
            ngettext(
                "%(n)s dead letter: replay requested; the relay delivers it on its next pass.",
                "%(n)s dead letters: replay requested; the relay delivers them on its next pass.",
                n,
            )
            % {"n": n},
        )
    return redirect(back)
