"""CAPA pages (QE-07): the list with the aging chart and overdue flags, opening (prefilled from
an NCR or a complaint), the detail with root cause, actions, effectiveness check and links, and
closing by signature. Thin: every change goes through :mod:`mederp.quality.capa.services`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from mederp.core import signatures
from mederp.core.actors import Actor
from mederp.core.errors import DomainError
from mederp.core.formerrors import apply_domain_error
from mederp.core.selectors import record_history
from mederp.core.viewperms import requires
from mederp.core.workflow_views import actions_for, transition_page
from mederp.identity.credentials import signing_needs_totp
from mederp.identity.models import User
from mederp.quality.capa import links, selectors, services
from mederp.quality.capa.aging_svg import aging_svg
from mederp.quality.capa.forms import (
    ActionForm,
    CapaFilterForm,
    CompleteActionForm,
    EffectivenessForm,
    LinkForm,
    OpenCapaForm,
    RootCauseForm,
)
from mederp.quality.capa.models import Capa, CapaState, LinkKind

VIEW = "capa.view_capa"
CHANGE = "capa.change_capa"
PAGE_SIZE = 50


def needs_totp(request: HttpRequest) -> bool:
    user = request.user
    return isinstance(user, User) and signing_needs_totp(user, request.session.session_key)


@requires(VIEW)
def capa_list(request: HttpRequest) -> HttpResponse:
    form = CapaFilterForm(request.GET or None)
    f: dict[str, Any] = form.cleaned_data if form.is_valid() else {}
    rows = selectors.list_capas(
        state=f.get("state", ""), overdue=True if f.get("overdue") else None
    )
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    aging = selectors.capa_aging()
    return render(
        request,
        "capa/capa_list.html",
        {
            "form": form,
            "page": page,
            "capas": page.object_list,
            "query": query.urlencode(),
            "aging": aging,
            "chart": aging_svg(aging),
        },
    )


def _prefill(request: HttpRequest) -> dict[str, Any]:
    """Initial values from ``?ncr=<id>`` or ``?complaint=<id>`` (the record's number and
    description), when that record exists."""
    for kind in (LinkKind.NCR, LinkKind.COMPLAINT):
        raw = request.GET.get(str(kind), "")
        if not raw.isdigit():
            continue
        model = links.model_for(kind)
        found = model._default_manager.filter(pk=int(raw)).first() if model else None
        if found is None:
            return {"link_kind": kind, "link_ref": raw}
        number = getattr(found, "number", "") or f"#{raw}"
        return {
            "link_kind": kind,
            "link_ref": raw,
            "title": f"{number}: " + str(getattr(found, "description", ""))[:150],
            "problem": str(getattr(found, "description", "")),
        }
    return {}


@requires("capa.add_capa")
def capa_open(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = OpenCapaForm(request.POST)
        if form.is_valid():
            d = form.cleaned_data
            try:
                capa = services.open_capa(
                    Actor.from_request(request),
                    title=d["title"],
                    problem=d["problem"],
                    kind=d["kind"],
                    owner=d.get("owner"),
                    due_date=d.get("due_date"),
                    effectiveness_criteria=d.get("effectiveness_criteria", ""),
                    effectiveness_due=d.get("effectiveness_due"),
                    links=form.links(),
                )
            except DomainError as exc:
                apply_domain_error(form, exc)
            else:
                messages.success(request, _("%(number)s opened.") % {"number": capa.number})
                return redirect("capa:capa_detail", pk=capa.pk)
    else:
        form = OpenCapaForm(initial=_prefill(request))
    return render(request, "capa/capa_form.html", {"form": form})


def _capa(pk: int) -> Capa:
    capa = selectors.get_capa(pk)
    if capa is None:
        raise Http404
    return capa


@requires(VIEW)
def capa_detail(request: HttpRequest, pk: int) -> HttpResponse:
    capa = _capa(pk)
    can_change = request.user.has_perm(CHANGE)
    active = capa.state in (
        CapaState.OPEN,
        CapaState.INVESTIGATING,
        CapaState.IMPLEMENTING,
        CapaState.VERIFYING,
    )
    completable = capa.state == CapaState.IMPLEMENTING
    for action in capa.action_rows:  # type: ignore[attr-defined]
        action.can_complete = (  # the owner or QA (services.may_complete)
            completable and action.done_at is None and services.may_complete(request.user, action)
        )
    return render(
        request,
        "capa/capa_detail.html",
        {
            "capa": capa,
            "actions_rows": capa.action_rows,  # type: ignore[attr-defined]
            "links": [
                {"link": link, "url": links.url_for(link.kind, link.ref_id)}
                for link in capa.link_rows  # type: ignore[attr-defined]
            ],
            "can_change": can_change and active,
            "can_check": request.user.has_perm("capa.check_capa_effectiveness")
            and capa.state == CapaState.VERIFYING,
            "root_cause_form": RootCauseForm(
                initial={"root_cause": capa.root_cause, "method": capa.root_cause_method}
            ),
            "action_form": ActionForm(),
            "complete_form": CompleteActionForm(),
            "effectiveness_form": EffectivenessForm(
                initial={"criteria": capa.effectiveness_criteria}
            ),
            "link_form": LinkForm(),
            "signatures": signatures.signatures_for(capa),
            "history": record_history("capa.capa", capa.pk),
            "actions": actions_for(
                request,
                capa,
                url_for=lambda name: reverse("capa:capa_transition", args=[capa.pk, name]),
                needs_totp=needs_totp(request),
            ),
        },
    )


def _step(
    request: HttpRequest,
    pk: int,
    form_class: type[Any],
    work: Callable[[Actor, dict[str, Any]], Any],
    done: str,
) -> HttpResponse:
    form = form_class(request.POST)
    if not form.is_valid():
        for field, errs in form.errors.items():
            messages.error(
                request,
                f"{form.fields[field].label if field in form.fields else ''}: {' '.join(errs)}",
            )
    else:
        try:
            work(Actor.from_request(request), form.cleaned_data)
        except DomainError as exc:
            messages.error(request, exc.render_message())
        else:
            messages.success(request, done)
    return redirect("capa:capa_detail", pk=pk)


@requires(CHANGE)
@require_POST
def capa_root_cause(request: HttpRequest, pk: int) -> HttpResponse:
    return _step(
        request,
        pk,
        RootCauseForm,
        lambda actor, d: services.record_root_cause(
            actor, pk, root_cause=d["root_cause"], method=d["method"]
        ),
        _("Root cause recorded."),
    )


@requires(CHANGE)
@require_POST
def capa_action_add(request: HttpRequest, pk: int) -> HttpResponse:
    return _step(
        request,
        pk,
        ActionForm,
        lambda actor, d: services.add_action(
            actor,
            pk,
            description=d["description"],
            kind=d["kind"],
            owner=d.get("owner"),
            due_date=d.get("due_date"),
        ),
        _("Action added."),
    )


@requires(VIEW)  # the action's owner (often not QA) completes it: the service decides
@require_POST
def capa_action_complete(request: HttpRequest, pk: int, action_pk: int) -> HttpResponse:
    return _step(
        request,
        pk,
        CompleteActionForm,
        lambda actor, d: services.complete_action(actor, pk, action_pk, evidence=d["evidence"]),
        _("Action completed."),
    )


class _NoFields:
    def __init__(self, data: Any) -> None:
        self.cleaned_data: dict[str, Any] = {}
        self.errors: dict[str, Any] = {}
        self.fields: dict[str, Any] = {}

    def is_valid(self) -> bool:
        return True


@requires(CHANGE)
@require_POST
def capa_verify(request: HttpRequest, pk: int) -> HttpResponse:
    return _step(
        request,
        pk,
        _NoFields,
        lambda actor, d: services.start_verification(actor, pk),
        _("Verification started: record the effectiveness check."),
    )


@requires("capa.check_capa_effectiveness")
@require_POST
def capa_effectiveness(request: HttpRequest, pk: int) -> HttpResponse:
    return _step(
        request,
        pk,
        EffectivenessForm,
        lambda actor, d: services.check_effectiveness(
            actor, pk, result=d["result"], evidence=d["evidence"], criteria=d.get("criteria", "")
        ),
        _("Effectiveness check recorded."),
    )


@requires(CHANGE)
@require_POST
def capa_link_add(request: HttpRequest, pk: int) -> HttpResponse:
    return _step(
        request,
        pk,
        LinkForm,
        lambda actor, d: services.add_link(actor, pk, kind=d["kind"], ref=d["ref"].strip()),
        _("Link added."),
    )


@requires(VIEW)
def capa_transition(request: HttpRequest, pk: int, name: str) -> HttpResponse:
    """Closing by signature and cancelling: the sign dialog's target, and its own page without
    JavaScript. The service checks the permission, the effectiveness check and open actions."""
    capa = _capa(pk)

    def perform(**values: Any) -> Any:
        actor = Actor.from_request(request)
        if name == "cancel":
            return services.cancel_capa(actor, capa.pk, reason=values.get("reason", ""))
        if name != "close":
            raise Http404
        from mederp.core.workflow import Credentials

        return services.close_capa(
            actor,
            capa.pk,
            reason=values.get("reason", ""),
            credentials=Credentials(
                password=values.get("password", ""),
                totp=values.get("totp"),
                session_key=request.session.session_key,
            ),
        )

    return transition_page(
        request,
        capa,
        name,
        perform=perform,
        done_url=reverse("capa:capa_detail", args=[capa.pk]),
        needs_totp=needs_totp(request),
    )
