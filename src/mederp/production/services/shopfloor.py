"""The rest of the device history record: issued components scrapped on the line, operations
(routing steps) completed, and in-process checks (ISO 13485 §7.5.1, §8.2.6, §8.3; 21 CFR
820.184, 820.80(c); 生产质量管理规范 第五十七、五十八条). The actor is the operator.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Sum
from django.utils.translation import gettext as _

from mederp.core.actors import Actor
from mederp.core.errors import ValidationFailed
from mederp.core.services import authorize
from mederp.inventory import services as inventory
from mederp.inventory.errors import QuantityNotPositive
from mederp.inventory.models import Location, LocationKind, Lot, Serial
from mederp.inventory.rules import parse_quantity
from mederp.production import events
from mederp.production.errors import (
    CheckResultUnknown,
    ComponentRequired,
    FieldRequired,
    NoScrapLocation,
    OperationTimesInvalid,
    OutputReasonRequired,
    ScrapExceedsIssued,
    WrongComponent,
)
from mederp.production.locks import lock_work_order
from mederp.production.models import (
    CheckResult,
    ComponentScrap,
    InProcessCheck,
    MaterialIssue,
    OperationRecord,
    OutputKind,
    Source,
    WorkOrder,
)
from mederp.production.services.common import (
    DOCUMENT_TYPE,
    audit_created,
    check_source,
    emit,
    get_product,
    get_record,
    qty,
    require_open,
    shop_floor,
    shop_floor_payload,
    start_if_released,
)
from mederp.production.services.issues import bom_line


def scrap_location(order: WorkOrder) -> Location:
    """The active scrap location of the production location's warehouse."""
    found = (
        Location.objects.filter(
            warehouse_id=order.production_location.warehouse_id,
            kind=LocationKind.SCRAP,
            is_active=True,
        )
        .order_by("code")
        .first()
    )
    if found is None:
        raise NoScrapLocation(warehouse=order.production_location.warehouse.code)
    return found


def _net_issued(
    order: WorkOrder, product_id: int, lot_id: int | None, serial_id: int | None
) -> Decimal:
    """What of this component (lot, serial) was issued to the work order and not yet scrapped."""
    where: dict[str, Any] = {"work_order": order, "product_id": product_id}
    if lot_id is not None:
        where["lot_id"] = lot_id
    if serial_id is not None:
        where["serial_id"] = serial_id
    issued = MaterialIssue.objects.filter(**where).aggregate(s=Sum("quantity"))["s"]
    scrapped = ComponentScrap.objects.filter(**where).aggregate(s=Sum("quantity"))["s"]
    return (issued or Decimal(0)) - (scrapped or Decimal(0))


def scrap_component(
    actor: Actor,
    wo_id: int,
    *,
    quantity: Any,
    lot_id: int | None = None,
    serial_id: int | None = None,
    reason: str,
    component_id: int | None = None,
    source: str = Source.MANUAL,
    event_id: str = "",
) -> ComponentScrap:
    """Scrap issued component material on the line (damaged, dropped, failed a check): a move
    from the production location to the warehouse's scrap location, with its reason.
    ``component_id`` names an untracked component (a lot or serial names its own).

    Refused: no reason; the component is not in the BOM version; more than was issued to the
    work order and not yet scrapped (``production.scrap_exceeds_issued``); no scrap location.
    """
    authorize(actor, "production.report_output")
    source, event_id = check_source(source, event_id)
    amount = parse_quantity(quantity)
    reason = (reason or "").strip()
    if not reason:
        raise OutputReasonRequired(what=str(OutputKind.SCRAP.label), field="reason")
    with transaction.atomic():
        order = lock_work_order(wo_id)
        if event_id:
            replay = ComponentScrap.objects.filter(work_order=order, event_id=event_id).first()
            if replay is not None:
                return replay
        require_open(order)
        lot: Lot | None = get_record(Lot, lot_id, "lot_id")
        serial: Serial | None = get_record(Serial, serial_id, "serial_id")
        named = get_product(component_id, "component_id") if component_id is not None else None
        product = named or (serial.product if serial else None) or (lot.product if lot else None)
        if product is None:
            raise ComponentRequired(field="component_id")
        if lot is not None and lot.product_id != product.pk:
            raise WrongComponent(
                item=f"lot {lot.number}",
                actual=lot.product.code,
                component=product.code,
                field="lot_id",
            )
        if serial is not None and serial.product_id != product.pk:
            raise WrongComponent(
                item=f"serial {serial.serial_number}",
                actual=serial.product.code,
                component=product.code,
                field="serial_id",
            )
        bom_line(order, product, "component_id")
        if serial is not None and lot is None:
            lot = serial.lot
        available = _net_issued(
            order, product.pk, lot.pk if lot else None, serial.pk if serial else None
        )
        if amount > available:
            label = (
                f" serial {serial.serial_number}"
                if serial
                else (f" lot {lot.number}" if lot else "")
            )
            raise ScrapExceedsIssued(
                issued=qty(max(available, Decimal(0))),
                component=product.code,
                item=label,
                work_order=order.number,
                requested=qty(amount),
                field="quantity",
            )
        move = inventory.post_move(
            actor,
            product=product,
            quantity=amount,
            from_location=order.production_location,
            to_location=scrap_location(order),
            lot=lot,
            serial=serial,
            document_type=DOCUMENT_TYPE,
            document_id=order.pk,
            document_line="scrap",
            reason=reason,
        )
        scrap = ComponentScrap(
            **shop_floor(actor, order, source, event_id),
            product=product,
            lot_id=move.lot_id,
            serial_id=move.serial_id,
            quantity=amount,
            move=move,
            reason=reason,
        )
        scrap.save(force_insert=True)
        audit_created(actor, scrap)
        emit(
            actor,
            order,
            events.COMPONENT_SCRAPPED,
            {
                "work_order_id": order.pk,
                "id": scrap.pk,
                "component_id": product.pk,
                "component_code": product.code,
                "lot_id": scrap.lot_id,
                "serial_id": scrap.serial_id,
                "quantity": qty(amount),
                "move_id": move.pk,
                "reason": reason,
                **shop_floor_payload(scrap),
            },
        )
        return scrap


