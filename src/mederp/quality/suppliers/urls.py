from django.urls import URLPattern, path

from mederp.quality.suppliers import views

app_name = "supplier_quality"
urlpatterns: list[URLPattern] = [
    path("", views.scorecard_list, name="scorecard_list"),
    path("evaluations/new/", views.evaluation_new, name="evaluation_new"),
    path("evaluations/<int:pk>/", views.evaluation_detail, name="evaluation_detail"),
    path(
        "evaluations/<int:pk>/<str:name>/",
        views.evaluation_transition,
        name="evaluation_transition",
    ),
]
