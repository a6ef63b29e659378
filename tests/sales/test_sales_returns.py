"""Returns (TR-08; GSP 销后退回): only what was shipped to that customer comes back, against
its distribution record, into a returns location where it is not available until QA decides."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from tests.sales.conftest import TABLES, gs1

from mederp.core.actors import Actor
from mederp.core.errors import DomainError
from mederp.core.models import OutboxEvent
from mederp.inventory import selectors as stock
from mederp.inventory.models import Balance, Lot, Move
from mederp.sales import services
from mederp.sales.models import DistributionRecord, SalesReturn

pytestmark = pytest.mark.django_db


@pytest.fixture
def record(world, put_stock, shipped):
    put_stock(world.lot_product, "L-A", "10", expiry=dt.date(2027, 3, 31))
    shipped((world.lot_product, "6"))
    return DistributionRecord.objects.get()


def give_back(world, record, quantity="2", **kw):
    kw.setdefault("to_location", world.returns)
    kw.setdefault("reason", "damaged outer carton")
    return services.receive_return(
        Actor.for_user(world.picker), record=record.pk, quantity=quantity, **kw
    )


def test_returned_goods_come_back_into_the_returns_location_not_to_stock(world, record):
    back = give_back(world, record)
    assert back.number.startswith("RT-")
    assert (back.record, back.shipment, back.customer) == (record, record.shipment, world.customer)
    move = Move.objects.get(document_type="sales.return")
    assert (move.from_location, move.to_location, move.quantity) == (
        world.customer_location,
        world.returns,
        Decimal("2"),
    )
    assert move.document_id == back.number
    assert Balance.objects.get(location=world.returns).quantity == Decimal("2")
    lot = Lot.objects.get(number="L-A")
    assert lot.status == "released"  # the location keeps it apart; QA decides (docs/ledger.md)
    assert stock.available_quantity(world.lot_product) == Decimal("4")  # storage only
    assert OutboxEvent.objects.filter(event_type="sales.return.received").count() == 1


def test_a_return_can_come_back_in_parts_up_to_what_was_shipped(world, record, unchanged):
    give_back(world, record, "4")
    with unchanged(*TABLES, SalesReturn), pytest.raises(DomainError) as refused:
        give_back(world, record, "3")
    assert refused.value.code == "sales.return_exceeds_shipped"
    assert refused.value.details["returnable"] == "2"
    give_back(world, record, "2")


def test_more_than_was_shipped_cannot_come_back(world, record, unchanged):
    with unchanged(*TABLES, SalesReturn), pytest.raises(DomainError) as refused:
        give_back(world, record, "7")
    assert refused.value.code == "sales.return_exceeds_shipped"


def test_a_scan_of_another_lot_is_refused(world, record, unchanged):
    with unchanged(*TABLES, SalesReturn), pytest.raises(DomainError) as refused:
        give_back(world, record, scan=gs1(world.lot_product, lot="L-Z"))
    assert refused.value.code == "sales.wrong_lot"
    assert give_back(world, record, scan=gs1(world.lot_product, lot="L-A")).scan_raw


def test_another_customer_cannot_return_what_was_shipped_to_this_one(
    world, record, make_customer, unchanged
):
    other, _ = make_customer(world.qa)
    with unchanged(*TABLES, SalesReturn), pytest.raises(DomainError) as refused:
        give_back(world, record, customer=other)
    assert refused.value.code == "sales.return_not_shipped_to_customer"


def test_returns_do_not_go_straight_to_saleable_storage(world, record, unchanged):
    with unchanged(*TABLES, SalesReturn), pytest.raises(DomainError) as refused:
        give_back(world, record, to_location=world.storage)
    assert refused.value.code == "sales.return_location_invalid"


def test_a_return_needs_a_reason(world, record, unchanged):
    with unchanged(*TABLES, SalesReturn), pytest.raises(DomainError) as refused:
        give_back(world, record, reason="  ")
    assert refused.value.code == "sales.return_reason_required"


def test_a_returned_serial_comes_back_once(world, put_stock, shipped, unchanged):
    put_stock(world.serial_product, "LS", serials=["SN-9"], expiry=dt.date(2029, 1, 1))
    shipped((world.serial_product, "1"))
    record = DistributionRecord.objects.get()
    back = give_back(world, record, "1")
    assert back.serial.serial_number == "SN-9"
    assert Balance.objects.get(serial=back.serial, location=world.returns).quantity == 1
    with unchanged(*TABLES, SalesReturn), pytest.raises(DomainError) as refused:
        give_back(world, record, "1")
    assert refused.value.code == "sales.return_exceeds_shipped"
