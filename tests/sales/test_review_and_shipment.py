"""Outbound review (出库复核) by a second person's signature, and shipment with its
distribution records (ES-12, ES-13; CN-09; invariants 2, 4, 6)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import DatabaseError, transaction
from tests.sales.conftest import PASSWORD, TABLES, pick_all, sign

from mederp.core import signatures
from mederp.core.actors import Actor
from mederp.core.errors import DomainError
from mederp.core.models import Signature
from mederp.identity.models import SecurityEvent
from mederp.inventory import services as inventory
from mederp.inventory.models import Balance, Lot, Move
from mederp.sales import services
from mederp.sales.models import DistributionRecord, SalesOrder

pytestmark = pytest.mark.django_db


@pytest.fixture
def order(world, put_stock, picked):
    put_stock(world.lot_product, "L-A", "10", expiry=dt.date(2027, 3, 31))
    return picked((world.lot_product, "4", "99.90"))


def review(world, order, user=None, **kw):
    user = user or world.reviewer
    credentials = sign(user)
    credentials.update(kw)
    return services.review_order(Actor.for_user(user), order.pk, **credentials)


def test_a_second_person_reviews_the_picked_order_by_signature(world, order):
    done = review(world, order, reason="checked 4 cartons against the pick list")
    assert (done.status, done.reviewed_by) == ("reviewed", world.reviewer)
    sig = Signature.objects.get(record_type="sales.salesorder")
    assert (sig.meaning, sig.signer, sig.printed_name) == (
        "reviewed",
        world.reviewer,
        "reviewer 签名人",
    )
    assert signatures.latest_valid(done, "reviewed")


def test_the_picker_cannot_review_their_own_picking(world, order, unchanged):
    """Issue 4 bad input: a second-person review by the same user (segregation of duties)."""
    logged = SecurityEvent.objects.count()
    with unchanged(*TABLES, Signature), pytest.raises(DomainError) as refused:
        review(world, order, user=world.picker)
    assert refused.value.code == "sales.sod_reviewer_is_picker"
    assert SecurityEvent.objects.count() > logged  # the refusal is security-logged (ES-13)
    assert SalesOrder.objects.get(pk=order.pk).status == "picked"


def test_a_wrong_password_refuses_the_review(world, order, unchanged):
    with unchanged(*TABLES, Signature), pytest.raises(DomainError) as refused:
        review(world, order, password=PASSWORD + "x")
    assert refused.value.code.startswith("identity.")


def test_the_seller_may_not_review(world, order, make_user):
    from tests.sales.conftest import person

    seller = person(make_user, "seller2", "sales")
    with pytest.raises(DomainError) as refused:
        review(world, order, user=seller)
    assert refused.value.code in {"signatures.not_permitted", "permission_denied"}


def test_an_order_not_yet_picked_cannot_be_reviewed(world, put_stock, allocated):
    put_stock(world.lot_product, "L-A", "10")
    order = allocated()
    with pytest.raises(DomainError) as refused:
        review(world, order)
    assert refused.value.code == "workflow.wrong_state"


def test_shipping_before_the_review_is_refused(world, order, unchanged):
    with unchanged(*TABLES), pytest.raises(DomainError) as refused:
        services.ship_order(Actor.for_user(world.picker), order.pk)
    assert refused.value.code == "workflow.wrong_state"


def test_shipment_moves_the_picked_stock_to_the_customer_and_records_it(world, order):
    review(world, order)
    services.ship_order(Actor.for_user(world.picker), order.pk)
    record = DistributionRecord.objects.get()
    assert (record.quantity, record.unit_price, record.amount) == (
        Decimal("4"),
        Decimal("99.9"),
        Decimal("399.60"),
    )
    assert record.product_name == world.lot_product.name_zh
    assert record.specification == "5 ml"
    assert record.manufacturer == "苏州示例医疗科技有限公司"
    assert record.manufacture_date == dt.date(2026, 1, 5)
    assert record.customer_contact == "李老师 021-0000000"
    assert Balance.objects.get(location=world.storage).quantity == Decimal("6")
    assert not Balance.objects.filter(location=world.customer_location).exists()


def test_stock_put_on_hold_after_the_review_does_not_ship(world, order, system, unchanged):
    """Invariant 6 at the last moment: the ledger refuses held stock leaving for a customer."""
    review(world, order)
    lot = Lot.objects.get(number="L-A")
    inventory.hold_lot(system, lot.pk, reason="complaint under investigation")
    with unchanged(*TABLES), pytest.raises(DomainError) as refused:
        services.ship_order(Actor.for_user(world.picker), order.pk)
    assert refused.value.code in {"inventory.stock_not_released", "inventory.stock_not_available"}
    assert "L-A" in refused.value.render_message()


def test_a_warehouse_without_a_customer_location_cannot_ship(world, order, system, unchanged):
    review(world, order)
    inventory.change_location(
        system, world.customer_location.pk, is_active=False, reason="closed for the test"
    )
    with unchanged(*TABLES), pytest.raises(DomainError) as refused:
        services.ship_order(Actor.for_user(world.picker), order.pk)
    assert refused.value.code == "sales.no_customer_location"


def test_distribution_records_cannot_be_changed_or_deleted(world, order):
    """AT-06: what a recall stands on is append-only, enforced by the database."""
    review(world, order)
    services.ship_order(Actor.for_user(world.picker), order.pk)
    with pytest.raises(DatabaseError), transaction.atomic():
        DistributionRecord.objects.update(quantity=Decimal("1"))
    with pytest.raises(DatabaseError), transaction.atomic():
        DistributionRecord.objects.all().delete()
    assert DistributionRecord.objects.get().quantity == Decimal("4")


def test_the_shipment_posts_one_move_per_allocation(world, put_stock, reviewed):
    put_stock(world.lot_product, "L-1", "3", expiry=dt.date(2027, 1, 1))
    put_stock(world.lot_product, "L-2", "5", expiry=dt.date(2027, 6, 1))
    order = reviewed((world.lot_product, "6"))
    services.ship_order(Actor.for_user(world.picker), order.pk)
    moves = Move.objects.filter(document_type="sales.shipment").order_by("id")
    assert [(m.lot.number, m.quantity) for m in moves] == [
        ("L-1", Decimal("3")),
        ("L-2", Decimal("3")),
    ]
    assert DistributionRecord.objects.filter(order=order).count() == 2


def test_a_reviewed_order_can_still_be_cancelled_and_frees_its_stock(world, order):
    review(world, order)
    services.cancel_order(Actor.for_user(world.seller), order.pk, reason="customer withdrew")
    assert Balance.objects.get(location=world.storage).reserved == 0


def test_picking_the_whole_order_by_another_picker_lets_the_first_review(
    world, put_stock, allocated
):
    put_stock(world.lot_product, "L-A", "10")
    order = allocated()
    pick_all(world, order, user=world.reviewer)
    assert review(world, order, user=world.picker).status == "reviewed"
