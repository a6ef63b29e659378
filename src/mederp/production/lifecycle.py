"""The work order's life and its closing signature (ISO 13485 §7.5.1, §4.2.5; 21 CFR 820.184
device history record; 21 CFR 11.50, 11.70; ES-12).

Code, versioned in git, registered at start-up (``ProductionConfig.ready``; AT-13).

planned → released (the planner hands it to the shop floor) → in_progress (by itself, at the
first shop-floor record) → completed (production reports it done) → closed (QA's signature with
meaning ``reviewed``: the device history record was reviewed). A work order is cancelled only
while planned or released with nothing issued.

The closing signature covers the device history record as it stands: the work order, its BOM
version, and every issue, output, scrap, operation and in-process check. Nobody who reported
output of the work order may sign it (segregation of duties, :class:`OutputReportersExcluded`).
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from mederp.core import canonical, signatures, workflow
from mederp.core.signing_rules import SignerNotIn
from mederp.inventory.rules import normal
from mederp.production import events
from mederp.production.models import (
    ComponentScrap,
    InProcessCheck,
    MaterialIssue,
    OperationRecord,
    ProductionOutput,
    WorkOrder,
    WorkOrderState,
)

WORK_ORDER = "production.workorder"
REVIEWED = "reviewed"
CLOSE_PERMISSION = "production.close_workorder"
CHANGE_PERMISSION = "production.change_workorder"

RELEASE, START, COMPLETE, CLOSE, CANCEL = "release", "start", "complete", "close", "cancel"
S = WorkOrderState


def _q(value: Any) -> str:
    return str(normal(value))


def _item(record: Any) -> str | None:
    if record.serial_id is not None:
        return f"serial {record.serial.serial_number}"
    if record.lot_id is not None:
        return f"lot {record.lot.number}"
    return None


def work_order_content(order: models.Model) -> dict[str, Any]:
    """What closing signs: the device history record of the work order (820.184)."""
    assert isinstance(order, WorkOrder)
    content = canonical.snapshot(
        order, fields=["number", "planned_start", "planned_end", "output_lot_number"]
    )
    content["planned_quantity"] = _q(order.planned_quantity)
    content["product"] = {"code": order.product.code, "gtin": order.product.gtin}
    content["bom"] = {"product": order.bom.product.code, "revision": order.bom.revision}
    related = ("product", "lot", "serial")
    content["issues"] = [
        {"component": i.product.code, "item": _item(i), "quantity": _q(i.quantity)}
        for i in MaterialIssue.objects.filter(work_order=order).select_related(*related)
    ]
    content["outputs"] = [
        {"kind": o.kind, "item": _item(o), "quantity": _q(o.quantity), "reason": o.reason}
        for o in ProductionOutput.objects.filter(work_order=order).select_related(*related)
    ]
    content["scrap"] = [
        {"component": s.product.code, "item": _item(s), "quantity": _q(s.quantity)}
        for s in ComponentScrap.objects.filter(work_order=order).select_related(*related)
    ]
    content["operations"] = [
        {
            "operation": op.operation,
            "completed_at": canonical.to_json_value(op.completed_at),
            "good": _q(op.quantity_good),
            "scrap": _q(op.quantity_scrap),
        }
        for op in OperationRecord.objects.filter(work_order=order)
    ]
    content["checks"] = [
        {
            "characteristic": c.characteristic,
            "specification": c.specification,
            "measured_value": c.measured_value,
            "result": c.result,
        }
        for c in InProcessCheck.objects.filter(work_order=order)
    ]
    return content


def output_reporters(order: models.Model) -> set[int]:
    """Users who reported output, scrap or rework of the work order."""
    return {
        int(pk)
        for pk in ProductionOutput.objects.filter(
            work_order_id=order.pk, operator__isnull=False
        ).values_list("operator_id", flat=True)
    }


OutputReportersExcluded = SignerNotIn(
    meanings=frozenset({REVIEWED}),
    people=output_reporters,
    role=_("Whoever reported output of the work order"),
)

POLICY = signatures.SigningPolicy(
    record_type=WORK_ORDER,
    meanings={REVIEWED: CLOSE_PERMISSION},
    content=work_order_content,
    rules=(OutputReportersExcluded,),
    description=_(
        "Work orders: QA's review of the device history record (issues, output, scrap, "
        "operations, in-process checks) closes the work order."
    ),
)

WORKFLOW = workflow.Workflow(
    record_type=WORK_ORDER,
    state_field="state",
    states=tuple((s.value, s.label) for s in WorkOrderState),
    initial=S.PLANNED,
    description=_(
        "A work order cites an approved BOM version, is released to the shop floor, starts at "
        "its first material issue or output, is completed by production and closed by QA's "
        "signature on the reviewed device history record. It can be cancelled only before "
        "anything was issued."
    ),
    transitions=(
        workflow.Transition(
            name=RELEASE,
            sources=(S.PLANNED,),
            target=S.RELEASED,
            permission="production.release_workorder",
            label=_("Release to the shop floor"),
            event=events.WORKORDER_RELEASED,
        ),
        workflow.Transition(
            name=START,
            sources=(S.RELEASED,),
            target=S.IN_PROGRESS,
            permission=None,
            label=_("Started: first material issue or output"),
            event=events.WORKORDER_STARTED,
            automatic=True,
        ),
        workflow.Transition(
            name=COMPLETE,
            sources=(S.IN_PROGRESS,),
            target=S.COMPLETED,
            permission=CHANGE_PERMISSION,
            label=_("Complete"),
            event=events.WORKORDER_COMPLETED,
        ),
        workflow.Transition(
            name=CLOSE,
            sources=(S.COMPLETED,),
            target=S.CLOSED,
            permission=CLOSE_PERMISSION,
            signature=REVIEWED,
            label=_("Close: device history record reviewed"),
            event=events.WORKORDER_CLOSED,
        ),
        workflow.Transition(
            name=CANCEL,
            sources=(S.PLANNED, S.RELEASED),
            target=S.CANCELLED,
            permission=CHANGE_PERMISSION,
            reason_required=True,
            label=_("Cancel"),
            event=events.WORKORDER_CANCELLED,
        ),
    ),
)


def register() -> None:
    signatures.register(POLICY)
    workflow.register(WORKFLOW)
