from django.apps import AppConfig


class InspectionsConfig(AppConfig):
    name = "mederp.quality.inspections"
    label = "inspections"
    verbose_name = "Inspections"
