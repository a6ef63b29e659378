from django.urls import path

from mederp.ui import views

app_name = "ui"
urlpatterns = [path("", views.dashboard, name="dashboard")]
