"""Purchase order pages: thin, calling the same services and selectors as the API."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from mederp.core.actors import Actor
from mederp.core.errors import DomainError
from mederp.core.formerrors import apply_domain_error, posted_version
from mederp.core.forms import ReasonForm
from mederp.core.viewperms import requires
from mederp.core.workflow_views import actions_for, transition_page
from mederp.identity.credentials import signing_needs_totp
from mederp.identity.models import User
from mederp.procurement import gates, selectors, services
from mederp.procurement.forms import (
    BaseLineFormSet,
    LineForm,
    LineFormSet,
    OrderFilterForm,
    OrderForm,
)
from mederp.procurement.models import OrderState, PurchaseOrder, PurchaseOrderLine


def _needs_totp(request: HttpRequest) -> bool:
    """Whether the sign dialog asks for the TOTP code (ES-09: first signature of a session)."""
    user = request.user
    return isinstance(user, User) and signing_needs_totp(user, request.session.session_key)


@requires("procurement.view_purchaseorder")
def order_list(request: HttpRequest) -> HttpResponse:
    form = OrderFilterForm(request.GET or None)
    f: dict[str, Any] = form.cleaned_data if form.is_valid() else {}
    qs = selectors.orders_matching(f.get("q", ""), state=f.get("state", ""))
    page = Paginator(qs.prefetch_related("lines"), 50).get_page(request.GET.get("page"))
    rows = [(o, selectors.order_total(list(o.lines.all()))) for o in page.object_list]
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "procurement/order_list.html",
        {"form": form, "page": page, "rows": rows, "query": query.urlencode()},
    )


@requires("procurement.add_purchaseorder")
def order_create(request: HttpRequest) -> HttpResponse:
    data = request.POST if request.method == "POST" else None
    form = OrderForm(data)
    lines = LineFormSet(data, prefix="lines")
    assert isinstance(lines, BaseLineFormSet)
    if request.method == "POST" and form.is_valid() and lines.is_valid():
        try:
            order = services.create_order(
                Actor.from_request(request), lines=lines.lines(), **form.cleaned_data
            )
        except DomainError as exc:
            if not _line_error(lines, exc):
                apply_domain_error(form, exc)
        else:
            messages.success(
                request, _("Purchase order %(number)s created.") % {"number": order.number}
            )
            return redirect("procurement:order_detail", pk=order.pk)
    return render(request, "procurement/order_form.html", {"form": form, "lines": lines})


def _line_error(lines: Any, exc: DomainError) -> bool:
    """A refusal about ``lines.<n>.<field>`` shown on that row's field; False otherwise."""
    found = exc.details.get("fields")
    fields: dict[str, Any] = found if isinstance(found, dict) else {}
    name = exc.details.get("field")
    keys = list(fields) if fields else ([name] if isinstance(name, str) else [])
    filled = [f for f in lines.forms if f.cleaned_data]
    placed = False
    for key in keys:
        parts = key.split(".")
        if len(parts) == 3 and parts[0] == "lines" and parts[1].isdigit():
            index = int(parts[1])
            if index < len(filled) and parts[2] in filled[index].fields:
                msgs = fields.get(key) or [exc.render_message()]
                for msg in msgs:
                    filled[index].add_error(parts[2], msg)
                placed = True
    return placed


def _order_or_404(pk: int) -> PurchaseOrder:
    order = selectors.order_with_lines(pk)
    if order is None:
        raise Http404
    return order


@requires("procurement.view_purchaseorder")
def order_detail(request: HttpRequest, pk: int) -> HttpResponse:
    order = _order_or_404(pk)
    lines = selectors.order_lines(order)
    return render(
        request,
        "procurement/order_detail.html",
        {
            "order": order,
            "lines": lines,
            "total": selectors.order_total(lines),
            "problems": selectors.gate_problems(order),
            "warnings": gates.supplier_warnings(order.supplier),
            "approval": selectors.approval_of(order),
            "receipts": selectors.receipts_of(order),
            "receivable": order.state in selectors.RECEIVABLE_STATES,
            "editable": order.state == OrderState.DRAFT,
            "history": selectors.order_history(order),
            "actions": actions_for(
                request,
                order,
                url_for=lambda name: reverse("procurement:order_transition", args=[order.pk, name]),
                needs_totp=_needs_totp(request),
            ),
        },
    )


