"""Allocation by FEFO (TR-05..TR-07; invariant 6): earliest expiry first, never expired,
quarantined, on-hold, rejected or recalled stock, never a lot with less remaining shelf life than
the customer requires; allocations reserve the units so two orders never promise the same ones
(available = on hand − reserved); all lines or none."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from tests.sales.conftest import TABLES, lots

from mederp.core import clock
from mederp.core.actors import Actor
from mederp.core.errors import DomainError
from mederp.inventory import selectors as stock
from mederp.inventory import services as inventory
from mederp.inventory.models import Balance, Reservation
from mederp.partners import services as partners
from mederp.sales import services
from mederp.sales.models import SalesOrder

pytestmark = pytest.mark.django_db


def allocate(world, order):
    return services.allocate_order(Actor.for_user(world.picker), order.pk)


def test_fefo_takes_the_earliest_expiry_first_and_splits_across_lots(world, put_stock, confirmed):
    put_stock(world.lot_product, "L-LATE", "10", expiry=dt.date(2028, 12, 31))
    put_stock(world.lot_product, "L-EARLY", "4", expiry=dt.date(2027, 1, 31))
    put_stock(world.lot_product, "L-MID", "5", expiry=dt.date(2027, 9, 30))
    order = allocate(world, confirmed((world.lot_product, "12")))
    assert order.status == "allocated"
    assert lots(order) == [
        ("L-EARLY", Decimal("4")),
        ("L-MID", Decimal("5")),
        ("L-LATE", Decimal("3")),
    ]


def test_allocation_reserves_the_stock_in_the_ledger(world, put_stock, allocated):
    lot = put_stock(world.lot_product, "L1", "10")
    order = allocated((world.lot_product, "7"))
    balance = Balance.objects.get(lot=lot, location=world.storage)
    assert (balance.quantity, balance.reserved) == (Decimal("10"), Decimal("7"))
    reservation = Reservation.objects.get()
    assert (reservation.document_type, reservation.document_id) == ("sales.order", str(order.pk))
    assert stock.available_quantity(world.lot_product) == Decimal("3")


def test_two_orders_never_allocate_the_same_units(
    world, put_stock, allocated, confirmed, unchanged
):
    put_stock(world.lot_product, "L1", "10")
    allocated((world.lot_product, "8"))
    second = confirmed((world.lot_product, "5"))
    with unchanged(*TABLES), pytest.raises(DomainError) as refused:
        allocate(world, second)
    assert refused.value.code == "sales.not_enough_stock"
    assert refused.value.details["available"] == "2"
    assert SalesOrder.objects.get(pk=second.pk).status == "confirmed"


def test_not_enough_for_one_line_allocates_no_line(
    world, make_product, put_stock, confirmed, unchanged
):
    other = make_product(world.qa)
    put_stock(world.lot_product, "L1", "10")
    put_stock(other, "O1", "1")
    order = confirmed((world.lot_product, "5"), (other, "2"))
    with unchanged(*TABLES), pytest.raises(DomainError) as refused:
        allocate(world, order)
    assert refused.value.code == "sales.not_enough_stock"
    assert refused.value.details["line"] == 2


@pytest.mark.parametrize("status", ["quarantine", "on_hold", "rejected", "recalled"])
def test_stock_that_is_not_released_is_never_allocated(world, put_stock, confirmed, status):
    put_stock(world.lot_product, "BLOCKED", "50", expiry=dt.date(2027, 1, 1), status=status)
    put_stock(world.lot_product, "GOOD", "5", expiry=dt.date(2028, 1, 1))
    order = allocate(world, confirmed((world.lot_product, "5")))
    assert lots(order) == [("GOOD", Decimal("5"))]
    with pytest.raises(DomainError) as refused:
        allocate(world, confirmed((world.lot_product, "1")))
    assert refused.value.code == "sales.not_enough_stock"


def test_expired_stock_is_never_allocated(world, put_stock, confirmed):
    put_stock(world.lot_product, "OLD", "50", expiry=dt.date(2026, 7, 1))
    put_stock(world.lot_product, "NEW", "5", expiry=dt.date(2028, 1, 1))
    with clock.frozen(dt.datetime(2026, 7, 2, 2, 0, tzinfo=dt.UTC)):
        order = allocate(world, confirmed((world.lot_product, "5")))
    assert lots(order) == [("NEW", Decimal("5"))]


def test_stock_under_a_hold_is_never_allocated(world, put_stock, confirmed, system):
    """A cold-chain excursion's hold on one location keeps its stock out of FEFO."""
    put_stock(world.lot_product, "L1", "50", expiry=dt.date(2027, 1, 1))
    put_stock(world.lot_product, "L2", "5", expiry=dt.date(2028, 1, 1), location=world.storage2)
    inventory.place_hold(
        system, product=world.lot_product, location=world.storage, reason="excursion 9 °C"
    )
    order = allocate(world, confirmed((world.lot_product, "5")))
    assert lots(order) == [("L2", Decimal("5"))]


