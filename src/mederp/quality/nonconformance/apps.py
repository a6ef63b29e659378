"""Nonconformance (NCR). Uses: catalog (products), partners (suppliers), inventory (lots,
serials, locations, holds, status changes and moves through its services), core (audit,
outbox, numbering, signatures, workflow)."""

from django.apps import AppConfig


class NonconformanceConfig(AppConfig):
    name = "mederp.quality.nonconformance"
    label = "nonconformance"
    verbose_name = "Nonconformance"

    def ready(self) -> None:
        from mederp.quality.nonconformance import signing

        # The NCR's workflow and signing policy (approved, closed): code, registered once.
        signing.register()
