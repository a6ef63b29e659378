"""The device history record page and its PDF (21 CFR 820.184; 11.10(b), 11.50)."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from mederp.compliance import dhr, dhr_print
from mederp.core.errors import NotFound
from mederp.core.viewperms import requires


def _record(wo_id: int) -> dhr.Dhr:
    try:
        return dhr.device_history_record(wo_id)
    except NotFound as exc:
        raise Http404(exc.render_message()) from exc


@requires("production.view_workorder")
def dhr_page(request: HttpRequest, wo_id: int) -> HttpResponse:
    """The DHR on screen, printable (the print stylesheet hides the navigation)."""
    record = _record(wo_id)
    return render(request, "compliance/dhr.html", {"dhr": dhr_print.labelled(record)})


@requires("production.view_workorder")
def dhr_pdf(request: HttpRequest, wo_id: int) -> HttpResponse:
    """The DHR as an A4 PDF with every signature's manifestation and the content SHA-256."""
    record = _record(wo_id)
    response = HttpResponse(dhr_print.render_pdf(record), content_type="application/pdf")
    number = record.work_order["number"]
    response["Content-Disposition"] = f'attachment; filename="DHR-{number}.pdf"'
    response["X-Content-SHA256"] = record.content_sha256
    return response
