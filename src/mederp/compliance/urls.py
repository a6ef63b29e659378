from django.urls import URLPattern, path

from mederp.compliance.views import dhr as dhr_views
from mederp.compliance.views import recalls as recall_views
from mederp.compliance.views import trace as trace_views

app_name = "compliance"
urlpatterns: list[URLPattern] = [
    path("trace/", trace_views.trace_page, name="trace"),
    path("dhr/<int:wo_id>/", dhr_views.dhr_page, name="dhr"),
    path("dhr/<int:wo_id>/pdf/", dhr_views.dhr_pdf, name="dhr_pdf"),
    path("recalls/", recall_views.recall_list, name="recall_list"),
    path("recalls/new/", recall_views.recall_open, name="recall_open"),
    path("recalls/<int:pk>/", recall_views.recall_detail, name="recall_detail"),
    path("recalls/<int:pk>/notify/", recall_views.recall_notify, name="recall_notify"),
    path(
        "recalls/<int:pk>/acknowledge/",
        recall_views.recall_acknowledge,
        name="recall_acknowledge",
    ),
    path(
        "recalls/<int:pk>/lines/<int:line_pk>/account/",
        recall_views.recall_account,
        name="recall_account",
    ),
    path(
        "recalls/<int:pk>/step/<str:name>/",
        recall_views.recall_transition,
        name="recall_transition",
    ),
    path("recalls/<int:pk>/list.<str:fmt>", recall_views.recall_file, name="recall_file"),
]
