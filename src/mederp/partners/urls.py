from django.urls import path

from mederp.partners import views

app_name = "partners"
urlpatterns = [
    path("", views.partner_list, name="partner_list"),
    path("new/", views.partner_create, name="partner_create"),
    path("name-check/", views.partner_name_check, name="partner_name_check"),
    path("<int:pk>/", views.partner_detail, name="partner_detail"),
    path("<int:pk>/edit/", views.partner_edit, name="partner_edit"),
    path("<int:pk>/workflow/<slug:name>/", views.partner_transition, name="partner_transition"),
    path("<int:pk>/documents/new/", views.document_create, name="document_create"),
    path("documents/<int:pk>/edit/", views.document_edit, name="document_edit"),
]
