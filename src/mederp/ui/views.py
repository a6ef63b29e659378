from __future__ import annotations

from django.apps import apps
from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from mederp.core.viewperms import requires_login

DASHBOARD_CARDS = (
    (_("Products"), "catalog.Product", "catalog.view_product", "catalog:product_list"),
    (_("Partners"), "partners.Partner", "partners.view_partner", "partners:partner_list"),
    (_("Locations"), "inventory.Location", "inventory.view_location", "inventory:warehouse_list"),
    (_("Audit entries"), "core.AuditEntry", "core.view_auditentry", "core:audit_list"),
)


@requires_login
def dashboard(request: HttpRequest) -> HttpResponse:
    cards = []
    for label, model, perm, url_name in DASHBOARD_CARDS:
        if request.user.has_perm(perm):
            count = apps.get_model(model).objects.count()
            cards.append({"label": label, "value": count, "url": reverse(url_name)})
    return render(request, "ui/dashboard.html", {"counts": cards})


@login_not_required
@require_GET
def healthz(request: HttpRequest) -> HttpResponse:
    """Process and database liveness; open so load balancers can probe it."""
    try:
        with connection.cursor() as cur:
            cur.execute("SELECT 1")
        return JsonResponse({"status": "ok"})
    except Exception:
        return JsonResponse({"status": "database unavailable"}, status=503)
