"""Picking confirmed by scan (UDI-02, DI-02; 出库): the scan must be the allocated device, lot
and serial, never more than allocated; every refusal has its code and writes nothing."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from tests.sales.conftest import GS, TABLES, gs1

from mederp.core.actors import Actor
from mederp.core.errors import DomainError
from mederp.sales import services
from mederp.sales.models import Allocation, Pick, SalesOrder

pytestmark = pytest.mark.django_db


@pytest.fixture
def lot_order(world, put_stock, allocated):
    put_stock(world.lot_product, "L-A", "10", expiry=dt.date(2027, 3, 31))
    return allocated((world.lot_product, "6"))


@pytest.fixture
def serial_order(world, put_stock, allocated):
    put_stock(world.serial_product, "LS", serials=["SN-1", "SN-2"], expiry=dt.date(2029, 1, 1))
    return allocated((world.serial_product, "1"))


def pick(world, order, scan, quantity="1", **kw):
    return services.pick_by_scan(
        Actor.for_user(world.picker), order.pk, scan=scan, quantity=quantity, **kw
    )


def refused(world, order, scan, quantity="1", unchanged=None, **kw):
    with unchanged(*TABLES), pytest.raises(DomainError) as caught:
        pick(world, order, scan, quantity, **kw)
    return caught.value


def test_a_scan_of_the_allocated_lot_confirms_the_pick_and_keeps_the_raw_scan(world, lot_order):
    scan = gs1(world.lot_product, lot="L-A", expiry="270331")
    done = pick(world, lot_order, scan, "4")
    assert (done.quantity, done.gtin, done.lot_number) == (
        Decimal("4"),
        world.lot_product.gtin,
        "L-A",
    )
    assert done.scan_raw == scan
    assert done.picked_by == world.picker
    assert Allocation.objects.get().picked_quantity == Decimal("4")
    assert SalesOrder.objects.get(pk=lot_order.pk).status == "allocated"
    pick(world, lot_order, scan, "2")
    assert SalesOrder.objects.get(pk=lot_order.pk).status == "picked"


@pytest.mark.parametrize(
    "separator", [GS, "<GS>", "{GS}", "\\x1d"], ids=["ascii29", "<GS>", "{GS}", "\\x1d"]
)
def test_every_spelling_of_the_group_separator_is_accepted(world, lot_order, separator):
    scan = f"01{world.lot_product.gtin}10L-A{separator}17270331"
    assert pick(world, lot_order, scan, "6").lot_number == "L-A"


def test_the_parenthesised_form_is_accepted(world, lot_order):
    scan = f"(01){world.lot_product.gtin}(17)270331(10)L-A"
    assert pick(world, lot_order, scan, "6").lot_number == "L-A"


def test_a_wrong_gtin_is_refused(world, lot_order, serial_order, unchanged):
    error = refused(world, lot_order, gs1(world.serial_product, lot="L-A"), unchanged=unchanged)
    assert error.code == "sales.wrong_gtin"
    assert world.serial_product.gtin in error.render_message()


def test_a_wrong_lot_is_refused(world, lot_order, unchanged):
    error = refused(world, lot_order, gs1(world.lot_product, lot="L-B"), unchanged=unchanged)
    assert error.code == "sales.wrong_lot"
    assert "L-B" in error.render_message() and "L-A" in error.render_message()


def test_a_scan_without_the_lot_is_refused(world, lot_order, unchanged):
    error = refused(world, lot_order, f"01{world.lot_product.gtin}", unchanged=unchanged)
    assert error.code == "sales.lot_not_scanned"


def test_a_wrong_serial_is_refused(world, serial_order, unchanged):
    allocated = Allocation.objects.get().serial.serial_number
    other = "SN-2" if allocated == "SN-1" else "SN-1"
    error = refused(
        world,
        serial_order,
        gs1(world.serial_product, lot="LS", serial=other),
        unchanged=unchanged,
    )
    assert error.code == "sales.wrong_serial"
    assert other in error.render_message()


def test_the_allocated_serial_is_picked_one_unit_at_a_time(world, serial_order, unchanged):
    serial = Allocation.objects.get().serial.serial_number
    scan = gs1(world.serial_product, lot="LS", serial=serial)
    error = refused(world, serial_order, scan, "2", unchanged=unchanged)
    assert error.code in {"inventory.serial_quantity", "sales.pick_exceeds_allocation"}
    assert pick(world, serial_order, scan).serial_number == serial


def test_picking_more_than_allocated_is_refused(world, lot_order, unchanged):
    """Issue 4 bad input: shipping more than allocated starts here — nothing beyond the
    allocation can be picked, so nothing beyond it can ship."""
    scan = gs1(world.lot_product, lot="L-A")
    error = refused(world, lot_order, scan, "7", unchanged=unchanged)
    assert error.code == "sales.pick_exceeds_allocation"
    assert error.details["remaining"] == "6"
    pick(world, lot_order, scan, "5")
    assert refused(world, lot_order, scan, "2", unchanged=unchanged).details["remaining"] == "1"


@pytest.mark.parametrize(
    "quantity,code",
    [
        ("0", "inventory.quantity_not_positive"),
        ("-3", "inventory.quantity_not_positive"),
        ("1.0001", "inventory.quantity_precision"),
        ("abc", "inventory.quantity_invalid"),
        (1.5, "inventory.quantity_invalid"),
    ],
)
def test_a_quantity_that_is_not_a_positive_exact_number_is_refused(
    world, lot_order, unchanged, quantity, code
):
    error = refused(
        world, lot_order, gs1(world.lot_product, lot="L-A"), quantity, unchanged=unchanged
    )
    assert error.code == code


@pytest.mark.parametrize(
    "scan,code",
    [
        ("", "barcodes.empty"),
        ("hello", "barcodes.unrecognised"),
        ("0106901234567890", "barcodes.gtin_check_digit"),
    ],
)
def test_a_malformed_scan_is_refused_with_its_barcode_code(world, lot_order, unchanged, scan, code):
    assert refused(world, lot_order, scan, unchanged=unchanged).code == code


def test_a_scan_compared_with_one_chosen_allocation(world, put_stock, allocated):
    put_stock(world.lot_product, "L-A", "3", expiry=dt.date(2027, 1, 1))
    put_stock(world.lot_product, "L-B", "3", expiry=dt.date(2027, 6, 1))
    order = allocated((world.lot_product, "5"))
    first, second = Allocation.objects.order_by("id")
    with pytest.raises(DomainError) as caught:
        pick(world, order, gs1(world.lot_product, lot="L-B"), allocation_id=first.pk)
    assert caught.value.code == "sales.wrong_lot"
    assert pick(world, order, gs1(world.lot_product, lot="L-B"), "2", allocation_id=second.pk)


def test_picking_needs_an_allocated_order(world, confirmed, put_stock):
    put_stock(world.lot_product, "L-A", "10")
    order = confirmed()
    with pytest.raises(DomainError) as caught:
        pick(world, order, gs1(world.lot_product, lot="L-A"))
    assert caught.value.code == "workflow.wrong_state"
    assert not Pick.objects.exists()
