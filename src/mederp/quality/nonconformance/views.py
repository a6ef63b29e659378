"""Pages of this part of the quality system. (Placeholders until the part is built.)"""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from mederp.core.viewperms import requires


@requires("nonconformance.view_nonconformance")
def ncr_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "nonconformance/placeholder.html",
        {"title": _("Nonconformance reports"), "zh": "不合格品报告"},
    )
