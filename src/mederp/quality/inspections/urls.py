from django.urls import URLPattern, path

from mederp.quality.inspections import views

app_name = "inspections"
urlpatterns: list[URLPattern] = [
    path("", views.inspection_list, name="inspection_list"),
    path("<int:pk>/", views.inspection_detail, name="inspection_detail"),
    path("<int:pk>/results/", views.inspection_record, name="inspection_record"),
    path("plans/", views.plan_list, name="plan_list"),
    path("plans/new/", views.plan_new, name="plan_new"),
    path("plans/<int:pk>/", views.plan_detail, name="plan_detail"),
    path("plans/<int:pk>/edit/", views.plan_edit, name="plan_edit"),
    path("plans/<int:pk>/revise/", views.plan_revise, name="plan_revise"),
    path("plans/<int:pk>/<str:name>/", views.plan_transition, name="plan_transition"),
]
