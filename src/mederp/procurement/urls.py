from django.urls import path

from mederp.procurement import views

app_name = "procurement"
urlpatterns = [
    path("orders/", views.order_list, name="order_list"),
    path("orders/new/", views.order_create, name="order_create"),
    path("orders/<int:pk>/", views.order_detail, name="order_detail"),
    path("orders/<int:pk>/edit/", views.order_edit, name="order_edit"),
    path("orders/<int:pk>/lines/new/", views.line_add, name="line_add"),
    path("orders/<int:pk>/receive/", views.receive, name="receive"),
    path(
        "orders/<int:pk>/workflow/<slug:name>/",
        views.order_transition,
        name="order_transition",
    ),
    path("lines/<int:pk>/edit/", views.line_edit, name="line_edit"),
    path("lines/<int:pk>/remove/", views.line_remove, name="line_remove"),
    path("receipts/", views.receipt_list, name="receipt_list"),
    path("receipts/<int:pk>/", views.receipt_detail, name="receipt_detail"),
]
