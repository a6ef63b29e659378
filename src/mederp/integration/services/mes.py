"""Inbound MES events: each one calls the production service a person at the screen would
(invariant 1), with ``source="mes"`` and the event's id, and is stored once with its answer.

Exactly-once effect over at-least-once delivery (invariant 5): deliveries of one event id are
serialised by a transaction-scoped lock (:func:`mederp.integration.locks.lock_event`); the first
runs the service and stores an :class:`~mederp.integration.models.InboundEvent` (the canonical
body's SHA-256 and the response) in the same transaction; a redelivery with the same body gets
that response back, one with another body is refused (``integration.event_id_reused``). A
refused event writes nothing and is not stored: the MES may correct and resend it under the
same id. The unique (source, event id) index backs the lock up.

21 CFR 820.184 (device history record: what was done, by whom, when, from which system);
ISO 13485 §7.5.1, §7.5.8.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from typing import Any

from mederp.catalog.models import Product
from mederp.core.actors import Actor
from mederp.core.services import authorize
from mederp.integration.errors import (
    ComponentNotNamed,
    UnknownComponent,
    UnknownWorkOrder,
)
from mederp.integration.models import EventSource, InboundEventStatus
from mederp.integration.services.inbound import Received, receive_once
from mederp.inventory.models import Lot, Serial
from mederp.inventory.rules import normal
from mederp.production import services as production
from mederp.production.errors import LotUnknown
from mederp.production.models import (
    InProcessCheck,
    MaterialIssue,
    OperationRecord,
    ProductionOutput,
    Source,
    WorkOrder,
)

MES = EventSource.MES
PERMISSION = "integration.post_mes_event"
OPERATION_COMPLETED = "operation_completed"
MATERIAL_CONSUMED = "material_consumed"
OUTPUT_REPORTED = "output_reported"
EVENT_TYPES = (OPERATION_COMPLETED, MATERIAL_CONSUMED, OUTPUT_REPORTED)
MAX_EVENT_ID = 64


def receive_mes_event(
    actor: Actor,
    *,
    event_id: str,
    event_type: str,
    occurred_at: dt.datetime,
    work_order: str,
    data: dict[str, Any],
    body: dict[str, Any],
) -> Received:
    """Handle one MES event once; ``body`` is the whole event as JSON (what is hashed and
    stored), ``data`` its typed ``data`` part. Refusals raise the coded error of whoever refused
    (integration, production, inventory, barcodes) and write nothing."""
    authorize(actor, PERMISSION)

    def effect() -> tuple[str, dict[str, Any]]:
        order = WorkOrder.objects.filter(number=work_order).first()
        if order is None:
            raise UnknownWorkOrder(work_order=work_order, field="work_order")
        records = HANDLERS[event_type](actor, order, event_id, data)
        return order.number, {
            "event_id": event_id,
            "type": event_type,
            "status": InboundEventStatus.PROCESSED.value,
            "work_order": order.number,
            "work_order_id": order.pk,
            **records,
        }

    return receive_once(
        actor,
        source=MES,
        event_id=event_id,
        event_type=event_type,
        occurred_at=occurred_at,
        body=body,
        effect=effect,
    )


def sub_event_id(event_id: str, suffix: str) -> str:
    """The id of the n-th record one event makes of a kind that holds one record per id (the
    checks of an operation): ``<event id>#c1``, or a digest of the id when that would pass 64."""
    if len(event_id) + len(suffix) + 1 <= MAX_EVENT_ID:
        return f"{event_id}#{suffix}"
    head = hashlib.sha256(event_id.encode()).hexdigest()[: MAX_EVENT_ID - len(suffix) - 1]
    return f"{head}#{suffix}"


# --- the event types --------------------------------------------------------------------------


def _component(value: str) -> Product:
    text = (value or "").strip()
    found = (
        Product.objects.filter(gtin=text).first() or Product.objects.filter(code=text).first()
        if text
        else None
    )
    if found is None:
        raise UnknownComponent(component=text, field="data.component")
    return found


