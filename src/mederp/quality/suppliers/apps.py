"""Supplier evaluation (ISO 13485 §7.4.1; CN-21). Uses partners (the supplier and its status,
set through ``partners.services``), procurement (receipts), quality.inspections (incoming
inspections) and quality.nonconformance (NCRs against the supplier)."""

from django.apps import AppConfig


class SupplierQualityConfig(AppConfig):
    name = "mederp.quality.suppliers"
    label = "supplier_quality"
    verbose_name = "Supplier quality"

    def ready(self) -> None:
        from mederp.quality.suppliers import approval

        # The evaluation's workflow and signing policy (approved): code, registered once (AT-13).
        approval.register()
