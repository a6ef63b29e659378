from django.urls import URLPattern, path

from mederp.quality.complaints import views

app_name = "complaints"
urlpatterns: list[URLPattern] = [
    path("", views.complaint_list, name="complaint_list"),
    path("deadlines/", views.deadlines, name="deadlines"),
]
