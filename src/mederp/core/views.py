"""Audit trail and outbox pages for QA and auditors (AT-09, AT-10): read-only, filterable, CSV."""

from __future__ import annotations

import csv
from collections.abc import Iterator

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render

from mederp.core import clock
from mederp.core.forms import AuditFilterForm
from mederp.core.models import OutboxEvent
from mederp.core.selectors import AuditFilter, audit_entries, record_types, with_change_items
from mederp.core.viewperms import requires

CSV_COLUMNS = (
    "id",
    "occurred_at",
    "actor_kind",
    "actor_id",
    "actor_name",
    "action",
    "record_type",
    "record_id",
    "record_label",
    "changes",
    "reason",
    "request_id",
    "client_ip",
)


def _filter_from(request: HttpRequest) -> tuple[AuditFilterForm, AuditFilter]:
    form = AuditFilterForm(request.GET or None)
    if form.is_bound and form.is_valid():
        d = form.cleaned_data
        return form, AuditFilter(
            record_type=d["record_type"],
            record_id=d["record_id"],
            actor=d["actor"],
            since=d["since"],
            until=d["until"],
        )
    return form, AuditFilter()


@requires("core.view_auditentry")
def audit_list(request: HttpRequest) -> HttpResponse:
    form, flt = _filter_from(request)
    page = Paginator(audit_entries(flt), 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "core/audit_list.html",
        {
            "form": form,
            "page": page,
            "entries": with_change_items(page.object_list),
            "record_types": record_types(),
            "query": query.urlencode(),
        },
    )


class _Echo:
    def write(self, value: str) -> str:
        return value


@requires("core.view_auditentry", "core.export_auditentry")
def audit_export(request: HttpRequest) -> StreamingHttpResponse:
    _form, flt = _filter_from(request)
    writer = csv.writer(_Echo())

    def rows() -> Iterator[str]:
        yield "\ufeff"  # BOM so spreadsheet programs read the Chinese text as UTF-8
        yield writer.writerow(CSV_COLUMNS)
        for e in audit_entries(flt).iterator(chunk_size=2000):
            yield writer.writerow(
                [
                    getattr(e, c).isoformat() if c == "occurred_at" else getattr(e, c)
                    for c in CSV_COLUMNS
                ]
            )

    stamp = clock.now().strftime("%Y%m%dT%H%M%SZ")
    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="mederp-audit-{stamp}.csv"'
    return response


@requires("core.view_outboxevent")
def outbox_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(OutboxEvent.objects.order_by("-id"), 50).get_page(request.GET.get("page"))
    return render(request, "core/outbox_list.html", {"page": page})
