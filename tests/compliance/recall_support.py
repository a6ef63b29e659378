"""What the recall tests share: the sales plant (tests/sales/conftest.py: a qualified customer,
approved products, released stock, the people who sell, pick and review), two QA people who
open and close recalls, and helpers that ship stock and open a recall by signature.

Test modules reuse the fixtures by assignment (``world = recall_support.world``), as
tests/production/test_genealogy_cte.py does with the inventory plant.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from tests.sales import conftest as sales_fixtures
from tests.sales.conftest import World, person, sign

from mederp.compliance import services
from mederp.compliance.models import Recall, RecallItem, RecallLine, RecallScope
from mederp.core.actors import Actor
from mederp.identity.models import User
from mederp.inventory.models import Lot, Reservation
from mederp.sales.models import SalesOrder

# The sales plant, as fixtures of the modules that import this one.
clock_frozen = sales_fixtures.clock_frozen
world = sales_fixtures.world
make_product = sales_fixtures.make_product
make_customer = sales_fixtures.make_customer
put_stock = sales_fixtures.put_stock
make_order = sales_fixtures.make_order
confirmed = sales_fixtures.confirmed
allocated = sales_fixtures.allocated
picked = sales_fixtures.picked
reviewed = sales_fixtures.reviewed
shipped = sales_fixtures.shipped
send = sales_fixtures.send

#: What a refused recall request must leave alone (with the kernel tables).
TABLES = (Recall, RecallScope, RecallItem, RecallLine, Reservation)


@dataclass
class RecallDesk:
    """The plant plus QA's recall desk: ``opener`` and ``closer`` are two QA managers."""

    world: World
    opener: User
    closer: User
    tracker: User

    def open(
        self, *references: str, by: User | None = None, classification: str = "II", **kw: Any
    ) -> Recall:
        user = by or self.opener
        credentials = sign(user)
        credentials.update(kw.pop("credentials", {}))
        recall: Recall = services.open_recall(
            Actor.for_user(user),
            references=list(references),
            classification=classification,
            reason=kw.pop("reason", "Seal failure found in retained samples"),
            **credentials,
            **kw,
        )
        return Recall.objects.get(pk=recall.pk)

    def close(self, recall: Recall, *, by: User | None = None, **kw: Any) -> Recall:
        user = by or self.closer
        credentials = sign(user)
        credentials.update(kw.pop("credentials", {}))
        closed: Recall = services.close_recall(
            Actor.for_user(user),
            recall.pk,
            reason=kw.pop("reason", "All consignees notified; stock returned or destroyed"),
            **credentials,
            **kw,
        )
        return Recall.objects.get(pk=closed.pk)

    def notify_all(self, recall: Recall, via: str = "phone") -> None:
        ids = list(RecallLine.objects.filter(recall=recall).values_list("pk", flat=True))
        if ids:
            services.record_notification(Actor.for_user(self.tracker), ids, via=via)


@pytest.fixture
def desk(world: World, make_user: Callable[..., User]) -> RecallDesk:
    return RecallDesk(
        world=world,
        opener=world.qa,
        closer=person(make_user, "qa2", "qa_manager"),
        tracker=person(make_user, "qa3", "qa_manager"),
    )


@pytest.fixture
def ship(world: World, put_stock: Any, shipped: Any, make_customer: Any) -> Callable[..., Any]:
    """``ship("L1", "4")``: stock of lot L1 (10 units unless ``stock``, expiring ``expiry``)
    shipped, ``quantity`` of it by FEFO, to the plant's customer (or ``customer``); returns
    the order."""
    stocked: set[str] = set()

    def go(
        lot: str,
        quantity: str = "4",
        *,
        customer: Any = None,
        stock: str = "10",
        expiry: dt.date = dt.date(2028, 6, 30),
    ) -> SalesOrder:
        if lot not in stocked:
            put_stock(world.lot_product, lot, stock, expiry=expiry)
            stocked.add(lot)
        kwargs = {"customer": customer} if customer is not None else {}
        order: SalesOrder = shipped((world.lot_product, quantity), **kwargs)
        return order

    return go


def lot(number: str) -> Lot:
    return Lot.objects.get(number=number)


__all__ = ["TABLES", "RecallDesk", "lot", "sign"]
