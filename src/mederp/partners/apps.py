"""Partners master data. Uses: core."""

from django.apps import AppConfig


class PartnersConfig(AppConfig):
    name = "mederp.partners"
    label = "partners"
    verbose_name = "Partners"
