from django.urls import URLPattern, path

from mederp.quality.capa import views

app_name = "capa"
urlpatterns: list[URLPattern] = [
    path("", views.capa_list, name="capa_list"),
    path("new/", views.capa_open, name="capa_open"),
    path("<int:pk>/", views.capa_detail, name="capa_detail"),
    path("<int:pk>/root-cause/", views.capa_root_cause, name="capa_root_cause"),
    path("<int:pk>/actions/", views.capa_action_add, name="capa_action_add"),
    path(
        "<int:pk>/actions/<int:action_pk>/complete/",
        views.capa_action_complete,
        name="capa_action_complete",
    ),
    path("<int:pk>/verify/", views.capa_verify, name="capa_verify"),
    path("<int:pk>/effectiveness/", views.capa_effectiveness, name="capa_effectiveness"),
    path("<int:pk>/links/", views.capa_link_add, name="capa_link_add"),
    path("<int:pk>/transition/<str:name>/", views.capa_transition, name="capa_transition"),
]
