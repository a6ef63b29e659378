from django.urls import URLPattern, path

from mederp.quality.suppliers import views

app_name = "supplier_quality"
urlpatterns: list[URLPattern] = [
    path("", views.scorecard_list, name="scorecard_list"),
]
