"""Inventory: locations, the stock ledger, stock status and cold-chain records. Uses: core."""

from django.apps import AppConfig


class InventoryConfig(AppConfig):
    name = "mederp.inventory"
    label = "inventory"
    verbose_name = "Inventory"

    def ready(self) -> None:
        from mederp.core import periodic
        from mederp.inventory import quality
        from mederp.inventory.coldchain import signing as coldchain_signing
        from mederp.inventory.services import expiry

        # Signing policies and stock-status workflows: code, registered once (AT-13).
        quality.register()
        coldchain_signing.register()
        # TR-05: the expiry scan runs daily beside the web workers (mederp serve).
        periodic.register("inventory.expiry_scan", lambda: expiry.scan(), every_s=periodic.DAY)
