from django.urls import URLPattern

app_name = "disposition"
urlpatterns: list[URLPattern] = []