@requires("procurement.view_purchaseorder")
def order_transition(request: HttpRequest, pk: int, name: str) -> HttpResponse:
    """A workflow step (submit, approve, reject, cancel): the sign dialog's target, and its own
    page without JavaScript. The service checks permission, gates and signature."""
    order = get_object_or_404(PurchaseOrder, pk=pk)
    return transition_page(
        request,
        order,
        name,
        perform=lambda **values: services.transition_order(
            Actor.from_request(request),
            order.pk,
            name,
            session_key=request.session.session_key,
            **values,
        ),
        done_url=reverse("procurement:order_detail", args=[order.pk]),
        needs_totp=_needs_totp(request),
    )


@requires("procurement.change_purchaseorder")
def order_edit(request: HttpRequest, pk: int) -> HttpResponse:
    order = get_object_or_404(PurchaseOrder, pk=pk)
    initial = {
        "supplier": order.supplier_id,
        "market": order.market,
        "currency": order.currency,
        "expected_date": order.expected_date,
        "notes": order.notes,
    }
    form = OrderForm(request.POST or None, initial=initial)
    reason_form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid() and reason_form.is_valid():
        try:
            services.change_order(
                Actor.from_request(request),
                order.pk,
                reason=reason_form.cleaned_data["reason"],
                expected_version=posted_version(request),
                **form.cleaned_data,
            )
        except DomainError as exc:
            apply_domain_error(form, exc, reason_form=reason_form)
        else:
            messages.success(request, _("Changes saved."))
            return redirect("procurement:order_detail", pk=order.pk)
    return render(
        request,
        "procurement/order_edit.html",
        {"form": form, "reason_form": reason_form, "order": order},
    )


@requires("procurement.change_purchaseorder")
def line_add(request: HttpRequest, pk: int) -> HttpResponse:
    order = get_object_or_404(PurchaseOrder, pk=pk)
    form = LineForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.add_line(Actor.from_request(request), order.pk, **form.cleaned_data)
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            messages.success(request, _("Line added."))
            return redirect("procurement:order_detail", pk=order.pk)
    return render(
        request, "procurement/line_form.html", {"form": form, "order": order, "creating": True}
    )


@requires("procurement.change_purchaseorder")
def line_edit(request: HttpRequest, pk: int) -> HttpResponse:
    line = get_object_or_404(PurchaseOrderLine.objects.select_related("order"), pk=pk)
    initial = {
        "product": line.product_id,
        "quantity": format(line.quantity.normalize(), "f"),
        "unit_price": format(line.unit_price.normalize(), "f"),
    }
    form = LineForm(request.POST or None, initial=initial)
    reason_form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid() and reason_form.is_valid():
        try:
            services.change_line(
                Actor.from_request(request),
                line.pk,
                reason=reason_form.cleaned_data["reason"],
                expected_version=posted_version(request),
                **form.cleaned_data,
            )
        except DomainError as exc:
            apply_domain_error(form, exc, reason_form=reason_form)
        else:
            messages.success(request, _("Changes saved."))
            return redirect("procurement:order_detail", pk=line.order_id)
    return render(
        request,
        "procurement/line_form.html",
        {
            "form": form,
            "reason_form": reason_form,
            "order": line.order,
            "line": line,
            "creating": False,
        },
    )


@requires("procurement.change_purchaseorder")
def line_remove(request: HttpRequest, pk: int) -> HttpResponse:
    line = get_object_or_404(PurchaseOrderLine.objects.select_related("order", "product"), pk=pk)
    reason_form = ReasonForm(request.POST or None)
    if request.method == "POST" and reason_form.is_valid():
        try:
            services.remove_line(
                Actor.from_request(request), line.pk, reason=reason_form.cleaned_data["reason"]
            )
        except DomainError as exc:
            apply_domain_error(reason_form, exc, reason_form=reason_form)
        else:
            messages.success(request, _("Line removed."))
            return redirect("procurement:order_detail", pk=line.order_id)
    return render(
        request,
        "procurement/line_remove.html",
        {"reason_form": reason_form, "order": line.order, "line": line},
    )
