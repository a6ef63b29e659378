from django.urls import path

from mederp.production import views

app_name = "production"
urlpatterns = [
    path("work-orders/", views.workorder_list, name="workorder_list"),
    path("work-orders/new/", views.workorder_create, name="workorder_create"),
    path("work-orders/<int:pk>/", views.workorder_detail, name="workorder_detail"),
    path("work-orders/<int:pk>/issue/", views.workorder_issue, name="workorder_issue"),
    path("work-orders/<int:pk>/output/", views.workorder_output, name="workorder_output"),
    path("work-orders/<int:pk>/scrap/", views.workorder_scrap, name="workorder_scrap"),
    path("work-orders/<int:pk>/operation/", views.workorder_operation, name="workorder_operation"),
    path("work-orders/<int:pk>/check/", views.workorder_check, name="workorder_check"),
    path(
        "work-orders/<int:pk>/workflow/<slug:name>/",
        views.workorder_transition,
        name="workorder_transition",
    ),
]
