"""The pick page: the pick list of an allocated order and a scan input (UDI-02). Each scan is
one call to the picking service; a refusal shows its code next to the scan field."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from mederp.core.actors import Actor
from mederp.core.errors import DomainError
from mederp.core.formerrors import apply_domain_error
from mederp.core.viewperms import requires
from mederp.inventory.rules import normal
from mederp.sales import selectors, services
from mederp.sales.forms import PickForm
from mederp.sales.models import OrderStatus, SalesOrder


@requires("sales.pick_salesorder")
def order_pick(request: HttpRequest, pk: int) -> HttpResponse:
    order = get_object_or_404(SalesOrder.objects.select_related("customer"), pk=pk)
    open_allocations = selectors.open_allocations(order)
    form = PickForm(request.POST or None, allocations=open_allocations)
    if request.method == "POST" and form.is_valid():
        chosen = form.cleaned_data.get("allocation")
        try:
            done = services.pick_by_scan(
                Actor.from_request(request),
                order.pk,
                scan=form.cleaned_data["scan"],
                quantity=form.cleaned_data["quantity"],
                allocation_id=int(chosen) if chosen else None,
            )
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            messages.success(
                request,
                _("Picked %(quantity)s × %(item)s.")
                % {
                    "quantity": normal(done.quantity),
                    "item": done.serial_number or done.lot_number or done.gtin,
                },
            )
            order.refresh_from_db()
            if order.status != OrderStatus.ALLOCATED:
                messages.success(request, _("Every allocation is picked: ready for review."))
                return redirect("sales:order_detail", pk=order.pk)
            return redirect("sales:order_pick", pk=order.pk)
    return render(
        request,
        "sales/order_pick.html",
        {
            "order": order,
            "form": form,
            "allocations": open_allocations,
            "picks": selectors.order_picks(order),
            "pickable": order.status == OrderStatus.ALLOCATED,
        },
    )
