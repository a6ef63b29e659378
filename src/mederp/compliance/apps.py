"""Compliance: traceability (forward and backward, through genealogy, receipts and distribution
records) and recalls. Reads production, procurement and sales; holds stock through inventory."""

from django.apps import AppConfig


class ComplianceConfig(AppConfig):
    name = "mederp.compliance"
    label = "compliance"
    verbose_name = "Compliance"
