"""Inspections created with their source, in the source's transaction (ISO 13485 §7.4.3
incoming, §8.2.6 in-process and final; 21 CFR 820.80(b)-(d)).

Procurement and production do not import quality (import layers): they send Django signals
from inside their services (``procurement.signals.receipt_line_accepted``,
``production.signals.work_order_released``, ``production.signals.good_output_reported``), and
:mod:`mederp.quality.inspections.apps` connects the receivers below. A receiver raising rolls
the source's transaction back, so a receipt never commits without the inspection its plan asks
for. No approved plan for the product and stage: no inspection.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from mederp.core import audit, canonical, clock, numbering, outbox
from mederp.core.actors import Actor
from mederp.inventory.rules import normal
from mederp.quality.inspections import events, rules, selectors
from mederp.quality.inspections.locks import lock_open_final
from mederp.quality.inspections.models import Inspection, InspectionPlan, Stage

PREFIX = "IN"
INSPECTION = "inspections.inspection"


def _q(value: Decimal) -> str:
    return str(normal(value))


def sample_for(plan: InspectionPlan, lot_size: Decimal) -> Decimal:
    table = [
        rules.Range(r.lot_size_from, r.lot_size_to, r.sample_size) for r in plan.sampling.all()
    ]
    return rules.sample_size(table, lot_size)


def inspection_payload(inspection: Inspection) -> dict[str, Any]:
    return {
        "id": inspection.pk,
        "number": inspection.number,
        "stage": inspection.stage,
        "product_code": inspection.product.code,
        "plan_id": inspection.plan_id,
        "plan_revision": inspection.plan.revision,
        "lot_id": inspection.lot_id,
        "lot_number": inspection.lot.number if inspection.lot is not None else None,
        "serial_id": inspection.serial_id,
        "serial_number": (
            inspection.serial.serial_number if inspection.serial is not None else None
        ),
        "receipt_id": inspection.receipt_id,
        "work_order_id": inspection.work_order_id,
        "lot_size": _q(inspection.lot_size),
        "sample_size": _q(inspection.sample_size),
    }


def create_inspection(
    actor: Actor,
    plan: InspectionPlan,
    *,
    lot_size: Decimal,
    lot_id: int | None = None,
    serial_id: int | None = None,
    receipt_id: int | None = None,
    receipt_line_id: int | None = None,
    work_order_id: int | None = None,
) -> Inspection:
    """One open inspection against ``plan``; must run inside the caller's transaction."""
    inspection = Inspection.objects.create(
        number=numbering.next_number(PREFIX),
        plan=plan,
        stage=plan.stage,
        product=plan.product,
        lot_id=lot_id,
        serial_id=serial_id,
        receipt_id=receipt_id,
        receipt_line_id=receipt_line_id,
        work_order_id=work_order_id,
        lot_size=lot_size,
        sample_size=sample_for(plan, lot_size),
        created_at=clock.now(),
    )
    audit.record_create(actor, inspection)
    outbox.emit(
        actor,
        events.INSPECTION_CREATED,
        aggregate_type=INSPECTION,
        aggregate_id=inspection.pk,
        payload=inspection_payload(inspection),
    )
    return inspection


def on_receipt_line_accepted(sender: Any, *, actor: Actor, line: Any, **kwargs: Any) -> None:
    """Incoming inspection (进货检验) of a receipt line accepted into quarantine."""
    if line.quantity_accepted <= 0:
        return
    plan = selectors.approved_plan(line.product_id, Stage.INCOMING)
    if plan is None:
        return
    create_inspection(
        actor,
        plan,
        lot_size=line.quantity_accepted,
        lot_id=line.lot_id,
        serial_id=line.serial_id,
        receipt_id=line.receipt_id,
        receipt_line_id=line.pk,
    )


def on_work_order_released(sender: Any, *, actor: Actor, order: Any, **kwargs: Any) -> None:
    """In-process inspection (过程检验) of a work order handed to the shop floor."""
    plan = selectors.approved_plan(order.product_id, Stage.IN_PROCESS)
    if plan is None:
        return
    create_inspection(actor, plan, lot_size=order.planned_quantity, work_order_id=order.pk)


def on_good_output_reported(sender: Any, *, actor: Actor, output: Any, **kwargs: Any) -> None:
    """Final inspection (最终检验) of good output: one per serial; one per lot while it is
    open (more output into the same lot enlarges it and its sample); a lot whose final
    inspection is already completed gets a new one for what was added."""
    plan = selectors.approved_plan(output.product_id, Stage.FINAL)
    if plan is None or (output.lot_id is None and output.serial_id is None):
        return
    if output.serial_id is None:
        current = lock_open_final(lot_id=output.lot_id)
        if current is not None and current.plan_id == plan.pk:
            before = canonical.snapshot(current)
            current.lot_size += output.quantity
            current.sample_size = sample_for(plan, current.lot_size)
            current.version += 1
            current.save(update_fields=["lot_size", "sample_size", "version"])
            audit.record_update(
                actor, current, before, reason=f"output {output.pk} added to the lot"
            )
            return
    create_inspection(
        actor,
        plan,
        lot_size=output.quantity,
        lot_id=output.lot_id,
        serial_id=output.serial_id,
        work_order_id=output.work_order_id,
    )
