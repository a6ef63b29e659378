"""Bill-of-materials pages: the list of versions, a version with its components, signatures
and history, the sign dialog for approval and retirement, the new-version form (copying an
earlier version) and the component forms. Thin: every decision is the services'."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from mederp.catalog import bom_approval, bom_selectors, selectors, services
from mederp.catalog.bom_forms import (
    BomApproveSignForm,
    BomCreateForm,
    BomEditForm,
    BomSearchForm,
    ComponentForm,
    posted_effective_from,
)
from mederp.catalog.models import BillOfMaterials, BomComponent, BomState
from mederp.core.actors import Actor
from mederp.core.errors import DomainError, field_errors
from mederp.core.formerrors import apply_domain_error, posted_version
from mederp.core.forms import ReasonForm
from mederp.core.viewperms import requires
from mederp.core.workflow_views import Action, actions_for, transition_page
from mederp.identity.credentials import signing_needs_totp
from mederp.identity.models import User

PAGE_SIZE = 25


def _needs_totp(request: HttpRequest) -> bool:
    user = request.user
    return isinstance(user, User) and signing_needs_totp(user, request.session.session_key)


def _bom(pk: int) -> BillOfMaterials:
    return get_object_or_404(BillOfMaterials.objects.select_related("product"), pk=pk)


@requires("catalog.view_billofmaterials")
def bom_list(request: HttpRequest) -> HttpResponse:
    form = BomSearchForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    product = filters.get("product")
    qs = bom_selectors.search_boms(
        product_id=product.pk if product is not None else None, state=filters.get("state", "")
    )
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    today = selectors.business_date()
    for bom in page.object_list:
        bom.usable_today = selectors.bom_is_usable(bom, today)  # type: ignore[attr-defined]
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "catalog/bom_list.html",
        {"form": form, "page": page, "boms": page.object_list, "query": query.urlencode()},
    )


def _actions(request: HttpRequest, bom: BillOfMaterials) -> list[Action]:
    """The workflow buttons; approval's sign dialog also asks for the effective date."""
    needs_totp = _needs_totp(request)
    actions = actions_for(
        request,
        bom,
        url_for=lambda name: reverse("catalog:bom_transition", args=[bom.pk, name]),
        needs_totp=needs_totp,
    )
    day = bom.effective_from or selectors.business_date()
    return [
        Action(
            a.transition,
            a.url,
            BomApproveSignForm(
                meaning=a.transition.signature,
                needs_totp=needs_totp,
                prefix=a.transition.name,
                initial={"effective_from": day},
            ),
        )
        if a.transition.name == bom_approval.APPROVE
        else a
        for a in actions
    ]


@requires("catalog.view_billofmaterials")
def bom_detail(request: HttpRequest, pk: int) -> HttpResponse:
    bom = _bom(pk)
    today = selectors.business_date()
    draft = bom.state == BomState.DRAFT
    context: dict[str, Any] = {
        "bom": bom,
        "lines": bom_selectors.bom_lines(bom),
        "approval": bom_selectors.approval_of(bom, today),
        "problems": bom_selectors.approval_problems(bom, today) if draft else [],
        "versions": bom_selectors.versions_of(bom.product_id),
        "history": bom_selectors.bom_history(bom),
        "actions": _actions(request, bom),
        "editable": draft and request.user.has_perm("catalog.change_billofmaterials"),
        "today": today,
    }
    if context["editable"]:
        context["component_form"] = ComponentForm()
    return render(request, "catalog/bom_detail.html", context)


@requires("catalog.view_billofmaterials")
def bom_transition(request: HttpRequest, pk: int, name: str) -> HttpResponse:
    """Approve or retire a version (the sign dialog's target, and its own page without
    JavaScript). The service checks the permission, the signature and the approval rules."""
    bom = _bom(pk)

    def perform(**values: Any) -> Any:
        if name == bom_approval.APPROVE:
            day = posted_effective_from(request.POST, name)
            if isinstance(day, str):
                raise field_errors({"effective_from": [_("Enter a valid date.")]})
            values["effective_from"] = day
        return services.transition_bom(
            Actor.from_request(request),
            bom.pk,
            name,
            session_key=request.session.session_key,
            **values,
        )

    return transition_page(
        request,
        bom,
        name,
        perform=perform,
        done_url=reverse("catalog:bom_detail", args=[bom.pk]),
        needs_totp=_needs_totp(request),
    )