def _required(value: Any, field: str, label: str) -> str:
    text = (value or "").strip() if isinstance(value, str) else ""
    if not text:
        raise FieldRequired(label=label, field=field)
    return text


def _moment(value: Any, field: str) -> dt.datetime:
    if not isinstance(value, dt.datetime) or value.tzinfo is None:
        raise ValidationFailed(fields={field: ["Enter a date and time with its time zone."]})
    return value


def _count(value: Any, field: str) -> Decimal:
    """A quantity that may be zero (an operation that made nothing good), never negative."""
    if value is None or value == "":
        return Decimal(0)
    try:
        return parse_quantity(value, field=field)
    except QuantityNotPositive:
        if Decimal(str(value).strip()) == 0:
            return Decimal(0)
        raise


def record_operation(
    actor: Actor,
    wo_id: int,
    *,
    operation: str,
    completed_at: dt.datetime,
    started_at: dt.datetime | None = None,
    quantity_good: Any = 0,
    quantity_scrap: Any = 0,
    workstation: str = "",
    notes: str = "",
    source: str = Source.MANUAL,
    event_id: str = "",
) -> OperationRecord:
    """An operation (routing step) completed on the work order, as the MES or the operator
    reports it. Refused: no operation name, times out of order, negative quantities."""
    authorize(actor, "production.report_output")
    source, event_id = check_source(source, event_id)
    name = _required(operation, "operation", _("Operation"))[:64]
    done = _moment(completed_at, "completed_at")
    began = _moment(started_at, "started_at") if started_at is not None else None
    if began is not None and began > done:
        raise OperationTimesInvalid(
            started_at=began.isoformat(), completed_at=done.isoformat(), field="started_at"
        )
    good = _count(quantity_good, "quantity_good")
    scrapped = _count(quantity_scrap, "quantity_scrap")
    with transaction.atomic():
        order = lock_work_order(wo_id)
        if event_id:
            replay = OperationRecord.objects.filter(work_order=order, event_id=event_id).first()
            if replay is not None:
                return replay
        require_open(order)
        record = OperationRecord(
            **shop_floor(actor, order, source, event_id),
            operation=name,
            workstation=(workstation or "").strip()[:64],
            started_at=began,
            completed_at=done,
            quantity_good=good,
            quantity_scrap=scrapped,
            notes=(notes or "").strip(),
        )
        record.save(force_insert=True)
        audit_created(actor, record)
        start_if_released(actor, order, reason=f"operation {name} recorded")
        emit(
            actor,
            order,
            events.OPERATION_RECORDED,
            {
                "work_order_id": order.pk,
                "id": record.pk,
                "operation": name,
                "workstation": record.workstation,
                "started_at": began,
                "completed_at": done,
                "quantity_good": qty(good),
                "quantity_scrap": qty(scrapped),
                "notes": record.notes,
                **shop_floor_payload(record),
            },
        )
        return record


def record_check(
    actor: Actor,
    wo_id: int,
    *,
    characteristic: str,
    result: str,
    specification: str = "",
    measured_value: str = "",
    operation: str = "",
    notes: str = "",
    source: str = Source.MANUAL,
    event_id: str = "",
) -> InProcessCheck:
    """One in-process inspection result (820.80(c)): the characteristic, its specification,
    what was measured and pass or fail. A failed check is recorded like a passed one: what
    follows (scrap, rework, a nonconformance) is its own record."""
    authorize(actor, "production.record_check")
    source, event_id = check_source(source, event_id)
    what = _required(characteristic, "characteristic", _("Characteristic"))[:200]
    verdict = (result or "").strip().lower()
    if verdict not in CheckResult.values:
        raise CheckResultUnknown(result=result, field="result")
    with transaction.atomic():
        order = lock_work_order(wo_id)
        if event_id:
            replay = InProcessCheck.objects.filter(work_order=order, event_id=event_id).first()
            if replay is not None:
                return replay
        require_open(order)
        check = InProcessCheck(
            **shop_floor(actor, order, source, event_id),
            operation=(operation or "").strip()[:64],
            characteristic=what,
            specification=(specification or "").strip()[:200],
            measured_value=(measured_value or "").strip()[:100],
            result=verdict,
            notes=(notes or "").strip(),
        )
        check.save(force_insert=True)
        audit_created(actor, check)
        start_if_released(actor, order, reason="in-process check recorded")
        emit(
            actor,
            order,
            events.CHECK_RECORDED,
            {
                "work_order_id": order.pk,
                "id": check.pk,
                "operation": check.operation,
                "characteristic": what,
                "specification": check.specification,
                "measured_value": check.measured_value,
                "result": verdict,
                "notes": check.notes,
                **shop_floor_payload(check),
            },
        )
        return check
