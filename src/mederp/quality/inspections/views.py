"""Pages of this part of the quality system. (Placeholders until the part is built.)"""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from mederp.core.viewperms import requires


@requires("inspections.view_inspection")
def inspection_list(request: HttpRequest) -> HttpResponse:
    return render(
        request, "inspections/placeholder.html", {"title": _("Inspections"), "zh": "检验"}
    )


@requires("inspections.view_inspectionplan")
def plan_list(request: HttpRequest) -> HttpResponse:
    return render(
        request, "inspections/placeholder.html", {"title": _("Inspection plans"), "zh": "检验计划"}
    )
