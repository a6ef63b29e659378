"""Procurement: purchase orders and receipts with GSP acceptance. Uses: core, identity (the
inspector is a user), catalog (products, barcodes), partners (suppliers and their licences),
inventory (receipts into quarantine)."""

from django.apps import AppConfig


class ProcurementConfig(AppConfig):
    name = "mederp.procurement"
    label = "procurement"
    verbose_name = "Procurement"

    def ready(self) -> None:
        from mederp.procurement import approval

        # The purchase-order signing policy and workflow: code, registered once (AT-13).
        approval.register()
