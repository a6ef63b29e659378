from django.urls import path

from mederp.catalog import views

app_name = "catalog"
urlpatterns = [
    path("uoms/", views.uom_list, name="uom_list"),
    path("uoms/new/", views.uom_create, name="uom_create"),
    path("uoms/<int:pk>/", views.uom_detail, name="uom_detail"),
    path("uoms/<int:pk>/edit/", views.uom_edit, name="uom_edit"),
]
