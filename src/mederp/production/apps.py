"""Production: BOM-driven work orders, material issue, output, scrap and rework, in-process
checks, genealogy and the device history record. Uses: core, identity, catalog (devices, BOM
versions), inventory (issues and output are stock moves)."""

from django.apps import AppConfig


class ProductionConfig(AppConfig):
    name = "mederp.production"
    label = "production"
    verbose_name = "Production"
