"""Product pages: list with market-status badges, detail with certificates, approval state,
signatures and history, the approval steps (sign dialog), a print sheet, forms."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _

from mederp.catalog import rules, selectors, services
from mederp.catalog.forms import ProductForm, ProductSearchForm
from mederp.catalog.models import Product
from mederp.core.actors import Actor
from mederp.core.errors import DomainError
from mederp.core.formerrors import apply_domain_error, posted_version
from mederp.core.forms import ReasonForm
from mederp.core.viewperms import requires
from mederp.core.workflow_views import actions_for, transition_page
from mederp.identity.credentials import signing_needs_totp
from mederp.identity.models import User

PAGE_SIZE = 25


@requires("catalog.view_product")
def product_list(request: HttpRequest) -> HttpResponse:
    form = ProductSearchForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    qs = selectors.search_products(
        filters.get("q", ""),
        tracking=filters.get("tracking", ""),
        device_class=filters.get("device_class", ""),
    )
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    today = selectors.business_date()
    for product in page.object_list:
        product.market_status = list(  # type: ignore[attr-defined]
            selectors.registration_statuses(product, today).items()
        )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "catalog/product_list.html",
        {
            "form": form,
            "page": page,
            "products": page.object_list,
            "query": query.urlencode(),
        },
    )


def _needs_totp(request: HttpRequest) -> bool:
    """Whether the sign dialog asks for the TOTP code (ES-09: first signature of a session)."""
    user = request.user
    return isinstance(user, User) and signing_needs_totp(user, request.session.session_key)


def _detail_context(product: Product) -> dict[str, Any]:
    today = selectors.business_date()
    registrations = selectors.product_registrations(product)
    for reg in registrations:
        reg.status = rules.certificate_status(reg, today)  # type: ignore[attr-defined]
        reg.days_left = rules.days_left(reg, today)  # type: ignore[attr-defined]
    return {
        "product": product,
        "registrations": registrations,
        "market_status": list(selectors.registration_statuses(product, today).items()),
        "approval": selectors.approval_of(product),
        "today": today,
    }


@requires("catalog.view_product")
def product_detail(request: HttpRequest, pk: int) -> HttpResponse:
    product = get_object_or_404(Product.objects.select_related("uom"), pk=pk)
    context = _detail_context(product)
    context["history"] = selectors.product_history(product)
    context["actions"] = actions_for(
        request,
        product,
        url_for=lambda name: reverse("catalog:product_transition", args=[product.pk, name]),
        needs_totp=_needs_totp(request),
    )
    return render(request, "catalog/product_detail.html", context)


@requires("catalog.view_product")
def product_print(request: HttpRequest, pk: int) -> HttpResponse:
    """The product sheet for printing, with every signature's manifestation (ES-02)."""
    product = get_object_or_404(Product.objects.select_related("uom"), pk=pk)
    return render(request, "catalog/product_print.html", _detail_context(product))


@requires("catalog.view_product")
def product_transition(request: HttpRequest, pk: int, name: str) -> HttpResponse:
    """A workflow step (submit, approve, reject, obsolete): the sign dialog's target, and its
    own page without JavaScript. The service checks the step's permission and signature."""
    product = get_object_or_404(Product.objects.select_related("uom"), pk=pk)
    return transition_page(
        request,
        product,
        name,
        perform=lambda **values: services.transition_product(
            Actor.from_request(request),
            product.pk,
            name,
            session_key=request.session.session_key,
            **values,
        ),
        done_url=reverse("catalog:product_detail", args=[product.pk]),
        needs_totp=_needs_totp(request),
    )


def _warn_near_duplicates(request: HttpRequest, product: Product) -> None:
    """Similar names do not block the create (they may be sizes of one device family), but the
    user is shown them with links to check (首营品种 review)."""
    near = selectors.near_duplicate_products(
        product.name_zh, product.name_en, exclude_id=product.pk
    )
    if not near:
        return
    links = format_html_join(
        ", ",
        '<a href="{}">{} {}</a> ({})',
        (
            (reverse("catalog:product_detail", args=[m.id]), m.code, m.name, f"{m.score:.0%}")
            for m in near
        ),
    )
    messages.warning(
        request,
        format_html(
            "{} {}",
            _("Products with similar names already exist; check this is not a duplicate:"),
            links,
        ),
    )


@requires("catalog.add_product")
def product_create(request: HttpRequest) -> HttpResponse:
    form = ProductForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            product = services.create_product(Actor.from_request(request), **form.service_values())
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            messages.success(request, _("Product %(code)s created.") % {"code": product.code})
            _warn_near_duplicates(request, product)
            return redirect("catalog:product_detail", pk=product.pk)
    return render(request, "catalog/product_form.html", {"form": form, "creating": True})


@requires("catalog.change_product")
def product_edit(request: HttpRequest, pk: int) -> HttpResponse:
    product = get_object_or_404(Product.objects.select_related("uom"), pk=pk)
    form = ProductForm(request.POST or None, product=product)
    reason_form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid() and reason_form.is_valid():
        try:
            services.change_product(
                Actor.from_request(request),
                product.pk,
                reason=reason_form.cleaned_data["reason"],
                expected_version=posted_version(request),
                **form.service_values(),
            )
        except DomainError as exc:
            apply_domain_error(form, exc, reason_form=reason_form)
        else:
            messages.success(request, _("Changes saved."))
            return redirect("catalog:product_detail", pk=product.pk)
    return render(
        request,
        "catalog/product_form.html",
        {
            "form": form,
            "reason_form": reason_form,
            "product": product,
            "creating": False,
        },
    )
