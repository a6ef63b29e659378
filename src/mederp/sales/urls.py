from django.urls import path

from mederp.sales import views

app_name = "sales"
urlpatterns = [
    path("orders/", views.order_list, name="order_list"),
    path("orders/new/", views.order_create, name="order_create"),
    path("orders/<int:pk>/", views.order_detail, name="order_detail"),
    path("orders/<int:pk>/pick/", views.order_pick, name="order_pick"),
    path(
        "orders/<int:pk>/workflow/<slug:name>/",
        views.order_transition,
        name="order_transition",
    ),
    path("distribution-records/", views.record_list, name="record_list"),
    path("distribution-records/<int:pk>/", views.record_detail, name="record_detail"),
    path("distribution-records/<int:pk>/return/", views.return_create, name="return_create"),
    path("returns/", views.return_list, name="return_list"),
]
