from django.urls import URLPattern, path

from mederp.quality.dashboard import views

app_name = "quality_dashboard"
urlpatterns: list[URLPattern] = [
    path("", views.dashboard, name="dashboard"),
]
