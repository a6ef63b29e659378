"""Pages of this part of the quality system. (Placeholders until the part is built.)"""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from mederp.core.viewperms import requires


@requires("capa.view_capa")
def capa_list(request: HttpRequest) -> HttpResponse:
    return render(request, "capa/placeholder.html", {"title": _("CAPA"), "zh": "纠正预防措施"})
