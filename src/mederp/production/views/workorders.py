"""Work order pages: list, plan, the detail page (BOM components planned, expected and issued;
issues, outputs, scrap, operations, checks, genealogy, yield, the closing signature, history)
and the workflow steps (the sign dialog for closing)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from mederp.core.actors import Actor
from mederp.core.errors import DomainError
from mederp.core.formerrors import apply_domain_error
from mederp.core.viewperms import requires
from mederp.core.workflow_views import actions_for, transition_page
from mederp.identity.credentials import signing_needs_totp
from mederp.identity.models import User
from mederp.production import rules, selectors, services
from mederp.production.forms import WorkOrderFilterForm, WorkOrderForm
from mederp.production.models import WorkOrder

PAGE_SIZE = 50

#: Service field names → form field names, for showing a refusal next to its field.
FORM_FIELDS = {
    "product_id": "product",
    "bom_id": "bom",
    "production_location_id": "production_location",
    "output_location_id": "output_location",
}


def needs_totp(request: HttpRequest) -> bool:
    """Whether the sign dialog asks for the TOTP code (ES-09: first signature of a session)."""
    user = request.user
    return isinstance(user, User) and signing_needs_totp(user, request.session.session_key)


def load(pk: int) -> WorkOrder:
    order = selectors.get_work_order(pk)
    if order is None:
        raise Http404
    return order


@requires("production.view_workorder")
def workorder_list(request: HttpRequest) -> HttpResponse:
    form = WorkOrderFilterForm(request.GET or None)
    f: dict[str, Any] = form.cleaned_data if form.is_valid() else {}
    qs = selectors.search_work_orders(f.get("q", ""), state=f.get("state", ""))
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "production/workorder_list.html",
        {"form": form, "page": page, "orders": page.object_list, "query": query.urlencode()},
    )


@requires("production.add_workorder")
def workorder_create(request: HttpRequest) -> HttpResponse:
    form = WorkOrderForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            order = services.create_work_order(Actor.from_request(request), **form.service_values())
        except DomainError as exc:
            field = exc.details.get("field")
            if isinstance(field, str) and field in FORM_FIELDS:
                exc.details["field"] = FORM_FIELDS[field]
            apply_domain_error(form, exc)
        else:
            messages.success(
                request, _("Work order %(number)s planned.") % {"number": order.number}
            )
            return redirect("production:workorder_detail", pk=order.pk)
    return render(request, "production/workorder_form.html", {"form": form})


@requires("production.view_workorder")
def workorder_detail(request: HttpRequest, pk: int) -> HttpResponse:
    order = load(pk)
    view = selectors.work_order_view(order)
    return render(
        request,
        "production/workorder_detail.html",
        {
            "order": order,
            "view": view,
            "open": order.state in rules.OPEN_STATES,
            "signatures": selectors.work_order_signatures(order),
            "history": selectors.work_order_history(order),
            "dhr_url": f"/compliance/dhr/{order.pk}/",
            "actions": actions_for(
                request,
                order,
                url_for=lambda name: reverse(
                    "production:workorder_transition", args=[order.pk, name]
                ),
                needs_totp=needs_totp(request),
            ),
        },
    )


@requires("production.view_workorder")
def workorder_transition(request: HttpRequest, pk: int, name: str) -> HttpResponse:
    """A workflow step (release, complete, cancel, close): the sign dialog's target, and its own
    page without JavaScript. The service checks permission, state and signature."""
    order = load(pk)
    return transition_page(
        request,
        order,
        name,
        perform=lambda **values: services.transition_work_order(
            Actor.from_request(request),
            order.pk,
            name,
            session_key=request.session.session_key,
            **values,
        ),
        done_url=reverse("production:workorder_detail", args=[order.pk]),
        needs_totp=needs_totp(request),
    )
