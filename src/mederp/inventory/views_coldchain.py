"""Cold-chain pages (issue 4 §6, §10): location temperatures with their range, excursions with
the stock they hold, the holds list, and QA's sign dialogs (release, reject, close). Thin: the
services decide, refusals come back on the form with their code."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from mederp.core import signatures
from mederp.core.actors import Actor
from mederp.core.errors import DomainError
from mederp.core.formerrors import apply_domain_error
from mederp.core.forms import SignForm
from mederp.core.viewperms import requires
from mederp.identity.credentials import signing_needs_totp
from mederp.identity.models import User
from mederp.inventory.coldchain import selectors, services
from mederp.inventory.coldchain.chart import sparkline
from mederp.inventory.coldchain.excursions import active_holds_of
from mederp.inventory.models import Excursion, Location, StockHold

TOTP_REQUIRED = "identity.totp_required"
READINGS_SHOWN = 200


class RejectForm(SignForm):
    """The sign form of a rejection, with where the rejected stock goes (不合格品区)."""

    to_location = forms.ModelChoiceField(
        label=gettext_lazy("Move the stock to"), queryset=Location.objects.none()
    )

    def __init__(self, *args: Any, locations: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["to_location"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = locations
        self.order_fields(["to_location", "password", "totp", "reason"])


class Dialog:
    """One signed decision on a page: its button, its <dialog>, its page without JavaScript."""

    def __init__(self, name: str, label: str, meaning: str, url: str, form: SignForm) -> None:
        self.name, self.label, self.meaning, self.url, self.form = name, label, meaning, url, form

    @property
    def dialog_id(self) -> str:
        return f"sign-{self.name}"

    @property
    def meaning_label(self) -> str:
        return signatures.meaning_label(self.meaning)


def _needs_totp(request: HttpRequest) -> bool:
    user = request.user
    return isinstance(user, User) and signing_needs_totp(user, request.session.session_key)


def _release_form(request: HttpRequest, data: Any = None, totp: bool | None = None) -> SignForm:
    return SignForm(
        data,
        meaning="released",
        needs_totp=_needs_totp(request) if totp is None else totp,
        reason_required=True,
        prefix="release",
    )


def _reject_form(
    request: HttpRequest, hold: StockHold, data: Any = None, totp: bool | None = None
) -> SignForm:
    return RejectForm(
        data,
        meaning="rejected",
        needs_totp=_needs_totp(request) if totp is None else totp,
        reason_required=True,
        prefix="reject",
        locations=selectors.rejection_locations(hold),
    )


def _close_form(request: HttpRequest, data: Any = None, totp: bool | None = None) -> SignForm:
    return SignForm(
        data,
        meaning="closed",
        needs_totp=_needs_totp(request) if totp is None else totp,
        reason_required=True,
        prefix="close",
    )


def _sign_page(
    request: HttpRequest,
    *,
    record: Any,
    make_form: Callable[..., SignForm],
    perform: Callable[[SignForm], Any],
    dialog: Callable[[SignForm], Dialog],
    done_url: str,
    done_message: str,
) -> HttpResponse:
    """GET: the sign form on a page of its own (no JavaScript needed). POST: sign; a refusal
    (wrong password, missing TOTP, no permission, wrong state) is shown on the form."""
    data = request.POST if request.method == "POST" else None
    form = make_form(data)
    if request.method == "POST" and form.is_valid():
        try:
            perform(form)
        except DomainError as exc:
            if exc.code == TOTP_REQUIRED and "totp" not in form.fields:
                form = make_form(data, totp=True)
                form.is_valid()
            apply_domain_error(form, exc)
        else:
            messages.success(request, done_message)
            return redirect(done_url)
    return render(
        request,
        "inventory/coldchain/sign_page.html",
        {"record": record, "dialog": dialog(form), "back_url": done_url},
    )


def _credentials(form: SignForm) -> dict[str, Any]:
    values = form.credentials()
    return {"password": values["password"], "totp": values["totp"], "reason": values["reason"]}


@requires("inventory.view_temperaturereading", "inventory.view_location")
def coldchain_overview(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "inventory/coldchain/overview.html",
        {
            "monitored": selectors.monitored_locations(),
            "open_excursions": selectors.excursions(status="open"),
            "active_holds": selectors.holds(active=True).count(),
        },
    )


@requires("inventory.view_temperaturereading", "inventory.view_location")
def location_readings(request: HttpRequest, pk: int) -> HttpResponse:
    location = get_object_or_404(Location.objects.select_related("warehouse"), pk=pk)
    temperature = selectors.location_temperature(location, limit=READINGS_SHOWN)
    return render(
        request,
        "inventory/coldchain/location.html",
        {
            "location": location,
            "t": temperature,
            "newest_first": list(reversed(temperature.recent)),
            "excursions": selectors.excursions(location_id=location.pk)[:20],
            "shown": READINGS_SHOWN,
        },
    )


@requires("inventory.view_excursion")
def excursion_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status") or None
    if status not in (None, "open", "closed"):
        status = None
    return render(
        request,
        "inventory/coldchain/excursion_list.html",
        {"excursions": selectors.excursions(status=status)[:500], "status": status},
    )


def _close_dialog(excursion: Excursion, form: SignForm) -> Dialog:
    url = reverse("inventory:excursion_close", args=[excursion.pk])
    return Dialog("close", _("Close the excursion"), "closed", url, form)


@requires("inventory.view_excursion", "inventory.view_stockhold")
def excursion_detail(request: HttpRequest, pk: int) -> HttpResponse:
    excursion = get_object_or_404(
        Excursion.objects.select_related(
            "location__warehouse", "first_reading", "last_reading", "closed_by"
        ),
        pk=pk,
    )
    during = list(selectors.readings_during(excursion)[: READINGS_SHOWN + 1])
    can_close = excursion.status == "open" and request.user.has_perm("inventory.close_excursion")
    return render(
        request,
        "inventory/coldchain/excursion_detail.html",
        {
            "excursion": excursion,
            "held": [selectors.held_stock(h) for h in selectors.holds_of(excursion)],
            "active_holds": active_holds_of(excursion),
            "during": during[:READINGS_SHOWN],
            "more_readings": len(during) > READINGS_SHOWN,
            "reading_count": selectors.readings_during(excursion).count(),
            "chart": sparkline(
                [(r.measured_at, r.celsius) for r in during[:READINGS_SHOWN]],
                excursion.location.temp_min_c,
                excursion.location.temp_max_c,
                width=720,
                height=140,
            ),
            "close": can_close,
            "close_dialogs": [_close_dialog(excursion, _close_form(request))] if can_close else [],
            "signatures": signatures.signatures_for(excursion),
        },
    )


@requires("inventory.view_excursion")
def excursion_close(request: HttpRequest, pk: int) -> HttpResponse:
    excursion = get_object_or_404(Excursion.objects.select_related("location"), pk=pk)
    return _sign_page(
        request,
        record=excursion,
        make_form=lambda data, totp=None: _close_form(request, data, totp),
        perform=lambda form: services.close_excursion(
            Actor.from_request(request),
            excursion.pk,
            session_key=request.session.session_key,
            **_credentials(form),
        ),
        dialog=lambda form: _close_dialog(excursion, form),
        done_url=reverse("inventory:excursion_detail", args=[excursion.pk]),
        done_message=_("Excursion %(id)s closed.") % {"id": excursion.pk},
    )


@requires("inventory.view_stockhold")
def hold_list(request: HttpRequest) -> HttpResponse:
    show = request.GET.get("show", "active")
    active = {"active": True, "ended": False, "all": None}.get(show, True)
    return render(
        request,
        "inventory/coldchain/hold_list.html",
        {"holds": selectors.holds(active=active)[:500], "show": show},
    )


def _hold(pk: int) -> StockHold:
    return get_object_or_404(
        StockHold.objects.select_related(
            "product", "lot", "serial", "location__warehouse", "release_signature"
        ),
        pk=pk,
    )


def _release_dialog(hold: StockHold, form: SignForm) -> Dialog:
    url = reverse("inventory:hold_release", args=[hold.pk])
    return Dialog("release", _("Release the stock"), "released", url, form)


def _reject_dialog(hold: StockHold, form: SignForm) -> Dialog:
    url = reverse("inventory:hold_reject", args=[hold.pk])
    return Dialog("reject", _("Reject the stock"), "rejected", url, form)


@requires("inventory.view_stockhold")
def hold_detail(request: HttpRequest, pk: int) -> HttpResponse:
    hold = _hold(pk)
    held = selectors.held_stock(hold)
    dialogs = []
    if hold.released_at is None and request.user.has_perm("inventory.release_stockhold"):
        dialogs.append(_release_dialog(hold, _release_form(request)))
        if hold.location_id is not None and held.stock:
            dialogs.append(_reject_dialog(hold, _reject_form(request, hold)))
    return render(
        request,
        "inventory/coldchain/hold_detail.html",
        {
            "hold": hold,
            "held": held,
            "excursion": selectors.excursion_of(hold),
            "dialogs": dialogs,
            "signatures": held.signatures,
        },
    )


@requires("inventory.view_stockhold")
def hold_release(request: HttpRequest, pk: int) -> HttpResponse:
    hold = _hold(pk)
    return _sign_page(
        request,
        record=hold,
        make_form=lambda data, totp=None: _release_form(request, data, totp),
        perform=lambda form: services.release_hold(
            Actor.from_request(request),
            hold.pk,
            session_key=request.session.session_key,
            **_credentials(form),
        ),
        dialog=lambda form: _release_dialog(hold, form),
        done_url=reverse("inventory:hold_detail", args=[hold.pk]),
        done_message=_("Hold %(id)s released.") % {"id": hold.pk},
    )


@requires("inventory.view_stockhold")
def hold_reject(request: HttpRequest, pk: int) -> HttpResponse:
    hold = _hold(pk)
    return _sign_page(
        request,
        record=hold,
        make_form=lambda data, totp=None: _reject_form(request, hold, data, totp),
        perform=lambda form: services.reject_held_stock(
            Actor.from_request(request),
            hold.pk,
            to_location=form.cleaned_data["to_location"],
            session_key=request.session.session_key,
            **_credentials(form),
        ),
        dialog=lambda form: _reject_dialog(hold, form),
        done_url=reverse("inventory:hold_detail", args=[hold.pk]),
        done_message=_("Held stock of hold %(id)s rejected.") % {"id": hold.pk},
    )


#: Added to inventory/urls.py (namespace ``inventory``).
urlpatterns = [
    path("cold-chain/", coldchain_overview, name="coldchain_overview"),
    path("cold-chain/locations/<int:pk>/", location_readings, name="location_readings"),
    path("excursions/", excursion_list, name="excursion_list"),
    path("excursions/<int:pk>/", excursion_detail, name="excursion_detail"),
    path("excursions/<int:pk>/close/", excursion_close, name="excursion_close"),
    path("holds/", hold_list, name="hold_list"),
    path("holds/<int:pk>/", hold_detail, name="hold_detail"),
    path("holds/<int:pk>/release/", hold_release, name="hold_release"),
    path("holds/<int:pk>/reject/", hold_reject, name="hold_reject"),
]
