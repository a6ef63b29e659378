"""Registration certificate pages (注册证 / 备案凭证): add and change, from the product page."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from mederp.catalog import services
from mederp.catalog.forms import RegistrationForm
from mederp.catalog.models import Product, Registration
from mederp.core.actors import Actor
from mederp.core.errors import DomainError
from mederp.core.formerrors import apply_domain_error, posted_version
from mederp.core.forms import ReasonForm
from mederp.core.selectors import record_history
from mederp.core.viewperms import requires


@requires("catalog.add_registration")
def registration_create(request: HttpRequest, product_pk: int) -> HttpResponse:
    product = get_object_or_404(Product, pk=product_pk)
    form = RegistrationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            registration = services.add_registration(
                Actor.from_request(request), product.pk, **form.service_values()
            )
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            messages.success(
                request, _("Certificate %(number)s recorded.") % {"number": registration.number}
            )
            return redirect("catalog:product_detail", pk=product.pk)
    return render(
        request,
        "catalog/registration_form.html",
        {
            "form": form,
            "product": product,
            "creating": True,
        },
    )


@requires("catalog.change_registration")
def registration_edit(request: HttpRequest, product_pk: int, pk: int) -> HttpResponse:
    registration = get_object_or_404(
        Registration.objects.select_related("product"), pk=pk, product_id=product_pk
    )
    form = RegistrationForm(request.POST or None, registration=registration)
    reason_form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid() and reason_form.is_valid():
        try:
            services.change_registration(
                Actor.from_request(request),
                registration.pk,
                reason=reason_form.cleaned_data["reason"],
                expected_version=posted_version(request),
                **form.service_values(),
            )
        except DomainError as exc:
            apply_domain_error(form, exc, reason_form=reason_form)
        else:
            messages.success(request, _("Changes saved."))
            return redirect("catalog:product_detail", pk=product_pk)
    return render(
        request,
        "catalog/registration_form.html",
        {
            "form": form,
            "reason_form": reason_form,
            "product": registration.product,
            "registration": registration,
            "creating": False,
            "history": record_history("catalog.registration", registration.pk),
        },
    )
