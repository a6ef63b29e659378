from django.urls import path

from mederp.catalog import views

app_name = "catalog"
urlpatterns = [
    path("products/", views.product_list, name="product_list"),
    path("products/new/", views.product_create, name="product_create"),
    path("products/<int:pk>/", views.product_detail, name="product_detail"),
    path("products/<int:pk>/edit/", views.product_edit, name="product_edit"),
    path("products/<int:pk>/print/", views.product_print, name="product_print"),
    path(
        "products/<int:pk>/workflow/<slug:name>/",
        views.product_transition,
        name="product_transition",
    ),
    path(
        "products/<int:product_pk>/registrations/new/",
        views.registration_create,
        name="registration_create",
    ),
    path(
        "products/<int:product_pk>/registrations/<int:pk>/edit/",
        views.registration_edit,
        name="registration_edit",
    ),
    path("boms/", views.bom_list, name="bom_list"),
    path("boms/new/", views.bom_create, name="bom_create"),
    path("boms/<int:pk>/", views.bom_detail, name="bom_detail"),
    path("boms/<int:pk>/edit/", views.bom_edit, name="bom_edit"),
    path("boms/<int:pk>/workflow/<slug:name>/", views.bom_transition, name="bom_transition"),
    path("boms/<int:pk>/components/new/", views.bom_component_add, name="bom_component_add"),
    path(
        "boms/<int:pk>/components/<int:line_pk>/edit/",
        views.bom_component_edit,
        name="bom_component_edit",
    ),
    path(
        "boms/<int:pk>/components/<int:line_pk>/remove/",
        views.bom_component_remove,
        name="bom_component_remove",
    ),
    path("uoms/", views.uom_list, name="uom_list"),
    path("uoms/new/", views.uom_create, name="uom_create"),
    path("uoms/<int:pk>/", views.uom_detail, name="uom_detail"),
    path("uoms/<int:pk>/edit/", views.uom_edit, name="uom_edit"),
]
