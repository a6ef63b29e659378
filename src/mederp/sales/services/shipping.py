"""Outbound review (出库复核) and shipment, with the distribution record of every unit shipped
(经营办法 第三十八条, CN-09; ISO 13485 §7.5.9.2; 21 CFR 820.160; invariant 6 at shipment).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import transaction

from mederp.core import clock, signatures, workflow
from mederp.core.actors import Actor
from mederp.core.errors import NotFound
from mederp.core.numbering import next_number
from mederp.inventory import services as inventory
from mederp.inventory.models import Location, LocationKind, Warehouse
from mederp.sales import events, gates, rules
from mederp.sales.errors import NoCustomerLocation, ReviewSignatureInvalid
from mederp.sales.locks import lock_order
from mederp.sales.models import Allocation, DistributionRecord, SalesOrder, Shipment
from mederp.sales.review import REVIEW, REVIEWED, SHIP
from mederp.sales.services.common import (
    SHIPMENT_DOCUMENT,
    audit_changed,
    audit_created,
    emit,
    qty,
)
from mederp.sales.services.orders import check_gates


def _load(order_id: int) -> SalesOrder:
    order = SalesOrder.objects.select_related("customer").filter(pk=order_id).first()
    if order is None:
        raise NotFound(record_type="SalesOrder", record_id=order_id)
    return order


def _precheck(actor: Actor, order: SalesOrder) -> None:
    workflow.check(actor, order, REVIEW)


def review_order(
    actor: Actor,
    order_id: int,
    *,
    password: str,
    totp: str | None = None,
    reason: str = "",
    session_key: str | None = None,
    around: Callable[[Callable[[], SalesOrder]], Any] | None = None,
) -> Any:
    """The second person's outbound review of a picked order, signed ``reviewed``
    (re-authentication outside the transaction, ES-08; a refusal is security-logged, ES-13).
    Refused: the reviewer picked goods of the order (``sales.sod_reviewer_is_picker``), wrong
    state, no permission, wrong password or TOTP."""
    order = _load(order_id)
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

    def work() -> SalesOrder:
        with transaction.atomic():
            locked = lock_order(order_id)
            workflow.transition(actor, locked, REVIEW, reason=reason, signer=signer)
            locked.reviewed_at = clock.now()
            locked.reviewed_by = actor.user
            locked.save(update_fields=["reviewed_at", "reviewed_by"])
            audit_changed(
                actor,
                locked,
                {"reviewed_at": [None, locked.reviewed_at], "reviewed_by": [None, actor.id]},
                reason=reason or "outbound review",
            )
            return locked

    with signatures.refusals_recorded(order, REVIEWED, actor.user):
        return work() if around is None else around(work)


def record_payload(r: DistributionRecord) -> dict[str, Any]:
    """The sales record as events carry it (CN-09), without the contact person (personal
    data, kept out of events as partners does)."""
    return {
        "id": r.pk,
        "shipment_id": r.shipment_id,
        "shipment_number": r.shipment_number,
        "order_id": r.order_id,
        "order_number": r.order_number,
        "line_id": r.line_id,
        "move_id": r.move_id,
        "shipped_at": r.shipped_at,
        "shipped_on": r.shipped_on,
        "customer_id": r.customer_id,
        "customer_code": r.customer_code,
        "customer_name": r.customer_name,
        "customer_address": r.customer_address,
        "customer_licence": r.customer_licence,
        "product_id": r.product_id,
        "product_code": r.product_code,
        "product_name": r.product_name,
        "specification": r.specification,
        "gtin": r.gtin,
        "registration_number": r.registration_number,
        "registrant": r.registrant,
        "manufacturer": r.manufacturer,
        "lot_id": r.lot_id,
        "lot_number": r.lot_number or None,
        "serial_id": r.serial_id,
        "serial_number": r.serial_number or None,
        "manufacture_date": r.manufacture_date,
        "expiry_date": r.expiry_date,
        "quantity": qty(r.quantity),
        "unit_price": str(r.unit_price),
        "amount": str(r.amount),
        "currency": r.currency,
    }


def _customer_location(warehouse_id: int, cache: dict[int, Location]) -> Location:
    """The warehouse's customer location (goods in transit to customers; docs/ledger.md)."""
    if warehouse_id not in cache:
        found = (
            Location.objects.filter(
                warehouse_id=warehouse_id, kind=LocationKind.CUSTOMER, is_active=True
            )
            .select_related("warehouse")
            .order_by("code")
            .first()
        )
        if found is None:
            code = Warehouse.objects.filter(pk=warehouse_id).values_list("code", flat=True)
            raise NoCustomerLocation(warehouse=code.first() or warehouse_id)
        cache[warehouse_id] = found
    return cache[warehouse_id]


