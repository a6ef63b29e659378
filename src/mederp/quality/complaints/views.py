"""Pages of this part of the quality system. (Placeholders until the part is built.)"""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from mederp.core.viewperms import requires


@requires("complaints.view_complaint")
def complaint_list(request: HttpRequest) -> HttpResponse:
    return render(request, "complaints/placeholder.html", {"title": _("Complaints"), "zh": "投诉"})


@requires("complaints.view_complaint")
def deadlines(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "complaints/placeholder.html",
        {"title": _("Reporting deadlines"), "zh": "报告时限"},
    )
