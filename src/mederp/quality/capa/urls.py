from django.urls import URLPattern, path

from mederp.quality.capa import views

app_name = "capa"
urlpatterns: list[URLPattern] = [
    path("", views.capa_list, name="capa_list"),
]
