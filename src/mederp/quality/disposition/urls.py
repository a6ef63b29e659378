from django.urls import URLPattern, path

from mederp.quality.disposition import views

app_name = "disposition"
urlpatterns: list[URLPattern] = [
    path("", views.deviation_list, name="deviation_list"),
    path("deviations/new/", views.deviation_new, name="deviation_new"),
    path("deviations/<int:pk>/", views.deviation_detail, name="deviation_detail"),
    path(
        "deviations/<int:pk>/<slug:name>/",
        views.deviation_transition,
        name="deviation_transition",
    ),
    path("lots/<int:lot_id>/", views.lot_disposition, name="lot_disposition"),
]
