"""Sales order pages: list, create with lines, detail with the gates, allocations, picks,
review signature and history; the workflow steps (sign dialog for the review)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from mederp.core.actors import Actor
from mederp.core.errors import DomainError
from mederp.core.formerrors import apply_domain_error
from mederp.core.viewperms import requires
from mederp.core.workflow_views import actions_for, transition_page
from mederp.identity.credentials import signing_needs_totp
from mederp.identity.models import User
from mederp.sales import selectors, services
from mederp.sales.forms import BaseLineFormSet, LineFormSet, OrderFilterForm, OrderForm
from mederp.sales.models import OrderStatus, SalesOrder

PAGE_SIZE = 50


def needs_totp(request: HttpRequest) -> bool:
    """Whether the sign dialog asks for the TOTP code (ES-09: first signature of a session)."""
    user = request.user
    return isinstance(user, User) and signing_needs_totp(user, request.session.session_key)


@requires("sales.view_salesorder")
def order_list(request: HttpRequest) -> HttpResponse:
    form = OrderFilterForm(request.GET or None)
    f: dict[str, Any] = form.cleaned_data if form.is_valid() else {}
    qs = selectors.search_orders(f.get("q", ""), status=f.get("status", ""))
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "sales/order_list.html",
        {"form": form, "page": page, "orders": page.object_list, "query": query.urlencode()},
    )


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
                for msg in fields.get(key) or [f"{exc.render_message()} [{exc.code}]"]:
                    filled[index].add_error(parts[2], msg)
                placed = True
    return placed


@requires("sales.add_salesorder")
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
                request, _("Sales order %(number)s created.") % {"number": order.number}
            )
            return redirect("sales:order_detail", pk=order.pk)
    return render(request, "sales/order_form.html", {"form": form, "lines": lines})


def _order(pk: int) -> SalesOrder:
    return get_object_or_404(SalesOrder.objects.select_related("customer", "reviewed_by"), pk=pk)


@requires("sales.view_salesorder")
def order_detail(request: HttpRequest, pk: int) -> HttpResponse:
    order = _order(pk)
    lines = selectors.order_lines(order)
    return render(
        request,
        "sales/order_detail.html",
        {
            "order": order,
            "lines": lines,
            "problems": selectors.order_problems(order),
            "picks": selectors.order_picks(order),
            "shipment": selectors.shipment_of(order),
            "signatures": selectors.order_signatures(order),
            "pickable": order.status == OrderStatus.ALLOCATED,
            "history": selectors.order_history(order),
            "actions": actions_for(
                request,
                order,
                url_for=lambda name: reverse("sales:order_transition", args=[order.pk, name]),
                needs_totp=needs_totp(request),
            ),
        },
    )


@requires("sales.view_salesorder")
def order_transition(request: HttpRequest, pk: int, name: str) -> HttpResponse:
    """A workflow step (confirm, allocate, review, ship, cancel): the sign dialog's target, and
    its own page without JavaScript. The service checks permission, gates and signature."""
    order = _order(pk)
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
        done_url=reverse("sales:order_detail", args=[order.pk]),
        needs_totp=needs_totp(request),
    )
