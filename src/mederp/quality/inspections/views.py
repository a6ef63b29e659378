"""Inspection pages: the inspection list (filters), an inspection with its results form (one
row per characteristic with limits and unit; failed ones marked), the plan list, a plan with
its signed approval, and the plan editor (characteristics and sampling table). Thin: every
change goes through :mod:`mederp.quality.inspections.services`."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from mederp.core import signatures, workflow
from mederp.core.actors import Actor
from mederp.core.errors import DomainError
from mederp.core.viewperms import requires
from mederp.core.workflow_views import Action, sign_form, transition_page
from mederp.identity.credentials import signing_needs_totp
from mederp.identity.models import User
from mederp.quality.inspections import approval, rules, selectors, services
from mederp.quality.inspections.forms import (
    CharacteristicFormSet,
    InspectionFilterForm,
    PlanFilterForm,
    PlanHeaderForm,
    SamplingFormSet,
)
from mederp.quality.inspections.models import Inspection, InspectionPlan, PlanState
from mederp.quality.inspections.services.results import latest_results

PAGE_SIZE = 50
VIEW = "inspections.view_inspection"
RECORD = "inspections.record_result"
VIEW_PLAN = "inspections.view_inspectionplan"
ADD_PLAN = "inspections.add_inspectionplan"
CHANGE_PLAN = "inspections.change_inspectionplan"

#: The Chinese heading of each stage (进货检验, 过程检验, 最终检验).
STAGE_ZH = {"incoming": "进货检验", "in_process": "过程检验", "final": "最终检验"}


def _needs_totp(request: HttpRequest) -> bool:
    user = request.user
    return isinstance(user, User) and signing_needs_totp(user, request.session.session_key)


def _page(request: HttpRequest, qs: Any) -> tuple[Any, str]:
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return page, query.urlencode()


@requires(VIEW)
def inspection_list(request: HttpRequest) -> HttpResponse:
    form = InspectionFilterForm(request.GET or None)
    f: dict[str, Any] = form.cleaned_data if form.is_valid() else {}
    qs = selectors.inspections(
        stage=f.get("stage") or "",
        state=f.get("state") or "",
        result=f.get("result") or "",
        q=f.get("q") or "",
    )
    page, query = _page(request, qs)
    return render(
        request,
        "inspections/inspection_list.html",
        {
            "form": form,
            "page": page,
            "inspections": page.object_list,
            "query": query,
            "stage_zh": STAGE_ZH.get(f.get("stage") or "", ""),
        },
    )


def _inspection(pk: int) -> Inspection:
    return get_object_or_404(
        Inspection.objects.select_related("product", "plan", "lot", "serial", "work_order"), pk=pk
    )


def _rows(inspection: Inspection, posted: Any = None) -> list[dict[str, Any]]:
    latest = latest_results(inspection)
    rows = []
    for c in inspection.plan.characteristics.order_by("sequence"):
        r = latest.get(c.pk)
        rows.append(
            {
                "c": c,
                "limits": rules.limits_text(c.lower_limit, c.upper_limit, c.unit),
                "result": r,
                "value": posted.get(f"value_{c.pk}", "") if posted else "",
                "passed": posted.get(f"passed_{c.pk}", "") if posted else "",
                "text": posted.get(f"text_{c.pk}", "") if posted else "",
                "reason": posted.get(f"reason_{c.pk}", "") if posted else "",
            }
        )
    return rows


def _detail(request: HttpRequest, inspection: Inspection, *, posted: Any = None) -> HttpResponse:
    return render(
        request,
        "inspections/inspection_detail.html",
        {
            "inspection": inspection,
            "rows": _rows(inspection, posted),
            "history": inspection.results.select_related("characteristic").order_by("id"),
            "can_record": request.user.has_perm(RECORD) and inspection.state == "open",
            "stage_zh": STAGE_ZH.get(inspection.stage, ""),
        },
    )


@requires(VIEW)
def inspection_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, _inspection(pk))


def _posted_results(inspection: Inspection, data: Any) -> list[services.ResultInput]:
    """One input per characteristic row the inspector filled in; empty rows are skipped."""
    items = []
    for c in inspection.plan.characteristics.order_by("sequence"):
        value = (data.get(f"value_{c.pk}") or "").strip()
        verdict = data.get(f"passed_{c.pk}") or ""
        text = (data.get(f"text_{c.pk}") or "").strip()
        if not (value or verdict or text):
            continue
        items.append(
            services.ResultInput(
                characteristic_id=c.pk,
                value=value or None,
                passed={"pass": True, "fail": False}.get(verdict),
                text=text,
                reason=(data.get(f"reason_{c.pk}") or "").strip(),
            )
        )
    return items


@requires(RECORD)
def inspection_record(request: HttpRequest, pk: int) -> HttpResponse:
    inspection = _inspection(pk)
    if request.method != "POST":
        return redirect("inspections:inspection_detail", pk=pk)
    try:
        services.record_results(
            Actor.from_request(request), pk, _posted_results(inspection, request.POST)
        )
    except DomainError as exc:
        messages.error(request, exc.render_message())
        return _detail(request, _inspection(pk), posted=request.POST)
    inspection.refresh_from_db()
    if inspection.result == "fail":
        messages.warning(
            request,
            _("%(number)s failed: a nonconformance was opened and the stock held.")
            % {"number": inspection.number},
        )
    elif inspection.result == "pass":
        messages.success(request, _("%(number)s passed.") % {"number": inspection.number})
    else:
        messages.success(request, _("Results recorded."))
    return redirect("inspections:inspection_detail", pk=pk)


@requires(VIEW_PLAN)
def plan_list(request: HttpRequest) -> HttpResponse:
    form = PlanFilterForm(request.GET or None)
    f: dict[str, Any] = form.cleaned_data if form.is_valid() else {}
    qs = selectors.plans(
        product_id=f["product"].pk if f.get("product") else None,
        stage=f.get("stage") or "",
        state=f.get("state") or "",
    )
    page, query = _page(request, qs)
    return render(
        request,
        "inspections/plan_list.html",
        {"form": form, "page": page, "plans": page.object_list, "query": query},
    )


def _plan(pk: int) -> InspectionPlan:
    return get_object_or_404(InspectionPlan.objects.select_related("product"), pk=pk)


def _approve_action(request: HttpRequest, plan: InspectionPlan) -> Action:
    t = workflow.workflow_for(plan).get(approval.APPROVE)
    url = reverse("inspections:plan_transition", args=[plan.pk, approval.APPROVE])
    return Action(t, url, sign_form(t, approval.PLAN, needs_totp=_needs_totp(request)))


@requires(VIEW_PLAN)
def plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _plan(pk)
    user = request.user
    return render(
        request,
        "inspections/plan_detail.html",
        {
            "plan": plan,
            "characteristics": [
                (c, rules.limits_text(c.lower_limit, c.upper_limit, c.unit))
                for c in plan.characteristics.order_by("sequence")
            ],
            "sampling": plan.sampling.order_by("lot_size_from"),
            "signatures": signatures.signatures_for(plan),
            "can_edit": user.has_perm(CHANGE_PLAN) and plan.state == PlanState.DRAFT,
            "can_approve": user.has_perm(approval.APPROVE_PERMISSION)
            and plan.state == PlanState.DRAFT,
            "can_revise": user.has_perm(ADD_PLAN) and plan.state != PlanState.DRAFT,
            "approve_action": _approve_action(request, plan),
            "stage_zh": STAGE_ZH.get(plan.stage, ""),
        },
    )


def _rows_of(formset: Any, fields: tuple[str, ...]) -> list[dict[str, Any]]:
    """The filled-in rows of a formset (a row with every field empty is skipped)."""
    rows = []
    for form in formset.forms:
        data = form.cleaned_data if form.is_valid() else {}
        if any(data.get(f) not in (None, "", False) for f in fields):
            rows.append(data)
    return rows


CHAR_FIELDS = ("name", "lower_limit", "upper_limit", "unit")
SAMPLING_FIELDS = ("lot_size_from", "lot_size_to", "sample_size")


def _editor(
    request: HttpRequest, plan: InspectionPlan | None, header: Any, chars: Any, sampling: Any
) -> HttpResponse:
    return render(
        request,
        "inspections/plan_form.html",
        {"plan": plan, "header": header, "chars": chars, "sampling": sampling},
    )


def _save(request: HttpRequest, plan: InspectionPlan | None) -> HttpResponse:
    header = PlanHeaderForm(request.POST)
    chars = CharacteristicFormSet(request.POST, prefix="c")
    sampling = SamplingFormSet(request.POST, prefix="s")
    if plan is not None:
        header.fields["product"].required = False
        header.fields["stage"].required = False
    if not (header.is_valid() and chars.is_valid() and sampling.is_valid()):
        return _editor(request, plan, header, chars, sampling)
    h = header.cleaned_data
    characteristics = _rows_of(chars, CHAR_FIELDS)
    table = _rows_of(sampling, SAMPLING_FIELDS)
    actor = Actor.from_request(request)
    try:
        if plan is None:
            saved = services.create_plan(
                actor,
                product_id=h["product"].pk,
                stage=h["stage"],
                title=h["title"],
                notes=h["notes"],
                characteristics=characteristics,
                sampling=table,
            )
        else:
            saved = services.save_plan(
                actor,
                plan.pk,
                characteristics=characteristics,
                sampling=table,
                title=h["title"],
                notes=h["notes"],
            )
    except DomainError as exc:
        header.add_error(None, exc.render_message())
        return _editor(request, plan, header, chars, sampling)
    messages.success(request, _("Plan saved as a draft."))
    return redirect("inspections:plan_detail", pk=saved.pk)


@requires(ADD_PLAN)
def plan_new(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        return _save(request, None)
    return _editor(
        request,
        None,
        PlanHeaderForm(initial={"stage": request.GET.get("stage", "incoming")}),
        CharacteristicFormSet(prefix="c"),
        SamplingFormSet(prefix="s"),
    )


def _num(value: Any) -> str:
    return "" if value is None else f"{value.normalize():f}"


@requires(CHANGE_PLAN)
def plan_edit(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _plan(pk)
    if plan.state != PlanState.DRAFT:
        messages.error(request, _("An approved plan is not edited: make a new revision."))
        return redirect("inspections:plan_detail", pk=pk)
    if request.method == "POST":
        return _save(request, plan)
    header = PlanHeaderForm(
        initial={
            "product": plan.product,
            "stage": plan.stage,
            "title": plan.title,
            "notes": plan.notes,
        }
    )
    chars = CharacteristicFormSet(
        prefix="c",
        initial=[
            {
                "name": c.name,
                "kind": c.kind,
                "lower_limit": _num(c.lower_limit),
                "upper_limit": _num(c.upper_limit),
                "unit": c.unit,
                "critical": c.critical,
            }
            for c in plan.characteristics.order_by("sequence")
        ],
    )
    sampling = SamplingFormSet(
        prefix="s",
        initial=[
            {
                "lot_size_from": _num(r.lot_size_from),
                "lot_size_to": _num(r.lot_size_to),
                "sample_size": _num(r.sample_size),
            }
            for r in plan.sampling.order_by("lot_size_from")
        ],
    )
    return _editor(request, plan, header, chars, sampling)


@requires(ADD_PLAN)
def plan_revise(request: HttpRequest, pk: int) -> HttpResponse:
    if request.method != "POST":
        return redirect("inspections:plan_detail", pk=pk)
    try:
        draft = services.revise_plan(Actor.from_request(request), pk)
    except DomainError as exc:
        messages.error(request, exc.render_message())
        return redirect("inspections:plan_detail", pk=pk)
    messages.success(request, _("Revision %(revision)s drafted.") % {"revision": draft.revision})
    return redirect("inspections:plan_edit", pk=draft.pk)


@requires(VIEW_PLAN)
def plan_transition(request: HttpRequest, pk: int, name: str) -> HttpResponse:
    """Approval by signature (the only manual transition of a plan)."""
    plan = _plan(pk)
    if name != approval.APPROVE:
        raise Http404
    return transition_page(
        request,
        plan,
        name,
        perform=lambda **values: services.approve_plan(
            Actor.from_request(request),
            plan.pk,
            reason=values.get("reason", ""),
            credentials=workflow.Credentials(
                password=values.get("password", ""),
                totp=values.get("totp"),
                session_key=request.session.session_key,
            ),
        ),
        done_url=reverse("inspections:plan_detail", args=[plan.pk]),
        needs_totp=_needs_totp(request),
    )
