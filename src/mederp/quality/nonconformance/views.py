"""NCR pages: the list with filters, raising an NCR by hand, the detail with the affected
stock, the investigation, the signed disposition and the signed closure (QE-01). Thin: every
change goes through :mod:`mederp.quality.nonconformance.services`."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from mederp.core import signatures, workflow
from mederp.core.actors import Actor
from mederp.core.errors import DomainError
from mederp.core.formerrors import apply_domain_error
from mederp.core.viewperms import requires
from mederp.core.workflow_views import Action, sign_form, transition_page
from mederp.identity.credentials import signing_needs_totp
from mederp.identity.models import User
from mederp.inventory.models import Lot, Serial
from mederp.quality.capa import selectors as capa_selectors
from mederp.quality.nonconformance import display, selectors, services
from mederp.quality.nonconformance.forms import (
    DispositionForm,
    InvestigationForm,
    NcrFilterForm,
    RaiseNcrForm,
)
from mederp.quality.nonconformance.models import Nonconformance
from mederp.quality.nonconformance.signing import (
    ADD_PERMISSION,
    CLOSE,
    DISPOSITION_PERMISSION,
    INVESTIGATE_PERMISSION,
    NCR,
    VIEW_PERMISSION,
)

PAGE_SIZE = 50


def needs_totp(request: HttpRequest) -> bool:
    user = request.user
    return isinstance(user, User) and signing_needs_totp(user, request.session.session_key)


@requires(VIEW_PERMISSION)
def ncr_list(request: HttpRequest) -> HttpResponse:
    form = NcrFilterForm(request.GET or None)
    f: dict[str, Any] = form.cleaned_data if form.is_valid() else {}
    qs = selectors.ncr_list(
        state=f.get("state") or None,
        source=f.get("source") or None,
        supplier_id=f["supplier"].pk if f.get("supplier") else None,
        product_id=f["product"].pk if f.get("product") else None,
    )
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "nonconformance/ncr_list.html",
        {"form": form, "page": page, "ncrs": page.object_list, "query": query.urlencode()},
    )


def _affected(product: Any, number: str, quantity: str) -> list[services.AffectedItem]:
    number = number.strip()
    if not number:
        return []
    serial = Serial.objects.filter(product=product, serial_number=number).first()
    if serial is not None:
        return [services.AffectedItem(None, serial.pk, quantity or "1")]  # type: ignore[arg-type]
    lot = Lot.objects.filter(product=product, number=number).first()
    # An unknown number is refused by the service (item_not_found) with nothing written.
    return [services.AffectedItem(lot.pk if lot else 0, None, quantity)]  # type: ignore[arg-type]


@requires(ADD_PERMISSION)
def ncr_new(request: HttpRequest) -> HttpResponse:
    form = RaiseNcrForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            ncr = services.open_ncr(
                Actor.from_request(request),
                source=d["source"],
                source_id=None,
                source_ref=d["source_ref"],
                product=d["product"],
                supplier=d["supplier"],
                severity=d["severity"],
                description=d["description"],
                items=_affected(d["product"], d["lot_or_serial"], d["quantity"]),
            )
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            messages.success(request, _("%(number)s raised.") % {"number": ncr.number})
            return redirect("nonconformance:ncr_detail", pk=ncr.pk)
    return render(request, "nonconformance/ncr_form.html", {"form": form})


def _detail(
    request: HttpRequest,
    ncr: Nonconformance,
    *,
    investigation: InvestigationForm | None = None,
    disposition: DispositionForm | None = None,
) -> HttpResponse:
    user = request.user
    return render(
        request,
        "nonconformance/ncr_detail.html",
        {
            "ncr": ncr,
            "items": display.item_rows(selectors.items_of(ncr)),
            "signatures": signatures.signatures_for(ncr),
            "can_investigate": user.has_perm(INVESTIGATE_PERMISSION)
            and ncr.state in ("open", "investigating"),
            "can_disposition": user.has_perm(DISPOSITION_PERMISSION)
            and ncr.state == "investigating",
            "can_close": user.has_perm("nonconformance.close_nonconformance")
            and ncr.state == "dispositioned",
            "investigation_form": investigation
            or InvestigationForm(
                initial={
                    "investigation": ncr.investigation,
                    "root_cause": ncr.root_cause,
                    "capa_id": ncr.capa_id,
                }
            ),
            "disposition_form": disposition or DispositionForm(needs_totp=needs_totp(request)),
            "close_action": _close_action(request, ncr),
            # CapaLink rows are the source of truth (opening a CAPA from here writes only the
            # link); the investigation's CAPA id is shown too (QE-07).
            "capas": capa_selectors.linked_to("ncr", ncr.pk, also=(ncr.capa_id,)),
            "open_capa_url": reverse("capa:capa_open") + f"?ncr={ncr.pk}"
            if user.has_perm("capa.add_capa")
            else "",
        },
    )


def _close_action(request: HttpRequest, ncr: Nonconformance) -> Action:
    t = workflow.workflow_for(ncr).get(CLOSE)
    url = reverse("nonconformance:ncr_transition", args=[ncr.pk, CLOSE])
    return Action(t, url, sign_form(t, NCR, needs_totp=needs_totp(request)))


def _ncr(pk: int) -> Nonconformance:
    return get_object_or_404(Nonconformance.objects.select_related("product", "supplier"), pk=pk)


@requires(VIEW_PERMISSION)
def ncr_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, _ncr(pk))


@requires(INVESTIGATE_PERMISSION)
def ncr_investigate(request: HttpRequest, pk: int) -> HttpResponse:
    ncr = _ncr(pk)
    form = InvestigationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.investigate_ncr(
                Actor.from_request(request),
                ncr.pk,
                investigation=d["investigation"],
                root_cause=d["root_cause"],
                capa_id=d["capa_id"],
            )
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            messages.success(request, _("Investigation recorded."))
            return redirect("nonconformance:ncr_detail", pk=ncr.pk)
    return _detail(request, ncr, investigation=form)


@requires(DISPOSITION_PERMISSION)
def ncr_disposition(request: HttpRequest, pk: int) -> HttpResponse:
    ncr = _ncr(pk)
    form = DispositionForm(request.POST or None, needs_totp=needs_totp(request))
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.disposition_ncr(
                Actor.from_request(request),
                ncr.pk,
                disposition=d["disposition"],
                reason=d["reason"],
                return_reference=d["return_reference"],
                password=d["password"],
                totp=d.get("totp") or None,
                session_key=request.session.session_key,
            )
        except DomainError as exc:
            if exc.code == "identity.totp_required" and "totp" not in form.fields:
                form = DispositionForm(request.POST, needs_totp=True)
                form.is_valid()
            apply_domain_error(form, exc)
        else:
            messages.success(request, _("Disposition signed and carried out."))
            return redirect("nonconformance:ncr_detail", pk=ncr.pk)
    return _detail(request, _ncr(pk), disposition=form)


@requires(VIEW_PERMISSION)
def ncr_transition(request: HttpRequest, pk: int, name: str) -> HttpResponse:
    """Closing by signature (the only generic transition page; the service checks all)."""
    ncr = _ncr(pk)
    if name != CLOSE:
        raise Http404
    return transition_page(
        request,
        ncr,
        name,
        perform=lambda **values: services.close_ncr(
            Actor.from_request(request),
            ncr.pk,
            password=values.get("password", ""),
            totp=values.get("totp"),
            reason=values.get("reason", ""),
            session_key=request.session.session_key,
        ),
        done_url=reverse("nonconformance:ncr_detail", args=[ncr.pk]),
        needs_totp=needs_totp(request),
    )
