"""Stock pages: stock on hand, lot detail with QA decisions (sign dialog), transfer with a
scan-friendly lot field, cycle counts with signed approval, near-expiry report. Thin: the same
services as the API (docs/ledger.md)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from mederp.core import signatures
from mederp.core.actors import Actor
from mederp.core.errors import DomainError
from mederp.core.formerrors import apply_domain_error
from mederp.core.forms import SignForm
from mederp.core.viewperms import requires
from mederp.core.workflow_views import TOTP_REQUIRED, actions_for, transition_page
from mederp.identity.credentials import signing_needs_totp
from mederp.identity.models import User
from mederp.inventory import rules, scan, selectors, services
from mederp.inventory.forms import CountOpenForm, StockFilterForm, TransferForm
from mederp.inventory.models import CycleCount, CycleCountStatus, Lot, Serial


def _needs_totp(request: HttpRequest) -> bool:
    user = request.user
    return isinstance(user, User) and signing_needs_totp(user, request.session.session_key)


@requires("inventory.view_balance")
def stock_list(request: HttpRequest) -> HttpResponse:
    form = StockFilterForm(request.GET or None)
    product = location = None
    if form.is_valid():
        product = selectors.find_product(form.cleaned_data["product"])
        location = form.cleaned_data["location"] or None
        if form.cleaned_data["product"] and product is None:
            form.add_error("product", _("No product with this code or GTIN."))
    balances = list(selectors.stock_on_hand(product, location=location)[:500])
    for b in balances:
        item = b.serial or b.lot
        b.status = selectors.effective_status(item) if item is not None else ""  # type: ignore[attr-defined]
        b.free = rules.normal(b.quantity - b.reserved)  # type: ignore[attr-defined]
    return render(request, "inventory/stock_list.html", {"form": form, "balances": balances})


@requires("inventory.view_lot")
def lot_detail(request: HttpRequest, pk: int) -> HttpResponse:
    lot = get_object_or_404(Lot.objects.select_related("product", "inspected_by"), pk=pk)
    return render(
        request,
        "inventory/lot_detail.html",
        {
            "lot": lot,
            "effective_status": selectors.effective_status(lot),
            "balances": selectors.stock_on_hand(lot.product_id).filter(lot_id=lot.pk),
            "moves": selectors.moves_of(lot=lot),
            "holds": selectors.active_holds_for(lot.product_id).filter(lot_id=lot.pk),
            "serials": Serial.objects.filter(lot=lot).order_by("serial_number")[:200],
            "signatures": signatures.signatures_for(lot),
            "actions": actions_for(
                request,
                lot,
                url_for=lambda name: reverse("inventory:lot_transition", args=[lot.pk, name]),
                needs_totp=_needs_totp(request),
            ),
        },
    )


@requires("inventory.view_lot")
def lot_transition(request: HttpRequest, pk: int, name: str) -> HttpResponse:
    """Release, reject, hold or recall: the sign dialog's target, and its own page without
    JavaScript. The service checks the permission, the signature and segregation of duties."""
    lot = get_object_or_404(Lot.objects.select_related("product"), pk=pk)
    return transition_page(
        request,
        lot,
        name,
        perform=lambda **values: services.change_status(
            Actor.from_request(request),
            Lot,
            lot.pk,
            name,
            session_key=request.session.session_key,
            **values,
        ),
        done_url=reverse("inventory:lot_detail", args=[lot.pk]),
        needs_totp=_needs_totp(request),
    )


def _resolve_scan(form: TransferForm, product: Any) -> tuple[Lot | None, Serial | None]:
    """The lot/serial the scan field names, for this product; errors go on the form."""
    raw = form.cleaned_data.get("scan") or ""
    if not raw.strip():
        return None, None
    item = scan.read(raw)
    if item.gtin is not None and item.gtin != product.gtin:
        form.add_error(
            "scan", _("The scanned GTIN %(gtin)s is not this product's.") % {"gtin": item.gtin}
        )
        return None, None
    serial = None
    if item.serial:
        serial = Serial.objects.filter(product=product, serial_number=item.serial).first()
        if serial is None:
            form.add_error("scan", _("No serial %(s)s of this product.") % {"s": item.serial})
            return None, None
    lot = None
    if item.lot and product.tracking == "serial" and serial is None:
        serial = Serial.objects.filter(product=product, serial_number=item.lot).first()
    if item.lot and serial is None:
        lot = Lot.objects.filter(product=product, number=item.lot).first()
        if lot is None:
            form.add_error("scan", _("No lot %(lot)s of this product.") % {"lot": item.lot})
    return lot, serial


@requires("inventory.add_move")
def transfer_create(request: HttpRequest) -> HttpResponse:
    form = TransferForm(request.POST or None, initial=request.GET or None)
    if request.method == "POST" and form.is_valid():
        product = selectors.find_product(form.cleaned_data["product"])
        if product is None:
            form.add_error("product", _("No product with this code or GTIN."))
        else:
            lot, serial = _resolve_scan(form, product)
            if not form.errors:
                try:
                    move = services.transfer(
                        Actor.from_request(request),
                        product=product,
                        lot=lot,
                        serial=serial,
                        quantity=form.cleaned_data["quantity"],
                        from_location=int(form.cleaned_data["from_location"]),
                        to_location=int(form.cleaned_data["to_location"]),
                        reason=form.cleaned_data["reason"],
                    )
                except DomainError as exc:
                    apply_domain_error(form, exc)
                else:
                    messages.success(
                        request,
                        _("Moved %(qty)s of %(product)s.")
                        % {"qty": rules.normal(move.quantity), "product": product.code},
                    )
                    if lot is not None:
                        return redirect("inventory:lot_detail", pk=lot.pk)
                    return redirect("inventory:stock_list")
    return render(request, "inventory/transfer_form.html", {"form": form})


@requires("inventory.view_lot", "inventory.view_balance")
def near_expiry(request: HttpRequest) -> HttpResponse:
    return render(request, "inventory/near_expiry.html", {"rows": selectors.near_expiry_rows()})


# --- cycle counts -------------------------------------------------------------------------------


@requires("inventory.view_cyclecount")
def count_list(request: HttpRequest) -> HttpResponse:
    form = CountOpenForm(request.POST or None)
    if request.method == "POST":
        if not request.user.has_perm("inventory.add_cyclecount"):
            return HttpResponse(status=403)
        if form.is_valid():
            try:
                count = services.open_count(
                    Actor.from_request(request), int(form.cleaned_data["location"])
                )
            except DomainError as exc:
                apply_domain_error(form, exc)
            else:
                return redirect("inventory:count_detail", pk=count.pk)
    counts = CycleCount.objects.select_related("location", "location__warehouse")[:200]
    return render(request, "inventory/count_list.html", {"form": form, "counts": counts})


def _count_sign_forms(
    request: HttpRequest, data: Any = None, *, step: str | None = None, totp: bool | None = None
) -> dict[str, SignForm]:
    """The approve and reject sign forms; only the posted one (``step``) is bound."""
    needs = _needs_totp(request) if totp is None else totp
    return {
        "approved": SignForm(
            data if step == "approved" else None,
            meaning="approved",
            needs_totp=needs,
            prefix="approve",
        ),
        "rejected": SignForm(
            data if step == "rejected" else None,
            meaning="rejected",
            needs_totp=needs,
            reason_required=True,
            prefix="reject",
        ),
    }


@requires("inventory.view_cyclecount")
def count_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The count sheet: enter what was found (counter), then approve or reject the differences
    by signature (someone else)."""
    count = get_object_or_404(CycleCount.objects.select_related("location"), pk=pk)
    lines = list(count.lines.select_related("product", "lot", "serial").order_by("id"))
    step = request.POST.get("step") if request.method == "POST" else None
    errors: list[str] = []
    sign_forms = _count_sign_forms(request, request.POST, step=step)
    if step == "record":
        if not request.user.has_perm("inventory.change_cyclecount"):
            return HttpResponse(status=403)
        counts = {line.pk: request.POST.get(f"line-{line.pk}", "").strip() for line in lines}
        try:
            services.record_counts(
                Actor.from_request(request),
                count.pk,
                counts={k: v for k, v in counts.items() if v != ""},
            )
        except DomainError as exc:
            errors.append(exc.render_message())
        else:
            messages.success(request, _("Count recorded."))
            return redirect("inventory:count_detail", pk=count.pk)
    elif step in ("approved", "rejected"):
        form = sign_forms[step]
        if form.is_valid():
            try:
                services.decide_count(
                    Actor.from_request(request),
                    count.pk,
                    step,
                    session_key=request.session.session_key,
                    **form.credentials(),
                )
            except DomainError as exc:
                if exc.code == TOTP_REQUIRED:
                    sign_forms = _count_sign_forms(request, request.POST, step=step, totp=True)
                    sign_forms[step].is_valid()
                apply_domain_error(sign_forms[step], exc)
            else:
                messages.success(request, _("Count decided."))
                return redirect("inventory:count_detail", pk=count.pk)
    return render(
        request,
        "inventory/count_detail.html",
        {
            "count": count,
            "lines": lines,
            "errors": errors,
            "sign_forms": sign_forms,
            "can_record": count.status == CycleCountStatus.OPEN
            and request.user.has_perm("inventory.change_cyclecount"),
            "can_decide": count.status == CycleCountStatus.COUNTED
            and request.user.has_perm("inventory.approve_cyclecount"),
            "signatures": signatures.signatures_for(count),
            "zero": Decimal(0),
        },
    )
