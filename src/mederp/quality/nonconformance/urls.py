from django.urls import URLPattern, path

from mederp.quality.nonconformance import views

app_name = "nonconformance"
urlpatterns: list[URLPattern] = [
    path("", views.ncr_list, name="ncr_list"),
    path("new/", views.ncr_new, name="ncr_new"),
    path("<int:pk>/", views.ncr_detail, name="ncr_detail"),
    path("<int:pk>/investigate/", views.ncr_investigate, name="ncr_investigate"),
    path("<int:pk>/disposition/", views.ncr_disposition, name="ncr_disposition"),
    path("<int:pk>/<str:name>/", views.ncr_transition, name="ncr_transition"),
]
