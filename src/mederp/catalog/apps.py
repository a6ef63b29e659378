"""Catalog master data. Uses: core."""

from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "mederp.catalog"
    label = "catalog"
    verbose_name = "Catalog"

    def ready(self) -> None:
        from mederp.catalog import approval, bom_approval

        # The 首营品种 and BOM-version signing policies and workflows: code, registered once
        # (AT-13).
        approval.register()
        bom_approval.register()
