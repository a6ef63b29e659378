"""Concurrent allocations never oversell (issue 4 §5, §8; invariant 6; TR-06): eight orders
allocate the same few lots at the same instant, each on its own PostgreSQL connection; the
balances' row locks let exactly as many through as the stock covers, the rest are refused with
``sales.not_enough_stock``, nothing deadlocks, and reserved never exceeds on hand."""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import Sum

from mederp.core.actors import Actor
from mederp.core.errors import DomainError
from mederp.inventory.models import Balance, Reservation
from mederp.sales import services
from mederp.sales.models import Allocation, SalesOrder

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

CLIENTS = 8
WAIT = 120


@pytest.fixture(autouse=True)
def _postgres_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("row locks between connections are proved on PostgreSQL")


def race(actor, order_ids):
    """Allocate every order at once, one thread (one connection) each; return the outcomes."""
    barrier = threading.Barrier(len(order_ids))
    outcomes: dict[int, str] = {}

    def run(order_id: int) -> None:
        try:
            barrier.wait(timeout=WAIT)
            services.allocate_order(actor, order_id)
            outcomes[order_id] = "allocated"
        except DomainError as exc:
            outcomes[order_id] = exc.code
        except Exception as exc:  # a deadlock or a crash is what the test looks for
            outcomes[order_id] = f"unexpected: {exc!r}"
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(pk,)) for pk in order_ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join(WAIT)
    assert not any(t.is_alive() for t in threads), "an allocation hung (deadlock?)"
    return outcomes


def test_eight_concurrent_allocations_never_promise_the_same_units(world, put_stock, confirmed):
    put_stock(world.lot_product, "R-1", "7", expiry=dt.date(2027, 1, 1))
    put_stock(world.lot_product, "R-2", "8", expiry=dt.date(2027, 6, 1), location=world.storage2)
    orders = [confirmed((world.lot_product, "3")) for _ in range(CLIENTS)]

    outcomes = race(Actor.for_user(world.picker), [o.pk for o in orders])

    assert sorted(set(outcomes.values())) == ["allocated", "sales.not_enough_stock"], outcomes
    winners = [pk for pk, how in outcomes.items() if how == "allocated"]
    assert len(winners) == 5  # 15 units, 3 per order
    allocated = Allocation.objects.aggregate(s=Sum("quantity"))["s"]
    assert allocated == Decimal("15")
    for balance in Balance.objects.filter(quantity__gt=0):
        assert 0 <= balance.reserved <= balance.quantity
        held = Reservation.objects.filter(lot=balance.lot, location=balance.location).aggregate(
            s=Sum("quantity")
        )["s"]
        assert held == balance.reserved
    losers = SalesOrder.objects.exclude(pk__in=winners)
    assert set(losers.values_list("status", flat=True)) == {"confirmed"}
    assert not Allocation.objects.filter(line__order__in=losers).exists()


def test_orders_naming_two_products_in_opposite_order_do_not_deadlock(
    world, make_product, put_stock, confirmed
):
    other = make_product(world.qa)
    put_stock(world.lot_product, "P-1", "6", expiry=dt.date(2027, 1, 1))
    put_stock(other, "Q-1", "6", expiry=dt.date(2027, 1, 1))
    orders = [
        confirmed((world.lot_product, "2"), (other, "2"))
        if i % 2
        else confirmed((other, "2"), (world.lot_product, "2"))
        for i in range(CLIENTS)
    ]

    outcomes = race(Actor.for_user(world.picker), [o.pk for o in orders])

    assert not [how for how in outcomes.values() if how.startswith("unexpected")], outcomes
    assert list(outcomes.values()).count("allocated") == 3
    for balance in Balance.objects.filter(quantity__gt=0):
        assert balance.reserved <= balance.quantity
