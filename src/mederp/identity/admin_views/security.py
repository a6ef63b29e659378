"""The security-events page (AT-12; 21 CFR 11.300(d)): filter, page, export, chain status."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render

from mederp.core import canonical
from mederp.core.viewperms import requires
from mederp.identity import admin_selectors, securitylog
from mederp.identity.admin_forms import SecurityFilterForm
from mederp.identity.admin_views.common import csv_download, iso
from mederp.identity.models import SecurityEvent

CSV_COLUMNS = (
    "id",
    "occurred_at",
    "kind",
    "username",
    "client_ip",
    "target",
    "detail",
    "request_id",
    "hash",
)


def _filter_from(
    request: HttpRequest,
) -> tuple[SecurityFilterForm, admin_selectors.SecurityFilter]:
    form = SecurityFilterForm(request.GET or None)
    if form.is_bound and form.is_valid():
        d = form.cleaned_data
        return form, admin_selectors.SecurityFilter(
            kind=d["kind"],
            user=d["user"],
            client_ip=d["client_ip"],
            since=d["since"],
            until=d["until"],
        )
    return form, admin_selectors.SecurityFilter()


# Walking the whole chain on every page view is fine for a small log; past this, on request.
VERIFY_ON_VIEW_MAX = 20000


def _chain_status(request: HttpRequest) -> dict[str, Any]:
    """Whether the log can be trusted: the chain recomputed now (``securitylog.verify``)."""
    if request.GET.get("verify") == "1" or SecurityEvent.objects.count() <= VERIFY_ON_VIEW_MAX:
        return {"chain_checked": True, "first_bad": securitylog.verify()}
    return {"chain_checked": False, "first_bad": None}


@requires("identity.view_securityevent")
def security_events(request: HttpRequest) -> HttpResponse:
    form, flt = _filter_from(request)
    page = Paginator(admin_selectors.security_events(flt), 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "identity/admin/security_events.html",
        {
            "form": form,
            "page": page,
            "kinds": admin_selectors.security_kinds(),
            "query": query.urlencode(),
            **_chain_status(request),
        },
    )


@requires("identity.view_securityevent")
def security_events_export(request: HttpRequest) -> StreamingHttpResponse:
    _form, flt = _filter_from(request)
    filters: dict[str, Any] = {k: v for k, v in vars(flt).items() if v}

    def rows() -> Any:
        for e in admin_selectors.security_events(flt).iterator(chunk_size=2000):
            yield [
                e.pk,
                iso(e.occurred_at),
                e.kind,
                e.username,
                e.client_ip,
                e.target,
                canonical.dumps(e.detail),
                e.request_id,
                e.hash,
            ]

    return csv_download(
        request,
        report="security-events",
        header=CSV_COLUMNS,
        rows=rows(),
        filters=canonical.to_json_value(filters),
    )
