"""Inspections. Uses: catalog (products), inventory (lots, serials), procurement (receipts; its
``receipt_line_accepted`` signal), production (work orders, outputs; its ``work_order_released``
and ``good_output_reported`` signals), quality.nonconformance (``open_ncr`` on a failed
inspection), core (audit, outbox, numbering, signatures, workflow)."""

from django.apps import AppConfig


class InspectionsConfig(AppConfig):
    name = "mederp.quality.inspections"
    label = "inspections"
    verbose_name = "Inspections"

    def ready(self) -> None:
        from mederp.procurement import signals as procurement_signals
        from mederp.production import signals as production_signals
        from mederp.quality.inspections import approval
        from mederp.quality.inspections.services import creation

        approval.register()
        procurement_signals.receipt_line_accepted.connect(
            creation.on_receipt_line_accepted, dispatch_uid="inspections.incoming"
        )
        production_signals.work_order_released.connect(
            creation.on_work_order_released, dispatch_uid="inspections.in_process"
        )
        production_signals.good_output_reported.connect(
            creation.on_good_output_reported, dispatch_uid="inspections.final"
        )