def test_stock_outside_saleable_storage_is_never_allocated(world, put_stock, confirmed):
    put_stock(world.lot_product, "RET", "50", expiry=dt.date(2027, 1, 1), location=world.returns)
    with pytest.raises(DomainError) as refused:
        allocate(world, confirmed((world.lot_product, "1")))
    assert refused.value.code == "sales.not_enough_stock"


def test_a_lot_too_close_to_expiry_for_the_customer_is_skipped(world, put_stock, confirmed, system):
    partners.change_partner(
        system, world.customer.pk, min_remaining_shelf_life_days=365, reason="hospital tender"
    )
    put_stock(world.lot_product, "SHORT", "50", expiry=dt.date(2027, 1, 31))  # 230 days left
    put_stock(world.lot_product, "LONG", "5", expiry=dt.date(2027, 12, 31))
    order = allocate(world, confirmed((world.lot_product, "5")))
    assert lots(order) == [("LONG", Decimal("5"))]


def test_a_lot_with_less_shelf_life_than_the_customer_requires_is_refused_by_name(
    world, put_stock, confirmed, system, unchanged
):
    partners.change_partner(
        system, world.customer.pk, min_remaining_shelf_life_days=365, reason="hospital tender"
    )
    put_stock(world.lot_product, "SHORT", "50", expiry=dt.date(2027, 1, 31))
    order = confirmed((world.lot_product, "5"))
    with unchanged(*TABLES), pytest.raises(DomainError) as refused:
        allocate(world, order)
    assert refused.value.code == "sales.shelf_life_too_short"
    message = refused.value.render_message()
    assert "SHORT" in message and "2027-01-31" in message and "365" in message
    assert refused.value.details["days_left"] == 230


def test_the_minimum_counts_the_expiry_day_itself(world, put_stock, confirmed, system):
    partners.change_partner(
        system, world.customer.pk, min_remaining_shelf_life_days=30, reason="contract"
    )
    put_stock(world.lot_product, "EXACT", "5", expiry=dt.date(2026, 7, 15))  # 30 days left
    order = allocate(world, confirmed((world.lot_product, "5")))
    assert lots(order) == [("EXACT", Decimal("5"))]


def test_serial_units_are_allocated_one_by_one_in_fefo_order(world, put_stock, confirmed):
    put_stock(world.serial_product, "S-LATE", serials=["B1", "B2"], expiry=dt.date(2029, 1, 1))
    put_stock(world.serial_product, "S-EARLY", serials=["A1"], expiry=dt.date(2027, 1, 1))
    order = allocate(world, confirmed((world.serial_product, "2")))
    assert lots(order) == [("A1", Decimal("1")), ("B1", Decimal("1"))]


def test_only_a_confirmed_order_is_allocated(world, put_stock, make_order):
    put_stock(world.lot_product, "L1", "10")
    with pytest.raises(DomainError) as refused:
        allocate(world, make_order())
    assert refused.value.code == "workflow.wrong_state"


def test_the_seller_may_not_allocate(world, put_stock, confirmed):
    put_stock(world.lot_product, "L1", "10")
    order = confirmed()
    with pytest.raises(DomainError) as refused:
        services.allocate_order(Actor.for_user(world.seller), order.pk)
    assert refused.value.code == "permission_denied"


def test_cancelling_gives_the_reserved_stock_back(world, put_stock, allocated):
    lot = put_stock(world.lot_product, "L1", "10")
    order = allocated((world.lot_product, "6"))
    services.cancel_order(Actor.for_user(world.seller), order.pk, reason="customer withdrew")
    assert SalesOrder.objects.get(pk=order.pk).status == "cancelled"
    assert Balance.objects.get(lot=lot, location=world.storage).reserved == 0
    assert stock.available_quantity(world.lot_product) == Decimal("10")
    assert lots(order) == []


def test_cancelling_needs_a_reason(world, allocated, put_stock, unchanged):
    put_stock(world.lot_product, "L1", "10")
    order = allocated((world.lot_product, "6"))
    with unchanged(*TABLES), pytest.raises(DomainError) as refused:
        services.cancel_order(Actor.for_user(world.seller), order.pk, reason=" ")
    assert refused.value.code == "workflow.reason_required"