@requires("catalog.add_billofmaterials")
def bom_create(request: HttpRequest) -> HttpResponse:
    initial = {
        "product_id": request.GET.get("product") or None,
        "copy_from_id": request.GET.get("copy_from") or None,
    }
    form = BomCreateForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            bom = services.create_bom(Actor.from_request(request), **form.service_values())
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            messages.success(request, _("%(bom)s drafted.") % {"bom": bom})
            return redirect("catalog:bom_detail", pk=bom.pk)
    return render(
        request,
        "catalog/bom_form.html",
        {"form": form, "title": _("New bill-of-materials version")},
    )


@requires("catalog.change_billofmaterials")
def bom_edit(request: HttpRequest, pk: int) -> HttpResponse:
    bom = _bom(pk)
    form = BomEditForm(request.POST or None, bom=bom)
    reason_form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid() and reason_form.is_valid():
        try:
            services.change_bom(
                Actor.from_request(request),
                bom.pk,
                reason=reason_form.cleaned_data["reason"],
                expected_version=posted_version(request),
                **form.service_values(),
            )
        except DomainError as exc:
            apply_domain_error(form, exc, reason_form=reason_form)
        else:
            messages.success(request, _("Changes saved."))
            return redirect("catalog:bom_detail", pk=bom.pk)
    return render(
        request,
        "catalog/bom_form.html",
        {
            "form": form,
            "reason_form": reason_form,
            "bom": bom,
            "version": bom.version,
            "title": _("Edit %(bom)s") % {"bom": bom},
        },
    )


@requires("catalog.change_billofmaterials")
def bom_component_add(request: HttpRequest, pk: int) -> HttpResponse:
    bom = _bom(pk)
    form = ComponentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            line = services.add_component(
                Actor.from_request(request), bom.pk, **form.service_values()
            )
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            messages.success(
                request, _("%(component)s added.") % {"component": line.component.code}
            )
            return redirect("catalog:bom_detail", pk=bom.pk)
    return render(
        request,
        "catalog/bom_form.html",
        {"form": form, "bom": bom, "title": _("Add component to %(bom)s") % {"bom": bom}},
    )


def _line(bom_pk: int, line_pk: int) -> BomComponent:
    return get_object_or_404(
        BomComponent.objects.select_related("bom", "bom__product", "component", "uom"),
        pk=line_pk,
        bom_id=bom_pk,
    )


@requires("catalog.change_billofmaterials")
def bom_component_edit(request: HttpRequest, pk: int, line_pk: int) -> HttpResponse:
    line = _line(pk, line_pk)
    form = ComponentForm(request.POST or None, line=line)
    reason_form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid() and reason_form.is_valid():
        try:
            services.change_component(
                Actor.from_request(request),
                line.pk,
                reason=reason_form.cleaned_data["reason"],
                expected_version=posted_version(request),
                **form.service_values(),
            )
        except DomainError as exc:
            apply_domain_error(form, exc, reason_form=reason_form)
        else:
            messages.success(request, _("Changes saved."))
            return redirect("catalog:bom_detail", pk=pk)
    title = _("Line %(line)s of %(bom)s") % {"line": line.line_no, "bom": line.bom}
    return render(
        request,
        "catalog/bom_form.html",
        {
            "form": form,
            "reason_form": reason_form,
            "bom": line.bom,
            "version": line.version,
            "title": title,
        },
    )


@requires("catalog.change_billofmaterials")
def bom_component_remove(request: HttpRequest, pk: int, line_pk: int) -> HttpResponse:
    line = _line(pk, line_pk)
    reason_form = ReasonForm(request.POST or None)
    if request.method == "POST" and reason_form.is_valid():
        try:
            services.remove_component(
                Actor.from_request(request), line.pk, reason=reason_form.cleaned_data["reason"]
            )
        except DomainError as exc:
            apply_domain_error(reason_form, exc, reason_form=reason_form)
        else:
            messages.success(
                request, _("%(component)s removed.") % {"component": line.component.code}
            )
            return redirect("catalog:bom_detail", pk=pk)
    title = _("Remove %(component)s from %(bom)s") % {
        "component": line.component.code,
        "bom": line.bom,
    }
    return render(
        request,
        "catalog/bom_form.html",
        {"form": reason_form, "bom": line.bom, "title": title, "danger": True},
    )