def _material_consumed(
    actor: Actor, order: WorkOrder, event_id: str, data: dict[str, Any]
) -> dict[str, Any]:
    scan = (data.get("scan") or "").strip()
    name = (data.get("component") or "").strip()
    if not name and not scan:
        raise ComponentNotNamed(field="data.component")
    product = _component(name) if name else None
    lot_id = serial_id = None
    lot_number = (data.get("lot_number") or "").strip()
    serial_number = (data.get("serial_number") or "").strip()
    if product is not None and lot_number:
        lot = Lot.objects.filter(product=product, number=lot_number).first()
        if lot is None:
            raise LotUnknown(
                component=product.code, what="lot", number=lot_number, field="data.lot_number"
            )
        lot_id = lot.pk
    if product is not None and serial_number:
        serial = Serial.objects.filter(product=product, serial_number=serial_number).first()
        if serial is None:
            raise LotUnknown(
                component=product.code,
                what="serial",
                number=serial_number,
                field="data.serial_number",
            )
        serial_id = serial.pk
    issues = production.issue_material(
        actor,
        order.pk,
        component_id=product.pk if product is not None else None,
        quantity=data["quantity"],
        lot_id=lot_id,
        serial_id=serial_id,
        scan=scan,
        source=Source.MES,
        event_id=event_id,
    )
    return {"issues": [_issue(i) for i in issues]}


def _output_reported(
    actor: Actor, order: WorkOrder, event_id: str, data: dict[str, Any]
) -> dict[str, Any]:
    outputs = production.report_output(
        actor,
        order.pk,
        quantity=data["quantity"],
        kind=data.get("kind") or "good",
        lot_number=data.get("lot_number") or "",
        serial_numbers=data.get("serial_numbers") or (),
        manufacture_date=data.get("manufacture_date"),
        reason=data.get("reason") or "",
        source=Source.MES,
        event_id=event_id,
    )
    return {"outputs": [_output(o) for o in outputs]}


def _operation_completed(
    actor: Actor, order: WorkOrder, event_id: str, data: dict[str, Any]
) -> dict[str, Any]:
    operation = production.record_operation(
        actor,
        order.pk,
        operation=data["operation"],
        completed_at=data["completed_at"],
        started_at=data.get("started_at"),
        quantity_good=data.get("quantity_good", 0),
        quantity_scrap=data.get("quantity_scrap", 0),
        workstation=data.get("workstation") or "",
        notes=data.get("notes") or "",
        source=Source.MES,
        event_id=event_id,
    )
    checks = [
        production.record_check(
            actor,
            order.pk,
            characteristic=check["characteristic"],
            result=check["result"],
            specification=check.get("specification") or "",
            measured_value=check.get("measured_value") or "",
            operation=operation.operation,
            notes=check.get("notes") or "",
            source=Source.MES,
            event_id=sub_event_id(event_id, f"c{n}"),
        )
        for n, check in enumerate(data.get("checks") or (), start=1)
    ]
    return {"operation": _operation(operation), "checks": [_check(c) for c in checks]}


HANDLERS: dict[str, Callable[[Actor, WorkOrder, str, dict[str, Any]], dict[str, Any]]] = {
    MATERIAL_CONSUMED: _material_consumed,
    OUTPUT_REPORTED: _output_reported,
    OPERATION_COMPLETED: _operation_completed,
}


# --- what the response says about each record ---------------------------------------------------


def _qty(value: Any) -> str:
    return str(normal(value))


def _issue(issue: MaterialIssue) -> dict[str, Any]:
    return {
        "id": issue.pk,
        "component": issue.product.code,
        "gtin": issue.product.gtin,
        "lot_number": issue.lot.number if issue.lot is not None else None,
        "serial_number": issue.serial.serial_number if issue.serial is not None else None,
        "quantity": _qty(issue.quantity),
        "move_id": issue.move_id,
    }


def _output(output: ProductionOutput) -> dict[str, Any]:
    return {
        "id": output.pk,
        "kind": output.kind,
        "lot_number": output.lot.number if output.lot is not None else None,
        "serial_number": output.serial.serial_number if output.serial is not None else None,
        "quantity": _qty(output.quantity),
        "move_id": output.move_id,
    }


def _operation(record: OperationRecord) -> dict[str, Any]:
    return {
        "id": record.pk,
        "operation": record.operation,
        "workstation": record.workstation,
        "quantity_good": _qty(record.quantity_good),
        "quantity_scrap": _qty(record.quantity_scrap),
    }


def _check(check: InProcessCheck) -> dict[str, Any]:
    return {
        "id": check.pk,
        "characteristic": check.characteristic,
        "result": check.result,
        "event_id": check.event_id,
    }
