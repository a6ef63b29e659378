"""Work orders: planned to an approved BOM version, released to the shop floor, completed by
production, closed by QA's signature on the reviewed device history record, or cancelled before
anything was issued (ISO 13485 §7.5.1; 21 CFR 820.184; 生产质量管理规范 第六十条).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.db import transaction

from mederp.catalog import selectors as catalog_selectors
from mederp.catalog.models import BillOfMaterials, BomState, Product, Tracking
from mederp.core import clock, signatures, workflow
from mederp.core.actors import Actor
from mederp.core.errors import NotFound, ValidationFailed
from mederp.core.numbering import next_number
from mederp.core.services import authorize, validate
from mederp.inventory.models import Location, LocationKind
from mederp.inventory.rules import parse_quantity
from mederp.production import events, rules, signals
from mederp.production.errors import (
    BomNotUsable,
    BomOfAnotherProduct,
    LocationInactive,
    LocationKindWrong,
    NoEffectiveBom,
    PlannedEndBeforeStart,
    WholeUnitsRequired,
    WorkOrderHasIssues,
)
from mederp.production.lifecycle import CANCEL, CLOSE, COMPLETE, RELEASE, REVIEWED
from mederp.production.locks import lock_work_order
from mederp.production.models import MaterialIssue, WorkOrder
from mederp.production.services.common import (
    audit_created,
    emit,
    get_product,
    qty,
    stamp,
)

Around = Callable[[Callable[[], WorkOrder]], Any]


def work_order_payload(order: WorkOrder) -> dict[str, Any]:
    return {
        "id": order.pk,
        "number": order.number,
        "product_id": order.product_id,
        "product_code": order.product.code,
        "gtin": order.product.gtin,
        "bom_id": order.bom_id,
        "bom_revision": order.bom.revision,
        "planned_quantity": qty(order.planned_quantity),
        "planned_start": order.planned_start,
        "planned_end": order.planned_end,
        "production_location_id": order.production_location_id,
        "output_location_id": order.output_location_id,
        "output_lot_number": order.output_lot_number or None,
    }


def _date(value: Any, field: str) -> dt.date:
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        raise ValidationFailed(fields={field: ["Enter a date (YYYY-MM-DD)."]})
    return value


def _location(value: Any, field: str, kind: str, role: str) -> Location:
    found = (
        Location.objects.select_related("warehouse").filter(pk=value).first()
        if value is not None
        else None
    )
    if found is None:
        raise NotFound(record_type="Location", record_id=value, field=field)
    if found.kind != kind:
        raise LocationKindWrong(
            location=found.code,
            kind=found.kind,
            role=role,
            expected=kind,
            field=field,
        )
    if not found.is_active:
        raise LocationInactive(location=found.code, field=field)
    return found


def _bom(product: Product, bom_id: int | None, on_date: dt.date) -> BillOfMaterials:
    """The given BOM version, which must be the product's and usable on ``on_date``; else the
    version in effect then (ISO 13485 §7.5.1; CM-05: never an obsolete or draft version)."""
    if bom_id is None:
        found = catalog_selectors.effective_bom(product.pk, on_date)
        if found is None:
            raise NoEffectiveBom(product=product.code, on_date=on_date.isoformat(), field="bom_id")
        bom = found
    else:
        given = BillOfMaterials.objects.select_related("product").filter(pk=bom_id).first()
        if given is None:
            raise NotFound(record_type="BillOfMaterials", record_id=bom_id, field="bom_id")
        bom = given
        if bom.product_id != product.pk:
            raise BomOfAnotherProduct(
                revision=bom.revision,
                bom_product=bom.product.code,
                product=product.code,
                field="bom_id",
            )
    check_bom(bom, on_date)
    return bom


def check_bom(bom: BillOfMaterials, on_date: dt.date) -> None:
    """Refuse a BOM version production may not follow on ``on_date``."""
    if catalog_selectors.bom_is_usable(bom, on_date):
        return
    raise BomNotUsable(
        product=bom.product.code,
        revision=bom.revision,
        state=str(BomState(bom.state).label),
        effective_from=bom.effective_from.isoformat() if bom.effective_from else "—",
        on_date=on_date.isoformat(),
        bom_id=bom.pk,
        field="bom_id",
    )


@transaction.atomic
def create_work_order(
    actor: Actor,
    *,
    product_id: int,
    planned_quantity: Any,
    planned_start: dt.date,
    production_location_id: int,
    output_location_id: int,
    bom_id: int | None = None,
    planned_end: dt.date | None = None,
    output_lot_number: str = "",
    notes: str = "",
) -> WorkOrder:
    """A planned work order citing the BOM version in effect on ``planned_start`` (or the given
    one, which must be approved and in effect then). Issued material is consumed at
    ``production_location_id`` (a production location); finished output waits for QA's release
    at ``output_location_id`` (a quarantine location). Numbered ``WO-YYYY-NNNNN``."""
    authorize(actor, "production.add_workorder")
    product = get_product(product_id, "product_id")
    quantity = parse_quantity(planned_quantity, field="planned_quantity")
    if product.tracking == Tracking.SERIAL and not rules.is_whole(quantity):
        raise WholeUnitsRequired(
            product=product.code, quantity=qty(quantity), field="planned_quantity"
        )
    start = _date(planned_start, "planned_start")
    end = _date(planned_end, "planned_end") if planned_end is not None else None
    if end is not None and end < start:
        raise PlannedEndBeforeStart(
            planned_start=start.isoformat(), planned_end=end.isoformat(), field="planned_end"
        )
    bom = _bom(product, bom_id, start)
    production = _location(
        production_location_id, "production_location_id", LocationKind.PRODUCTION, "production"
    )
    output = _location(output_location_id, "output_location_id", LocationKind.QUARANTINE, "output")
    order = WorkOrder(
        number="-",
        product=product,
        bom=bom,
        planned_quantity=quantity,
        planned_start=start,
        planned_end=end,
        production_location=production,
        output_location=output,
        output_lot_number=(output_lot_number or "").strip(),
        notes=(notes or "").strip(),
        created_at=clock.now(),
    )
    validate(order, exclude=["number"])
    order.number = next_number(rules.WORK_ORDER_PREFIX)
    order.save(force_insert=True)
    audit_created(actor, order)
    emit(actor, order, events.WORKORDER_CREATED, work_order_payload(order))
    return order


@transaction.atomic
def release_work_order(actor: Actor, wo_id: int, *, reason: str = "") -> WorkOrder:
    """Hand a planned work order to the shop floor. Refused when its BOM version may no longer
    be followed on its planned start (made obsolete, or its approval invalidated since)."""
    order = lock_work_order(wo_id)
    workflow.check(actor, order, RELEASE)
    check_bom(order.bom, order.planned_start)
    workflow.transition(actor, order, RELEASE, reason=reason)
    stamp(actor, order, "released_at", reason=reason or "released")
    signals.work_order_released.send(sender=WorkOrder, actor=actor, order=order)
    return order


@transaction.atomic
def complete_work_order(actor: Actor, wo_id: int, *, reason: str = "") -> WorkOrder:
    """Production reports the work order done: nothing more is issued or reported on it, and
    its device history record waits for QA's review."""
    order = lock_work_order(wo_id)
    workflow.transition(actor, order, COMPLETE, reason=reason)
    stamp(actor, order, "completed_at", reason=reason or "completed")
    return order


