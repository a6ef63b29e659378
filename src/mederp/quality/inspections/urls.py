from django.urls import URLPattern, path

from mederp.quality.inspections import views

app_name = "inspections"
urlpatterns: list[URLPattern] = [
    path("", views.inspection_list, name="inspection_list"),
    path("plans/", views.plan_list, name="plan_list"),
]
