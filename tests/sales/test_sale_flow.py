"""The whole sale, service by service: order → confirm (gates) → allocate (FEFO) → pick by
scan → outbound review by a second person's signature → ship with distribution records
(issue 4 §5; CN-09; invariant 1-4)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from tests.sales.conftest import TODAY, gs1, lots, sign

from mederp.core.actors import Actor
from mederp.core.models import AuditEntry, OutboxEvent, Signature
from mederp.inventory import selectors as stock
from mederp.inventory.models import Balance, Move, Reservation
from mederp.sales import services
from mederp.sales.models import Allocation, DistributionRecord, SalesOrder, Shipment

pytestmark = pytest.mark.django_db


def test_an_order_is_created_as_a_draft_with_a_number_and_the_customers_address(world, make_order):
    order = make_order((world.lot_product, "10", "12.5"))
    assert order.number == f"SO-{TODAY.year}-00001"
    assert order.status == "draft"
    assert order.ship_to_address == world.customer.address
    line = order.lines.get()
    assert (line.quantity, line.unit_price) == (Decimal("10"), Decimal("12.5"))
    assert OutboxEvent.objects.filter(event_type="sales.order.created").count() == 1
    assert AuditEntry.objects.filter(record_type="sales.salesorder", action="create").exists()
    assert make_order().number == f"SO-{TODAY.year}-00002"


def test_a_sale_from_order_to_shipment(world, put_stock, make_order):
    lot = put_stock(world.lot_product, "L-A", "30", expiry=dt.date(2027, 3, 31))
    order = make_order((world.lot_product, "12", "12.50"))
    seller, picker, reviewer = (
        Actor.for_user(u) for u in (world.seller, world.picker, world.reviewer)
    )

    services.confirm_order(seller, order.pk)
    services.allocate_order(picker, order.pk)
    assert lots(order) == [("L-A", Decimal("12"))]
    balance = Balance.objects.get(lot=lot, location=world.storage)
    assert (balance.quantity, balance.reserved) == (Decimal("30"), Decimal("12"))

    services.pick_by_scan(picker, order.pk, scan=gs1(world.lot_product, lot="L-A"), quantity="12")
    assert SalesOrder.objects.get(pk=order.pk).status == "picked"

    services.review_order(reviewer, order.pk, **sign(world.reviewer))
    order.refresh_from_db()
    assert order.status == "reviewed"
    assert order.reviewed_by == world.reviewer
    assert (
        Signature.objects.get(record_type="sales.salesorder", record_id=str(order.pk)).meaning
        == "reviewed"
    )

    services.ship_order(picker, order.pk)
    order.refresh_from_db()
    assert order.status == "shipped"
    shipment = Shipment.objects.get(order=order)
    move = Move.objects.get(document_type="sales.shipment", document_id=str(shipment.pk))
    assert (move.from_location, move.to_location, move.quantity) == (
        world.storage,
        world.customer_location,
        Decimal("12"),
    )
    balance.refresh_from_db()
    assert (balance.quantity, balance.reserved) == (Decimal("18"), Decimal("0"))
    assert not Reservation.objects.filter(quantity__gt=0).exists()
    record = DistributionRecord.objects.get()
    assert record.customer_name == world.customer.name
    assert record.customer_address == order.ship_to_address
    assert record.customer_licence == world.licence.number
    assert record.gtin == world.lot_product.gtin
    assert record.lot_number == "L-A"
    assert record.expiry_date == dt.date(2027, 3, 31)
    assert record.quantity == Decimal("12")
    assert record.amount == Decimal("150.00")
    assert record.registration_number.startswith("苏械注准")
    assert record.registrant == "苏州示例医疗科技有限公司"
    assert record.shipped_on == TODAY
    assert record.order_number == order.number
    assert record.shipment_number == shipment.number
    assert record.move == move
    types = list(
        OutboxEvent.objects.filter(aggregate_type="sales.salesorder", aggregate_id=str(order.pk))
        .order_by("aggregate_seq")
        .values_list("event_type", flat=True)
    )
    assert types == [
        "sales.order.created",
        "sales.order.confirmed",
        "sales.order.allocated",
        "sales.pick.confirmed",
        "sales.order.picked",
        "sales.order.reviewed",
        "sales.distribution.recorded",
        "sales.order.shipped",
    ]
    assert stock.available_quantity(world.lot_product) == Decimal("18")


def test_a_serial_tracked_sale_writes_one_record_per_serial(world, put_stock, shipped):
    put_stock(world.serial_product, "LS1", serials=["SN-1", "SN-2", "SN-3"])
    order = shipped((world.serial_product, "2", "800"))
    records = DistributionRecord.objects.filter(order=order).order_by("serial_number")
    assert [(r.serial_number, r.lot_number, r.quantity) for r in records] == [
        ("SN-1", "LS1", Decimal("1")),
        ("SN-2", "LS1", Decimal("1")),
    ]
    assert Allocation.objects.filter(line__order=order).count() == 2


def test_every_sales_record_written_has_its_audit_entry(world, put_stock, shipped):
    """Invariant 2, AT-01: each row the sale wrote was audited in its transaction."""
    from mederp.sales.models import Pick, SalesOrderLine, SalesReturn

    put_stock(world.lot_product, "L-A", "10", expiry=dt.date(2027, 3, 31))
    order = shipped((world.lot_product, "3"))
    record = DistributionRecord.objects.get()
    services.receive_return(
        Actor.for_user(world.picker),
        record=record.pk,
        quantity="1",
        to_location=world.returns,
        reason="damaged",
    )
    written = [
        order,
        *SalesOrderLine.objects.filter(order=order),
        *Allocation.objects.filter(line__order=order),
        *Pick.objects.all(),
        Shipment.objects.get(order=order),
        record,
        SalesReturn.objects.get(),
    ]
    for row in written:
        label = row._meta.label_lower
        assert AuditEntry.objects.filter(
            record_type=label, record_id=str(row.pk), action="create"
        ).exists(), f"{label} {row.pk} has no audit entry"
