"""Two connections at once on PostgreSQL (DI-03; STYLE: a real two-connection race test).

A receipt locks its order and the order's lines: a second receipt on the same line waits for
the first to commit, then sees what it accepted, so two docks can never over-receive a line
between them. Order numbers come from a counter row taken under its lock: two orders created at
once in a new year get consecutive numbers, even when neither finds the year's row yet.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, connections, transaction

from mederp.core.actors import Actor
from mederp.core.errors import DomainError
from mederp.procurement import services
from mederp.procurement.models import PurchaseOrder, PurchaseOrderLine

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
WAIT = 15


@pytest.fixture(autouse=True)
def _postgres_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers and row locks are proved on PostgreSQL")


class Race:
    """The first call runs in its own connection and keeps its transaction open until released;
    the second then starts in another connection."""

    def __init__(self, first: Callable[[], Any], second: Callable[[], Any]) -> None:
        self.results: dict[str, Any] = {}
        self._inside = threading.Event()
        self._release = threading.Event()
        self._first = threading.Thread(target=self._hold, args=(first,))
        self._second = threading.Thread(target=self._run, args=("second", second))

    def _hold(self, call: Callable[[], Any]) -> None:
        try:
            with transaction.atomic():
                self.results["first"] = call()
                self._inside.set()
                self._release.wait(WAIT)
        except Exception as exc:
            self.results["first"] = exc
            self._inside.set()
        finally:
            connections.close_all()

    def _run(self, key: str, call: Callable[[], Any]) -> None:
        try:
            self.results[key] = call()
        except Exception as exc:
            self.results[key] = exc
        finally:
            connections.close_all()

    def second_waits_for_first(self) -> bool:
        self._first.start()
        assert self._inside.wait(WAIT)
        self._second.start()
        self._second.join(0.5)
        blocked = self._second.is_alive()
        self._release.set()
        self._first.join(WAIT)
        self._second.join(WAIT)
        return blocked


def test_two_docks_cannot_over_receive_one_line(world, approved_order):
    order = approved_order()  # 100 ordered
    line = order.lines.get()

    def receive(lot: str) -> Any:
        return services.record_receipt(
            Actor.for_user(world.inspector),
            line.pk,
            quantity="60",
            lot=lot,
            expiry_date=dt.date(2028, 12, 31),
            location=world.quarantine,
        )

    race = Race(lambda: receive("L-A"), lambda: receive("L-B"))
    assert race.second_waits_for_first()
    assert not isinstance(race.results["first"], Exception), race.results["first"]
    refused = race.results["second"]
    assert isinstance(refused, DomainError) and refused.code == "procurement.over_receipt"
    assert PurchaseOrderLine.objects.get(pk=line.pk).accepted_quantity == 60
    assert PurchaseOrder.objects.get(pk=order.pk).state == "partially_received"


def test_orders_created_at_once_get_consecutive_numbers(world):
    from mederp.core import clock

    def create() -> Any:
        return services.create_order(
            Actor.for_user(world.buyer),
            supplier=world.supplier,
            lines=[{"product": world.lot_product, "quantity": "1", "unit_price": "1"}],
        )

    with clock.frozen(dt.datetime(2027, 3, 1, 2, 0, tzinfo=dt.UTC)):
        race = Race(create, create)
        assert race.second_waits_for_first()
    numbers = sorted(r.number for r in race.results.values())
    assert numbers == ["PO-2027-00001", "PO-2027-00002"]
