from django.apps import AppConfig


class CapaConfig(AppConfig):
    name = "mederp.quality.capa"
    label = "capa"
    verbose_name = "CAPA"
