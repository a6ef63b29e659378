"""/quality/...: one include per part of the quality system."""

from django.urls import URLResolver, include, path

urlpatterns: list[URLResolver] = [
    path("", include("mederp.quality.dashboard.urls")),
    path("inspections/", include("mederp.quality.inspections.urls")),
    path("disposition/", include("mederp.quality.disposition.urls")),
    path("ncrs/", include("mederp.quality.nonconformance.urls")),
    path("capas/", include("mederp.quality.capa.urls")),
    path("complaints/", include("mederp.quality.complaints.urls")),
    path("suppliers/", include("mederp.quality.suppliers.urls")),
]
