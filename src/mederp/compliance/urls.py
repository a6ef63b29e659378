from django.urls import URLPattern, path

from mederp.compliance.views import dhr as dhr_views
from mederp.compliance.views import trace as trace_views

app_name = "compliance"
urlpatterns: list[URLPattern] = [
    path("trace/", trace_views.trace_page, name="trace"),
    path("dhr/<int:wo_id>/", dhr_views.dhr_page, name="dhr"),
    path("dhr/<int:wo_id>/pdf/", dhr_views.dhr_pdf, name="dhr_pdf"),
]