@transaction.atomic
def ship_order(
    actor: Actor, order_id: int, *, carrier: str = "", tracking_number: str = ""
) -> SalesOrder:
    """Ship a reviewed order: the gates are judged again (a licence may have lapsed since the
    confirmation), the review signature must still cover what leaves, then each allocation
    leaves by one ledger move to the customer location (the ledger refuses stock that became
    expired, held, recalled or not released) and gets its distribution record."""
    order = lock_order(order_id)
    workflow.check(actor, order, SHIP)
    if not signatures.latest_valid(order, REVIEWED):
        raise ReviewSignatureInvalid(order=order.number)
    check_gates(order)
    customer = type(order.customer).objects.prefetch_related("documents").get(pk=order.customer_id)
    now = clock.now()
    day = gates.business_date()
    user = actor.user if actor.kind in ("user", "client") else None
    shipment = Shipment(
        number=next_number("SH"),
        order=order,
        shipped_at=now,
        shipped_on=day,
        shipped_by=user,
        shipped_by_name=actor.name[:200],
        carrier=(carrier or "").strip()[:100],
        tracking_number=(tracking_number or "").strip()[:64],
    )
    shipment.save(force_insert=True)
    audit_created(actor, shipment)
    allocations = sorted(
        Allocation.objects.filter(line__order=order, cancelled_at__isnull=True)
        .select_related("line", "product", "lot", "serial", "location")
        .prefetch_related("product__registrations"),
        key=lambda a: (a.product_id, a.lot_id or 0, a.serial_id or 0, a.location_id),
    )
    destinations: dict[int, Location] = {}
    for allocation in allocations:
        if allocation.picked_quantity <= 0:
            continue
        target = _customer_location(allocation.location.warehouse_id, destinations)
        move = inventory.post_move(
            actor,
            product=allocation.product,
            quantity=allocation.picked_quantity,
            from_location=allocation.location,
            to_location=target,
            lot=allocation.lot,
            serial=allocation.serial,
            reservation=allocation.reservation_id,
            document_type=SHIPMENT_DOCUMENT,
            document_id=str(shipment.pk),
            document_line=str(allocation.line_id),
        )
        before = allocation.shipped_quantity
        allocation.shipped_quantity = allocation.picked_quantity
        allocation.version += 1
        allocation.save(update_fields=["shipped_quantity", "version"])
        audit_changed(
            actor,
            allocation,
            {"shipped_quantity": [before, allocation.shipped_quantity]},
            reason="shipped",
        )
        record = _record(order, customer, shipment, allocation, move, day)
        record.save(force_insert=True)
        audit_created(actor, record)
        emit(actor, order, events.DISTRIBUTION_RECORDED, record_payload(record))
    order.shipped_at = now
    order.save(update_fields=["shipped_at"])
    workflow.transition(actor, order, SHIP)
    return order


def _record(
    order: SalesOrder,
    customer: Any,
    shipment: Shipment,
    allocation: Allocation,
    move: Any,
    day: Any,
) -> DistributionRecord:
    product = allocation.product
    line = allocation.line
    registration, registrant = gates.registration_in_force(product, order.market, day)
    lot, serial = allocation.lot, allocation.serial
    manufacture = serial.manufacture_date if serial is not None else None
    if manufacture is None and lot is not None:
        manufacture = lot.manufacture_date
    contact = " ".join(p for p in (customer.contact, customer.phone) if p)
    return DistributionRecord(
        shipment=shipment,
        order=order,
        line=line,
        allocation=allocation,
        move=move,
        order_number=order.number,
        shipment_number=shipment.number,
        shipped_at=shipment.shipped_at,
        shipped_on=day,
        customer=customer,
        customer_code=customer.code,
        customer_name=customer.name,
        customer_address=order.ship_to_address,
        customer_contact=contact[:200],
        customer_licence=gates.customer_licence_number(customer, product, day),
        product=product,
        product_code=product.code,
        product_name=product.name_zh,
        specification=product.specification,
        gtin=product.gtin,
        registration_number=registration,
        registrant=registrant,
        manufacturer=product.manufacturer,
        lot=lot,
        lot_number=lot.number if lot is not None else "",
        serial=serial,
        serial_number=serial.serial_number if serial is not None else "",
        manufacture_date=manufacture,
        expiry_date=allocation.expiry_date,
        quantity=allocation.picked_quantity,
        unit_price=line.unit_price,
        amount=rules.amount(allocation.picked_quantity, line.unit_price),
        currency=order.currency,
    )
