from django.urls import URLPattern, path

from mederp.quality.nonconformance import views

app_name = "nonconformance"
urlpatterns: list[URLPattern] = [
    path("", views.ncr_list, name="ncr_list"),
]
