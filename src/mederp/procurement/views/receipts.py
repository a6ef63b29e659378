"""Receiving pages: the receive page (scan or type the label, 验收) and the 进货查验记录,
printable. Thin: the service decides."""

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
from mederp.procurement import selectors, services
from mederp.procurement.forms import ReceiptFilterForm, ReceiveForm
from mederp.procurement.models import OrderState


@requires("procurement.view_purchaseorder", "procurement.add_receipt")
def receive(request: HttpRequest, pk: int) -> HttpResponse:
    """Receive goods against an order, one label (one lot or serial) at a time."""
    order = selectors.order_with_lines(pk)
    if order is None:
        raise Http404
    lines = [
        line
        for line in selectors.order_lines(order)
        if line.open_quantity > 0  # type: ignore[attr-defined]
    ]
    locations = selectors.quarantine_locations()
    form = ReceiveForm(request.POST or None, lines=lines, locations=locations)
    receivable = order.state in (OrderState.APPROVED, OrderState.PARTIALLY_RECEIVED)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            receipt = services.receive(
                Actor.from_request(request),
                order.pk,
                [
                    {
                        "order_line": int(data["order_line"]),
                        "quantity": data["quantity"],
                        "accepted": data["accepted"] or None,
                        "lot_number": data["lot_number"],
                        "serial_number": data["serial_number"],
                        "manufacture_date": data["manufacture_date"],
                        "expiry_date": data["expiry_date"],
                        "scan": data["scan"],
                        "rejection_reason": data["rejection_reason"],
                    }
                ],
                location=data["location"],
                notes=data["notes"],
            )
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            messages.success(
                request,
                _("Receipt %(number)s recorded; accepted goods are in quarantine.")
                % {"number": receipt.number},
            )
            if request.POST.get("next") == "again" and order.state != OrderState.RECEIVED:
                return redirect("procurement:receive", pk=order.pk)
            return redirect("procurement:receipt_detail", pk=receipt.pk)
    return render(
        request,
        "procurement/receive.html",
        {
            "order": order,
            "form": form,
            "lines": lines,
            "receivable": receivable,
            "scan_url": reverse("api-v1:preview_scan"),
            "line_gtins": {str(line.pk): line.product.gtin for line in lines},
        },
    )


@requires("procurement.view_receipt")
def receipt_list(request: HttpRequest) -> HttpResponse:
    form = ReceiptFilterForm(request.GET or None)
    f: dict[str, Any] = form.cleaned_data if form.is_valid() else {}
    qs = selectors.receipts_matching(f.get("q", ""))
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "procurement/receipt_list.html",
        {"form": form, "page": page, "query": query.urlencode()},
    )


@requires("procurement.view_receipt")
def receipt_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The 进货查验记录 (CN-08), laid out to print."""
    receipt = selectors.receipt_with_lines(pk)
    if receipt is None:
        raise Http404
    return render(
        request,
        "procurement/receipt_detail.html",
        {"receipt": receipt, "lines": list(receipt.lines.all())},
    )
