"""Production: BOM-driven work orders, material issue, output, scrap and rework, in-process
checks, genealogy and the device history record. Uses: core, identity (operators as users),
catalog (devices, BOM versions, barcodes), inventory (issues and output are stock moves; the
availability gate; lot and serial registration)."""

from django.apps import AppConfig


class ProductionConfig(AppConfig):
    name = "mederp.production"
    label = "production"
    verbose_name = "Production"

    def ready(self) -> None:
        from mederp.production import lifecycle

        # The work order workflow and its closing signature's policy: code, registered once
        # (AT-13).
        lifecycle.register()
