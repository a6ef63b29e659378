"""Inventory: locations, the stock ledger, stock status and cold-chain records. Uses: catalog,
core."""

from django.apps import AppConfig


class InventoryConfig(AppConfig):
    name = "mederp.inventory"
    label = "inventory"
    verbose_name = "Inventory"

    def ready(self) -> None:
        from mederp.inventory import quality

        # Signing policies and stock-status workflows: code, registered once (AT-13).
        quality.register()
