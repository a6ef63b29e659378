"""URL map. Every view requires login (LoginRequiredMiddleware) and a permission; the only open
URLs are login, language switch, health and static files (proved by tests/test_url_access.py)."""

from django.urls import include, path

from mederp.config.api import api
from mederp.ui import views as ui_views

urlpatterns = [
    path("", include("mederp.ui.urls")),
    path("healthz", ui_views.healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("mederp.identity.urls")),
    path("audit/", include("mederp.core.urls")),
    path("catalog/", include("mederp.catalog.urls")),
    path("partners/", include("mederp.partners.urls")),
    path("inventory/", include("mederp.inventory.urls")),
    path("procurement/", include("mederp.procurement.urls")),
    path("sales/", include("mederp.sales.urls")),
    path("production/", include("mederp.production.urls")),
    path("compliance/", include("mederp.compliance.urls")),
    path("quality/", include("mederp.quality.urls")),
    path("integration/", include("mederp.integration.urls")),
    path("api/v1/", api.urls),
]
