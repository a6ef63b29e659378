"""Compliance: traceability (forward and backward, through genealogy, receipts and distribution
records) and recalls. Reads production, procurement and sales; holds stock through inventory."""

from django.apps import AppConfig


class ComplianceConfig(AppConfig):
    name = "mederp.compliance"
    label = "compliance"
    verbose_name = "Compliance"

    def ready(self) -> None:
        from mederp.compliance import recall_approval

        # The recall's workflow and its signing policy (opened, closed): code, registered once
        # (AT-13).
        recall_approval.register()
