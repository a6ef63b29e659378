"""Pages of this part of the quality system. (Placeholders until the part is built.)"""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from mederp.core.viewperms import requires


@requires("supplier_quality.view_supplierevaluation")
def scorecard_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "supplier_quality/placeholder.html",
        {"title": _("Supplier evaluation"), "zh": "供应商评价"},
    )
