"""The integration pages under /integration/ (the outbound relay)."""

from django.urls import URLPattern, path

from mederp.integration import views

app_name = "integration"
urlpatterns: list[URLPattern] = [
    path("subscriptions/", views.subscription_list, name="subscription_list"),
    path("subscriptions/new/", views.subscription_create, name="subscription_create"),
    path("subscriptions/<int:pk>/", views.subscription_detail, name="subscription_detail"),
    path("subscriptions/<int:pk>/edit/", views.subscription_edit, name="subscription_edit"),
    path("subscriptions/<int:pk>/pause/", views.subscription_pause, name="subscription_pause"),
    path("subscriptions/<int:pk>/resume/", views.subscription_resume, name="subscription_resume"),
    path(
        "subscriptions/<int:pk>/rotate-secret/",
        views.subscription_rotate,
        name="subscription_rotate",
    ),
    path("dead-letters/", views.deadletter_list, name="deadletter_list"),
    path("dead-letters/replay/", views.deadletter_replay, name="deadletter_replay"),
    path("status/", views.relay_status, name="relay_status"),
]
