"""Supplier evaluation pages (供应商评价; ISO 13485 §7.4.1; CN-21): the scorecards with a chart
of scores, drafting an evaluation, and its detail with the sign dialog. Thin: every change goes
through :mod:`mederp.quality.suppliers.services`."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from mederp.core import signatures
from mederp.core.actors import Actor
from mederp.core.errors import DomainError
from mederp.core.formerrors import apply_domain_error
from mederp.core.selectors import record_history
from mederp.core.viewperms import requires
from mederp.core.workflow_views import actions_for, transition_page
from mederp.identity.credentials import signing_needs_totp
from mederp.identity.models import User
from mederp.quality.dashboard.charts import AMBER, GREEN, RED, Bar, bar_chart
from mederp.quality.suppliers import rules, selectors, services
from mederp.quality.suppliers.approval import EVALUATION
from mederp.quality.suppliers.forms import EvaluationForm, ScorecardFilterForm
from mederp.quality.suppliers.models import SupplierEvaluation

VIEW = "supplier_quality.view_supplierevaluation"
ADD = "supplier_quality.add_supplierevaluation"
CHART_ROWS = 30
COLORS = {rules.APPROVED: GREEN, rules.CONDITIONAL: AMBER, rules.DISQUALIFIED: RED}


def needs_totp(request: HttpRequest) -> bool:
    user = request.user
    return isinstance(user, User) and signing_needs_totp(user, request.session.session_key)


def _percent(rate: Decimal | None) -> str:
    return "—" if rate is None else f"{(rate * 100).quantize(Decimal('0.1'))}%"


def _component_rows(parts: dict[str, Decimal | None]) -> list[dict[str, str]]:
    labels = {
        "acceptance": _("Acceptance (accepted / received)"),
        "inspection": _("Incoming inspections passed"),
        "ncr": _("NCR component"),
        "delivery": _("On-time delivery"),
    }
    return [{"name": labels[k], "value": _percent(parts[k])} for k in rules.COMPONENTS]


@requires(VIEW)
def scorecard_list(request: HttpRequest) -> HttpResponse:
    form = ScorecardFilterForm(request.GET or None)
    f: dict[str, Any] = form.cleaned_data if form.is_valid() else {}
    try:
        start, end = services.period(f.get("period_start"), f.get("period_end"))
    except DomainError as exc:
        apply_domain_error(form, exc)
        start, end = services.period(None, None)
    cfg = selectors.scoring()
    cards = selectors.scorecards(start, end, q=f.get("q", ""), cfg=cfg)
    scored = [c for c in cards if c.score is not None][:CHART_ROWS]
    chart = bar_chart(
        [
            Bar(
                f"{c.supplier.code} {c.supplier.name}",
                c.score,
                color=COLORS.get(c.suggested_status, GREEN),
            )
            for c in scored
        ],
        label=_("Supplier scores, 0 to 100"),
        max_value=100,
        css="supplier-scores",
    )
    return render(
        request,
        "supplier_quality/scorecard_list.html",
        {
            "form": form,
            "cards": cards,
            "chart": chart,
            "start": start,
            "end": end,
            "scoring": cfg,
            "evaluations": selectors.evaluations()[:20],
        },
    )


@requires(ADD)
def evaluation_new(request: HttpRequest) -> HttpResponse:
    data = request.POST if request.method == "POST" else None
    initial = {}
    if "supplier" in request.GET:
        initial["supplier"] = request.GET.get("supplier")
    form = EvaluationForm(data, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            ev = services.create_evaluation(Actor.from_request(request), **form.values())
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            messages.success(
                request, _("Supplier evaluation %(number)s drafted.") % {"number": ev.number}
            )
            return redirect("supplier_quality:evaluation_detail", pk=ev.pk)
    return render(request, "supplier_quality/evaluation_form.html", {"form": form})


def _evaluation(pk: int) -> SupplierEvaluation:
    return get_object_or_404(SupplierEvaluation.objects.select_related("supplier"), pk=pk)


@requires(VIEW)
def evaluation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    ev = _evaluation(pk)
    return render(
        request,
        "supplier_quality/evaluation_detail.html",
        {
            "ev": ev,
            "rows": _component_rows(selectors.components_of(ev)),
            "signatures": signatures.signatures_for(ev),
            "history": record_history(EVALUATION, ev.pk),
            "actions": actions_for(
                request,
                ev,
                url_for=lambda name: reverse(
                    "supplier_quality:evaluation_transition", args=[ev.pk, name]
                ),
                needs_totp=needs_totp(request),
            ),
        },
    )


@requires(VIEW)
def evaluation_transition(request: HttpRequest, pk: int, name: str) -> HttpResponse:
    """Approval by signature: the sign dialog's target, and its own page without JavaScript.
    The service checks the permission, the author and the state."""
    ev = _evaluation(pk)
    return transition_page(
        request,
        ev,
        name,
        perform=lambda **values: services.approve_evaluation(
            Actor.from_request(request),
            ev.pk,
            password=values.get("password", ""),
            totp=values.get("totp"),
            reason=values.get("reason", ""),
            session_key=request.session.session_key,
        ),
        done_url=reverse("supplier_quality:evaluation_detail", args=[ev.pk]),
        needs_totp=needs_totp(request),
    )
