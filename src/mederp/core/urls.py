from django.urls import path

from mederp.core import views, workflow_views

app_name = "core"
urlpatterns = [
    path("", views.audit_list, name="audit_list"),
    path("export.csv", views.audit_export, name="audit_export"),
    path("events/", views.outbox_list, name="outbox_list"),
    path("workflows/", workflow_views.workflow_list, name="workflow_list"),
]
