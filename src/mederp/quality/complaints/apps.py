from django.apps import AppConfig


class ComplaintsConfig(AppConfig):
    name = "mederp.quality.complaints"
    label = "complaints"
    verbose_name = "Complaints"
