"""Unit of measure pages: thin, calling the same services as the API."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from mederp.catalog import services
from mederp.catalog.forms import UomForm
from mederp.catalog.models import UnitOfMeasure
from mederp.core.actors import Actor
from mederp.core.errors import DomainError
from mederp.core.formerrors import apply_domain_error, posted_version
from mederp.core.forms import ReasonForm
from mederp.core.selectors import record_history
from mederp.core.viewperms import requires


@requires("catalog.view_unitofmeasure")
def uom_list(request: HttpRequest) -> HttpResponse:
    return render(request, "catalog/uom_list.html", {"uoms": UnitOfMeasure.objects.all()})


@requires("catalog.view_unitofmeasure")
def uom_detail(request: HttpRequest, pk: int) -> HttpResponse:
    uom = get_object_or_404(UnitOfMeasure, pk=pk)
    history = record_history("catalog.unitofmeasure", uom.pk)
    return render(request, "catalog/uom_detail.html", {"uom": uom, "history": history})


@requires("catalog.add_unitofmeasure")
def uom_create(request: HttpRequest) -> HttpResponse:
    form = UomForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            d = form.cleaned_data
            uom = services.create_uom(
                Actor.from_request(request),
                code=d["code"],
                name_zh=d["name_zh"],
                name_en=d["name_en"],
            )
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            messages.success(request, _("Unit of measure %(code)s created.") % {"code": uom.code})
            return redirect("catalog:uom_detail", pk=uom.pk)
    return render(request, "catalog/uom_form.html", {"form": form, "creating": True})


@requires("catalog.change_unitofmeasure")
def uom_edit(request: HttpRequest, pk: int) -> HttpResponse:
    uom = get_object_or_404(UnitOfMeasure, pk=pk)
    form = UomForm(request.POST or None, instance=UnitOfMeasure.objects.get(pk=pk))
    reason_form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid() and reason_form.is_valid():
        try:
            services.change_uom(
                Actor.from_request(request),
                uom.pk,
                reason=reason_form.cleaned_data["reason"],
                expected_version=posted_version(request),
                **form.cleaned_data,
            )
        except DomainError as exc:
            apply_domain_error(form, exc, reason_form=reason_form)
        else:
            messages.success(request, _("Changes saved."))
            return redirect("catalog:uom_detail", pk=uom.pk)
    return render(
        request,
        "catalog/uom_form.html",
        {
            "form": form,
            "reason_form": reason_form,
            "uom": uom,
            "creating": False,
        },
    )
