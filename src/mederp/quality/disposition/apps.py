"""Lot disposition. Uses: inventory (the lot and serial workflows it guards; lots, serials),
production (work orders, outputs, checks: the device history record), catalog (BOM lines),
quality.inspections (``inspections_for``), quality.nonconformance (``concession_for``), core
(audit, outbox, numbering, signatures, workflow guards)."""

from django.apps import AppConfig


class DispositionConfig(AppConfig):
    name = "mederp.quality.disposition"
    label = "disposition"
    verbose_name = "Lot disposition"

    def ready(self) -> None:
        from mederp.core import workflow
        from mederp.inventory.quality import LOT, REJECT, RELEASE, SERIAL
        from mederp.quality.disposition import approval, gates

        # The deviation's workflow and signing policy (approved): code, registered once (AT-13).
        approval.register()
        # The gate on QA's release and rejection of lots and serials (ISO 13485 §8.2.6).
        for record_type in (LOT, SERIAL):
            workflow.add_guard(record_type, RELEASE, gates.release_guard)
            workflow.add_guard(record_type, REJECT, gates.reject_guard)
