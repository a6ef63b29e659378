"""Shop-floor pages of a work order: issue by scan (the scan field has the focus), report
output, scrap issued material, record an operation or an in-process check. Each submission is
one call to a service; a refusal shows its code next to the field it is about."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from mederp.core.actors import Actor
from mederp.core.errors import DomainError
from mederp.core.formerrors import apply_domain_error
from mederp.core.viewperms import requires
from mederp.inventory.rules import normal
from mederp.production import rules, selectors, services
from mederp.production.forms import CheckForm, IssueForm, OperationForm, OutputForm, ScrapForm
from mederp.production.models import WorkOrder
from mederp.production.views.workorders import load


@requires("production.issue_material")
def workorder_issue(request: HttpRequest, pk: int) -> HttpResponse:
    order = load(pk)
    form = IssueForm(request.POST or None, order=order)
    if request.method == "POST" and form.is_valid():
        try:
            done = services.issue_material(
                Actor.from_request(request), order.pk, **form.service_values()
            )
        except DomainError as exc:
            if exc.details.get("field") == "component_id":
                exc.details["field"] = "component"
            apply_domain_error(form, exc)
        else:
            for issue in done:
                messages.success(
                    request,
                    _("Issued %(quantity)s × %(component)s %(item)s.")
                    % {
                        "quantity": normal(issue.quantity),
                        "component": issue.product.code,
                        "item": _item(issue),
                    },
                )
            return redirect("production:workorder_issue", pk=order.pk)
    view = selectors.work_order_view(order)
    return render(
        request,
        "production/workorder_issue.html",
        {"order": order, "form": form, "view": view, "open": order.state in rules.OPEN_STATES},
    )


def _record_page(
    request: HttpRequest,
    order: WorkOrder,
    form: forms.Form,
    *,
    title: Any,
    submit: Any,
    perform: Callable[[], Any],
    done: Any,
) -> HttpResponse:
    """A form that records one thing on the work order and returns to its page."""
    if request.method == "POST" and form.is_valid():
        try:
            perform()
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            messages.success(request, str(done))
            return redirect("production:workorder_detail", pk=order.pk)
    return render(
        request,
        "production/workorder_record.html",
        {
            "order": order,
            "form": form,
            "title": title,
            "submit": submit,
            "open": order.state in rules.OPEN_STATES,
        },
    )


@requires("production.report_output")
def workorder_output(request: HttpRequest, pk: int) -> HttpResponse:
    order = load(pk)
    form = OutputForm(
        request.POST or None, initial={"lot_number": order.output_lot_number, "kind": "good"}
    )
    return _record_page(
        request,
        order,
        form,
        title=gettext_lazy("Report output"),
        submit=gettext_lazy("Report output"),
        perform=lambda: services.report_output(
            Actor.from_request(request), order.pk, **_values(form)
        ),
        done=gettext_lazy("Output reported."),
    )


@requires("production.report_output")
def workorder_scrap(request: HttpRequest, pk: int) -> HttpResponse:
    order = load(pk)
    form = ScrapForm(request.POST or None, order=order)
    return _record_page(
        request,
        order,
        form,
        title=gettext_lazy("Scrap issued material"),
        submit=gettext_lazy("Scrap"),
        perform=lambda: services.scrap_component(
            Actor.from_request(request), order.pk, **_values(form)
        ),
        done=gettext_lazy("Scrap recorded."),
    )


@requires("production.report_output")
def workorder_operation(request: HttpRequest, pk: int) -> HttpResponse:
    order = load(pk)
    form = OperationForm(request.POST or None)
    return _record_page(
        request,
        order,
        form,
        title=gettext_lazy("Record an operation"),
        submit=gettext_lazy("Record operation"),
        perform=lambda: services.record_operation(
            Actor.from_request(request), order.pk, **form.cleaned_data
        ),
        done=gettext_lazy("Operation recorded."),
    )


@requires("production.record_check")
def workorder_check(request: HttpRequest, pk: int) -> HttpResponse:
    order = load(pk)
    form = CheckForm(request.POST or None)
    return _record_page(
        request,
        order,
        form,
        title=gettext_lazy("Record an in-process check"),
        submit=gettext_lazy("Record check"),
        perform=lambda: services.record_check(
            Actor.from_request(request), order.pk, **form.cleaned_data
        ),
        done=gettext_lazy("Check recorded."),
    )


def _item(record: Any) -> str:
    if record.serial is not None:
        return str(record.serial.serial_number)
    return str(record.lot.number) if record.lot is not None else ""


def _values(form: Any) -> dict[str, Any]:
    values: dict[str, Any] = form.service_values()
    return values
