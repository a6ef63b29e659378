"""Output of a work order: good units, scrap and rework (ISO 13485 §7.5.1, §8.2.6, §8.3;
21 CFR 820.184(b) quantity manufactured; 生产质量管理规范 第五十七条).

Good output becomes stock of the finished device: its lot (the work order's output lot, or the
one given) or its serial numbers are registered **in quarantine** (final release is QA's signed
lot release in inventory), expiring at manufacture date + the device's shelf life, and a move
brings it from the production location to the work order's output (quarantine) location. The
operator who reported it becomes the lot's inspector, so the release needs someone else
(TR-04). Output never joins a lot QA has already decided on.

Scrap of finished units is recorded without a move (they were never stock: no lot, nothing
leaves a shelf); rework is recorded with its reason. Both need a reason.

Genealogy: in the same transaction, an edge from every earlier issue of the work order to each
good output's lot or serial (TR-01).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.db import transaction

from mederp.catalog.models import Tracking
from mederp.core.actors import Actor
from mederp.core.errors import ValidationFailed
from mederp.core.services import authorize
from mederp.inventory import services as inventory
from mederp.inventory.models import Lot, Serial, StockStatus
from mederp.inventory.rules import parse_quantity
from mederp.production import events, rules, signals
from mederp.production.errors import (
    OutputKindUnknown,
    OutputLotNotInQuarantine,
    OutputLotRequired,
    OutputReasonRequired,
    SerialExists,
    SerialRepeated,
    SerialsRequired,
    WholeUnitsRequired,
)
from mederp.production.locks import lock_work_order
from mederp.production.models import OutputKind, ProductionOutput, Source, WorkOrder
from mederp.production.services.common import (
    DOCUMENT_TYPE,
    audit_created,
    business_date,
    check_source,
    emit,
    qty,
    require_open,
    shop_floor,
    shop_floor_payload,
    start_if_released,
)
from mederp.production.services.edges import edge_payload, link_issues_to_output


def output_payload(output: ProductionOutput) -> dict[str, Any]:
    return {
        "id": output.pk,
        "kind": output.kind,
        "product_id": output.product_id,
        "lot_id": output.lot_id,
        "lot_number": output.lot.number if output.lot is not None else None,
        "serial_id": output.serial_id,
        "serial_number": output.serial.serial_number if output.serial is not None else None,
        "quantity": qty(output.quantity),
        "move_id": output.move_id,
        "reason": output.reason,
    }


def _serials(values: Iterable[Any], quantity: Decimal, order: WorkOrder) -> list[str]:
    numbers = [str(v).strip() for v in values or () if str(v).strip()]
    if not rules.is_whole(quantity) or len(numbers) != quantity:
        raise SerialsRequired(
            product=order.product.code,
            quantity=qty(quantity),
            count=len(numbers),
            field="serial_numbers",
        )
    seen: set[str] = set()
    for number in numbers:
        if number in seen:
            raise SerialRepeated(serial=number, field="serial_numbers")
        seen.add(number)
    taken = (
        Serial.objects.filter(product=order.product, serial_number__in=numbers)
        .values_list("serial_number", flat=True)
        .first()
    )
    if taken is not None:
        raise SerialExists(product=order.product.code, serial=taken, field="serial_numbers")
    return numbers


def _output_lot(order: WorkOrder, lot_number: str) -> tuple[str, Lot | None]:
    """The lot the good output joins, and the lot as registered if it already exists (it must
    still wait for QA: quarantine)."""
    number = (lot_number or "").strip() or order.output_lot_number
    if not number:
        return "", None
    existing = Lot.objects.filter(product=order.product, number=number).first()
    if existing is not None and existing.status != StockStatus.QUARANTINE:
        raise OutputLotNotInQuarantine(
            lot=number,
            product=order.product.code,
            status=str(StockStatus(existing.status).label),
            field="lot_number",
        )
    return number, existing


def _good(
    actor: Actor,
    order: WorkOrder,
    quantity: Decimal,
    lot_number: str,
    serial_numbers: Iterable[Any],
    manufacture_date: dt.date | None,
    record: dict[str, Any],
) -> list[ProductionOutput]:
    product = order.product
    number, existing = _output_lot(order, lot_number)
    if product.tracking == Tracking.LOT and not number:
        raise OutputLotRequired(product=product.code, work_order=order.number, field="lot_number")
    serials = (
        _serials(serial_numbers, quantity, order) if product.tracking == Tracking.SERIAL else []
    )
    # A lot already registered keeps its dates (unless some are given to be checked against it).
    made = manufacture_date if existing is not None else (manufacture_date or business_date())
    inspector = actor.user if actor.kind in ("user", "client") else None
    units: list[tuple[str | None, Decimal]] = (
        [(s, Decimal(1)) for s in serials] if serials else [(None, quantity)]
    )
    outputs = []
    for serial_number, amount in units:
        move = inventory.receive_into_quarantine(
            actor,
            product=product,
            quantity=amount,
            from_location=order.production_location,
            to_location=order.output_location,
            lot_number=number or None,
            serial_number=serial_number,
            manufacture_date=made,
            inspector=inspector,
            document_type=DOCUMENT_TYPE,
            document_id=order.pk,
            document_line="output",
        )
        output = ProductionOutput(
            **record,
            kind=OutputKind.GOOD,
            product=product,
            lot_id=move.lot_id,
            serial_id=move.serial_id,
            quantity=amount,
            move=move,
        )
        output.save(force_insert=True)
        audit_created(actor, output)
        signals.good_output_reported.send(sender=ProductionOutput, actor=actor, output=output)
        outputs.append(output)
    return outputs


def report_output(
    actor: Actor,
    wo_id: int,
    *,
    quantity: Any,
    kind: str = OutputKind.GOOD,
    lot_number: str = "",
    serial_numbers: Iterable[Any] = (),
    manufacture_date: dt.date | None = None,
    reason: str = "",
    source: str = Source.MANUAL,
    event_id: str = "",
) -> list[ProductionOutput]:
    """Report ``quantity`` of ``kind`` (good, scrap, rework) on a released or running work
    order; return the output records (one per serial number for serial-tracked devices).

    Refused, writing nothing: the work order planned (``production.work_order_not_released``)
    or completed, closed or cancelled (``production.work_order_closed``); a lot-tracked device
    without a lot number (``production.output_lot_required``); serial numbers missing, repeated
    or already used (``production.serials_required``, ``production.serial_repeated``,
    ``production.serial_exists``); a lot QA already decided on
    (``production.output_lot_not_in_quarantine``); scrap or rework without a reason; an edge
    that would close a genealogy cycle (``production.genealogy_cycle``). An MES event already
    recorded (same ``event_id``) returns its outputs again.
    """
    authorize(actor, "production.report_output")
    source, event_id = check_source(source, event_id)
    if kind not in OutputKind.values:
        raise OutputKindUnknown(kind=kind, field="kind")
    amount = parse_quantity(quantity)
    reason = (reason or "").strip()
    if kind != OutputKind.GOOD and not reason:
        raise OutputReasonRequired(what=str(OutputKind(kind).label), field="reason")
    if manufacture_date is not None and (
        isinstance(manufacture_date, dt.datetime) or not isinstance(manufacture_date, dt.date)
    ):
        raise ValidationFailed(fields={"manufacture_date": ["Enter a date (YYYY-MM-DD)."]})
    with transaction.atomic():
        order = lock_work_order(wo_id)
        if event_id:
            replay = list(ProductionOutput.objects.filter(work_order=order, event_id=event_id))
            if replay:
                return replay
        require_open(order)
        if order.product.tracking == Tracking.SERIAL and not rules.is_whole(amount):
            raise WholeUnitsRequired(
                product=order.product.code, quantity=qty(amount), field="quantity"
            )
        record = {**shop_floor(actor, order, source, event_id), "reason": reason}
        if kind == OutputKind.GOOD:
            outputs = _good(
                actor, order, amount, lot_number, serial_numbers, manufacture_date, record
            )
        else:
            output = ProductionOutput(**record, kind=kind, product=order.product, quantity=amount)
            output.save(force_insert=True)
            audit_created(actor, output)
            outputs = [output]
        start_if_released(actor, order, reason=f"output reported ({kind})")
        edges = [
            e
            for output in outputs
            if output.kind == OutputKind.GOOD
            for e in link_issues_to_output(actor, order, output)
        ]
        emit(
            actor,
            order,
            events.OUTPUT_REPORTED,
            {
                "work_order_id": order.pk,
                "work_order_number": order.number,
                "kind": kind,
                "outputs": [output_payload(o) for o in outputs],
                "reason": reason,
                "edges": [edge_payload(e) for e in edges],
                **shop_floor_payload(outputs[0]),
            },
        )
        return outputs