@transaction.atomic
def cancel_work_order(actor: Actor, wo_id: int, *, reason: str) -> WorkOrder:
    """Cancel a planned or released work order, with a reason; refused once material was
    issued to it (``production.work_order_has_issues``)."""
    order = lock_work_order(wo_id)
    t = workflow.check(actor, order, CANCEL)
    if not (reason or "").strip():
        raise workflow.TransitionReasonRequired(transition=str(t.label), field="reason")
    if MaterialIssue.objects.filter(work_order=order).exists():
        raise WorkOrderHasIssues(work_order=order.number)
    workflow.transition(actor, order, CANCEL, reason=reason)
    return order


def _load(wo_id: int) -> WorkOrder:
    order = (
        WorkOrder.objects.select_related("product", "bom", "bom__product").filter(pk=wo_id).first()
    )
    if order is None:
        raise NotFound(record_type="WorkOrder", record_id=wo_id)
    return order


def _precheck(actor: Actor, order: WorkOrder) -> None:
    workflow.check(actor, order, CLOSE)


def close_work_order(
    actor: Actor,
    wo_id: int,
    *,
    password: str,
    totp: str | None = None,
    reason: str = "",
    session_key: str | None = None,
    around: Around | None = None,
) -> Any:
    """QA closes a completed work order by signing its device history record ``reviewed``
    (21 CFR 820.184, 11.50; re-authentication outside the transaction, ES-08; a refusal is
    security-logged, ES-13). Refused: whoever reported output of the work order signs
    (``signatures.sod_excluded_signer``), wrong state, no permission, wrong password or TOTP.
    Returns the work order, or what ``around`` returned."""
    order = _load(wo_id)
    signer = signatures.authenticate(
        order,
        REVIEWED,
        actor.user,
        password,
        totp,
        reason=reason,
        session_key=session_key,
        also=lambda: _precheck(actor, order),
    )

    def work() -> WorkOrder:
        with transaction.atomic():
            locked = lock_work_order(wo_id)
            workflow.transition(actor, locked, CLOSE, reason=reason, signer=signer)
            stamp(actor, locked, "closed_at", reason=reason or "device history record reviewed")
            return locked

    with signatures.refusals_recorded(order, REVIEWED, actor.user):
        return work() if around is None else around(work)


def transition_work_order(
    actor: Actor,
    wo_id: int,
    name: str,
    *,
    reason: str = "",
    password: str | None = None,
    totp: str | None = None,
    session_key: str | None = None,
    around: Around | None = None,
) -> Any:
    """One workflow step by name, as the page's buttons and the API call them (``around`` is
    the API's idempotency guard)."""
    if name == CLOSE:
        return close_work_order(
            actor,
            wo_id,
            password=password or "",
            totp=totp,
            reason=reason,
            session_key=session_key,
            around=around,
        )
    steps: dict[str, Callable[[], WorkOrder]] = {
        RELEASE: lambda: release_work_order(actor, wo_id, reason=reason),
        COMPLETE: lambda: complete_work_order(actor, wo_id, reason=reason),
        CANCEL: lambda: cancel_work_order(actor, wo_id, reason=reason),
    }
    step = steps.get(name)
    if step is None:
        raise NotFound(record_type="transition", record_id=name)
    return step() if around is None else around(step)
