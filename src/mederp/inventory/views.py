"""Inventory pages: thin, calling the same services as the API."""

from __future__ import annotations

from django.contrib import messages
from django.forms.models import model_to_dict
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from mederp.core.actors import Actor
from mederp.core.errors import DomainError
from mederp.core.formerrors import apply_domain_error, posted_version
from mederp.core.forms import ReasonForm
from mederp.core.viewperms import requires
from mederp.inventory import selectors, services
from mederp.inventory.forms import LocationForm, WarehouseForm
from mederp.inventory.models import Location, Warehouse


@requires("inventory.view_warehouse")
def warehouse_list(request: HttpRequest) -> HttpResponse:
    return render(request, "inventory/warehouse_list.html", {"warehouses": selectors.warehouses()})


@requires("inventory.view_warehouse", "inventory.view_location")
def warehouse_detail(request: HttpRequest, pk: int) -> HttpResponse:
    warehouse = get_object_or_404(Warehouse, pk=pk)
    return render(
        request,
        "inventory/warehouse_detail.html",
        {
            "warehouse": warehouse,
            "groups": selectors.locations_by_kind(warehouse),
            "history": selectors.warehouse_history(warehouse),
        },
    )


@requires("inventory.add_warehouse")
def warehouse_create(request: HttpRequest) -> HttpResponse:
    form = WarehouseForm(request.POST or None, creating=True)
    if request.method == "POST" and form.is_valid():
        try:
            warehouse = services.create_warehouse(Actor.from_request(request), **form.cleaned_data)
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            messages.success(request, _("Warehouse %(code)s created.") % {"code": warehouse.code})
            return redirect("inventory:warehouse_detail", pk=warehouse.pk)
    return render(request, "inventory/warehouse_form.html", {"form": form, "creating": True})


@requires("inventory.change_warehouse")
def warehouse_edit(request: HttpRequest, pk: int) -> HttpResponse:
    warehouse = get_object_or_404(Warehouse, pk=pk)
    form = WarehouseForm(
        request.POST or None, initial=model_to_dict(warehouse, WarehouseForm.field_names)
    )
    reason_form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid() and reason_form.is_valid():
        try:
            services.change_warehouse(
                Actor.from_request(request),
                warehouse.pk,
                reason=reason_form.cleaned_data["reason"],
                expected_version=posted_version(request),
                **form.cleaned_data,
            )
        except DomainError as exc:
            apply_domain_error(form, exc, reason_form=reason_form)
        else:
            messages.success(request, _("Changes saved."))
            return redirect("inventory:warehouse_detail", pk=warehouse.pk)
    return render(
        request,
        "inventory/warehouse_form.html",
        {
            "form": form,
            "reason_form": reason_form,
            "warehouse": warehouse,
            "creating": False,
        },
    )


@requires("inventory.add_location")
def location_create(request: HttpRequest, pk: int) -> HttpResponse:
    warehouse = get_object_or_404(Warehouse, pk=pk)
    form = LocationForm(request.POST or None, creating=True)
    if request.method == "POST" and form.is_valid():
        try:
            location = services.create_location(
                Actor.from_request(request), warehouse.pk, **form.cleaned_data
            )
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            messages.success(request, _("Location %(code)s created.") % {"code": location.code})
            return redirect("inventory:warehouse_detail", pk=warehouse.pk)
    return render(
        request,
        "inventory/location_form.html",
        {"form": form, "warehouse": warehouse, "creating": True},
    )


@requires("inventory.change_location")
def location_edit(request: HttpRequest, pk: int) -> HttpResponse:
    location = get_object_or_404(Location.objects.select_related("warehouse"), pk=pk)
    form = LocationForm(
        request.POST or None, initial=model_to_dict(location, LocationForm.field_names)
    )
    reason_form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid() and reason_form.is_valid():
        try:
            services.change_location(
                Actor.from_request(request),
                location.pk,
                reason=reason_form.cleaned_data["reason"],
                expected_version=posted_version(request),
                **form.cleaned_data,
            )
        except DomainError as exc:
            apply_domain_error(form, exc, reason_form=reason_form)
        else:
            messages.success(request, _("Changes saved."))
            return redirect("inventory:warehouse_detail", pk=location.warehouse_id)
    return render(
        request,
        "inventory/location_form.html",
        {
            "form": form,
            "reason_form": reason_form,
            "location": location,
            "warehouse": location.warehouse,
            "creating": False,
        },
    )
