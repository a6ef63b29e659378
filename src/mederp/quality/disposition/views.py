"""Lot disposition pages: the deviation list (with the lots waiting for QA's decision), a new
deviation, its page with the approval by signature, and the disposition page of one lot (its
inspections, deviations, concessions, DHR gaps and whether it can be released now). Thin: every
change goes through :mod:`mederp.quality.disposition.services`; the release and rejection
themselves are inventory's sign dialog, where the gate runs."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from mederp.core import signatures
from mederp.core.actors import Actor
from mederp.core.errors import DomainError
from mederp.core.formerrors import apply_domain_error
from mederp.core.selectors import record_history
from mederp.core.viewperms import requires
from mederp.core.workflow_views import actions_for, transition_page
from mederp.identity.credentials import signing_needs_totp
from mederp.identity.models import User
from mederp.inventory.models import Lot, Serial, StockStatus
from mederp.quality.disposition import approval, gates, selectors, services
from mederp.quality.disposition.forms import DeviationFilterForm, DeviationForm, FindItemForm
from mederp.quality.disposition.models import Deviation

VIEW = approval.VIEW_PERMISSION
PAGE_SIZE = 50
WAITING_SHOWN = 50


def needs_totp(request: HttpRequest) -> bool:
    """Whether the sign form asks for the TOTP code (ES-09: first signature of a session)."""
    user = request.user
    return isinstance(user, User) and signing_needs_totp(user, request.session.session_key)


@requires(VIEW)
def deviation_list(request: HttpRequest) -> HttpResponse:
    form = DeviationFilterForm(request.GET or None)
    f: dict[str, Any] = form.cleaned_data if form.is_valid() else {}
    qs = selectors.deviations(state=f.get("state", ""), q=f.get("q", ""))
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    waiting = (
        Lot.objects.filter(status__in=(StockStatus.QUARANTINE, StockStatus.ON_HOLD))
        .select_related("product")
        .order_by("-id")[:WAITING_SHOWN]
    )
    return render(
        request,
        "disposition/deviation_list.html",
        {
            "form": form,
            "page": page,
            "deviations": page.object_list,
            "query": query.urlencode(),
            "waiting": waiting,
        },
    )


def _item_from(request: HttpRequest) -> Lot | Serial | None:
    lot, serial = request.GET.get("lot", ""), request.GET.get("serial", "")
    if serial.isdigit():
        return get_object_or_404(Serial.objects.select_related("product", "lot"), pk=serial)
    if lot.isdigit():
        return get_object_or_404(Lot.objects.select_related("product"), pk=lot)
    return None


def _find(form: FindItemForm) -> str | None:
    """The query string naming the one lot or serial the form's number means, or None (the
    error is put on the form)."""
    number = form.cleaned_data["number"].strip()
    product = (form.cleaned_data.get("product") or "").strip()
    lots = Lot.objects.filter(number=number)
    serials = Serial.objects.filter(serial_number=number)
    if product:
        lots, serials = lots.filter(product__code=product), serials.filter(product__code=product)
    found = [f"lot={pk}" for pk in lots.values_list("pk", flat=True)[:2]]
    found += [f"serial={pk}" for pk in serials.values_list("pk", flat=True)[:2]]
    if len(found) == 1:
        return found[0]
    if not found:
        form.add_error("number", _("No lot or serial %(n)s is known.") % {"n": number})
    else:
        form.add_error("product", _("Several products have %(n)s: name one.") % {"n": number})
    return None


@requires(approval.REQUEST_PERMISSION)
def deviation_new(request: HttpRequest) -> HttpResponse:
    item = _item_from(request)
    if item is None:
        find = FindItemForm(request.GET if "number" in request.GET else None)
        if find.is_bound and find.is_valid():
            query = _find(find)
            if query is not None:
                return redirect(f"{reverse('disposition:deviation_new')}?{query}")
        return render(request, "disposition/deviation_find.html", {"form": find})
    open_inspections = [
        i for i in selectors.gate_inspections(item) if i.state != "completed" and i.result != "fail"
    ]
    initial = {"inspection": request.GET.get("inspection", "")}
    form = DeviationForm(request.POST or None, initial=initial, inspections=open_inspections)
    if request.method == "POST" and form.is_valid():
        try:
            deviation = services.request_deviation(
                Actor.from_request(request),
                lot_id=item.pk if isinstance(item, Lot) else None,
                serial_id=item.pk if isinstance(item, Serial) else None,
                inspection_id=form.cleaned_data.get("inspection"),
                stage=form.cleaned_data.get("stage") or "",
                reason=form.cleaned_data["reason"],
                justification=form.cleaned_data["justification"],
                risk_assessment=form.cleaned_data["risk_assessment"],
            )
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            messages.success(
                request,
                _("Deviation %(number)s requested: QA approves it by signature.")
                % {"number": deviation.number},
            )
            return redirect("disposition:deviation_detail", pk=deviation.pk)
    return render(
        request,
        "disposition/deviation_form.html",
        {"form": form, "item": item, "item_label": selectors.item_label(item)},
    )


@requires(VIEW)
def deviation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    deviation = get_object_or_404(
        Deviation.objects.select_related("product", "lot", "serial"), pk=pk
    )
    return render(
        request,
        "disposition/deviation_detail.html",
        {
            "deviation": deviation,
            "stage_label": selectors.stage_label(deviation.stage) if deviation.stage else "",
            "signatures": signatures.signatures_for(deviation),
            "history": record_history(approval.DEVIATION, deviation.pk),
            "actions": actions_for(
                request,
                deviation,
                url_for=lambda name: reverse(
                    "disposition:deviation_transition", args=[deviation.pk, name]
                ),
                needs_totp=needs_totp(request),
            ),
        },
    )


@requires(VIEW)
def deviation_transition(request: HttpRequest, pk: int, name: str) -> HttpResponse:
    """Approve (signed), close or cancel: the sign dialog's target, and its own page without
    JavaScript. The service checks the permission, the signer and the state."""
    deviation = get_object_or_404(Deviation, pk=pk)
    actor = Actor.from_request(request)

    def perform(**values: Any) -> Any:
        if name == approval.APPROVE:
            return services.approve_deviation(
                actor,
                deviation.pk,
                password=values.get("password", ""),
                totp=values.get("totp"),
                reason=values.get("reason", ""),
                session_key=request.session.session_key,
            )
        return services.end_deviation(actor, deviation.pk, name, reason=values.get("reason", ""))

    return transition_page(
        request,
        deviation,
        name,
        perform=perform,
        done_url=reverse("disposition:deviation_detail", args=[deviation.pk]),
        needs_totp=needs_totp(request),
    )


@requires(VIEW)
def lot_disposition(request: HttpRequest, lot_id: int) -> HttpResponse:
    """One lot: its inspections (each with the deviation that waives it or the concession that
    covers its failure), deviations, the DHR gaps of the work orders that made it, and what the
    gate says about releasing or rejecting it now."""
    lot = get_object_or_404(Lot.objects.select_related("product"), pk=lot_id)
    disposition = gates.disposition_of(lot)
    decidable = lot.status in (StockStatus.QUARANTINE, StockStatus.ON_HOLD)
    return render(
        request,
        "disposition/lot_disposition.html",
        {
            "lot": lot,
            "d": disposition,
            "decidable": decidable,
            "can_decide": request.user.has_perm("inventory.release_lot"),
            "release_url": reverse("inventory:lot_transition", args=[lot.pk, "release"]),
            "reject_url": reverse("inventory:lot_transition", args=[lot.pk, "reject"]),
        },
    )
