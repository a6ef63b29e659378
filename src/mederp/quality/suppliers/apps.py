from django.apps import AppConfig


class SupplierQualityConfig(AppConfig):
    name = "mederp.quality.suppliers"
    label = "supplier_quality"
    verbose_name = "Supplier quality"
