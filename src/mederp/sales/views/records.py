"""Distribution records (销售记录, CN-09) — the recall list — and returns (退货)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from mederp.core.actors import Actor
from mederp.core.errors import DomainError
from mederp.core.formerrors import apply_domain_error
from mederp.core.viewperms import requires
from mederp.sales import rules, selectors, services
from mederp.sales.forms import RecordFilterForm, ReturnForm
from mederp.sales.models import DistributionRecord

PAGE_SIZE = 50


@requires("sales.view_distributionrecord")
def record_list(request: HttpRequest) -> HttpResponse:
    form = RecordFilterForm(request.GET or None)
    f: dict[str, Any] = form.cleaned_data if form.is_valid() else {}
    qs = selectors.distribution_records(
        q=f.get("q", ""),
        gtin=f.get("gtin", ""),
        lot=f.get("lot", ""),
        serial=f.get("serial", ""),
        since=f.get("since"),
        until=f.get("until"),
    )
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "sales/record_list.html",
        {"form": form, "page": page, "records": page.object_list, "query": query.urlencode()},
    )


@requires("sales.view_distributionrecord")
def record_detail(request: HttpRequest, pk: int) -> HttpResponse:
    record = get_object_or_404(DistributionRecord, pk=pk)
    returns = list(selectors.returns(record_id=record.pk))
    returnable = rules.returnable(record.quantity, [r.quantity for r in returns])
    return render(
        request,
        "sales/record_detail.html",
        {"record": record, "returns": returns, "returnable": returnable},
    )


@requires("sales.add_salesreturn")
def return_create(request: HttpRequest, pk: int) -> HttpResponse:
    record = get_object_or_404(DistributionRecord, pk=pk)
    form = ReturnForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            received = services.receive_return(
                Actor.from_request(request),
                record=record.pk,
                quantity=form.cleaned_data["quantity"],
                to_location=form.cleaned_data["to_location"],
                reason=form.cleaned_data["reason"],
                scan=form.cleaned_data.get("scan") or "",
            )
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            messages.success(
                request,
                _("Return %(number)s received into %(location)s; it stays there until QA decides.")
                % {"number": received.number, "location": received.to_location.code},
            )
            return redirect("sales:record_detail", pk=record.pk)
    return render(request, "sales/return_form.html", {"record": record, "form": form})


@requires("sales.view_salesreturn")
def return_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.returns(), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request, "sales/return_list.html", {"page": page, "returns": page.object_list, "query": ""}
    )
