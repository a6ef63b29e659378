from django.urls import URLPattern, path

from mederp.quality.complaints import views

app_name = "complaints"
urlpatterns: list[URLPattern] = [
    path("", views.complaint_list, name="complaint_list"),
    path("new/", views.complaint_new, name="complaint_new"),
    path("deadlines/", views.deadlines, name="deadlines"),
    path("rules/", views.rule_list, name="rule_list"),
    path("rules/new/", views.rule_new, name="rule_new"),
    path("rules/<int:pk>/", views.rule_edit, name="rule_edit"),
    path("<int:pk>/", views.complaint_detail, name="complaint_detail"),
    path("<int:pk>/assess/", views.complaint_assess, name="complaint_assess"),
    path("<int:pk>/investigation/", views.complaint_investigation, name="complaint_investigation"),
    path(
        "<int:pk>/reports/<int:report_pk>/submit/",
        views.complaint_submit_report,
        name="complaint_submit_report",
    ),
    path("<int:pk>/ncr/", views.complaint_ncr, name="complaint_ncr"),
    path("<int:pk>/capa/", views.complaint_capa, name="complaint_capa"),
    path("<int:pk>/recall/", views.complaint_recall, name="complaint_recall"),
    path(
        "<int:pk>/transition/<str:name>/", views.complaint_transition, name="complaint_transition"
    ),
]
