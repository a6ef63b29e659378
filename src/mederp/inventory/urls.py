from django.urls import path

from mederp.inventory import views, views_coldchain, views_stock

app_name = "inventory"
urlpatterns = [
    path("warehouses/", views.warehouse_list, name="warehouse_list"),
    path("warehouses/new/", views.warehouse_create, name="warehouse_create"),
    path("warehouses/<int:pk>/", views.warehouse_detail, name="warehouse_detail"),
    path("warehouses/<int:pk>/edit/", views.warehouse_edit, name="warehouse_edit"),
    path("warehouses/<int:pk>/locations/new/", views.location_create, name="location_create"),
    path("locations/<int:pk>/edit/", views.location_edit, name="location_edit"),
    path("stock/", views_stock.stock_list, name="stock_list"),
    path("lots/<int:pk>/", views_stock.lot_detail, name="lot_detail"),
    path("lots/<int:pk>/<slug:name>/", views_stock.lot_transition, name="lot_transition"),
    path("transfers/new/", views_stock.transfer_create, name="transfer_create"),
    path("counts/", views_stock.count_list, name="count_list"),
    path("counts/<int:pk>/", views_stock.count_detail, name="count_detail"),
    path("near-expiry/", views_stock.near_expiry, name="near_expiry"),
    *views_coldchain.urlpatterns,
]
