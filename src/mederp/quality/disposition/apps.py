from django.apps import AppConfig


class DispositionConfig(AppConfig):
    name = "mederp.quality.disposition"
    label = "disposition"
    verbose_name = "Lot disposition"
