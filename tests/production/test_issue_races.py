"""Concurrent material issues never take the same units twice (invariant 6; DI-03): six work
orders issue from the same two lots at the same instant, each on its own PostgreSQL connection;
inventory's balance row locks (through the reservation each issue takes) let exactly as many
through as the stock covers, an issue that lost a lot to another plans again on what is left,
the rest are refused with ``production.not_enough_stock``, nothing deadlocks, and no balance
goes negative."""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import Sum

from mederp.core.errors import DomainError
from mederp.inventory.models import Balance
from mederp.production import services
from mederp.production.models import MaterialIssue

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

WAIT = 120


@pytest.fixture(autouse=True)
def _postgres_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("row locks between connections are proved on PostgreSQL")


def test_six_concurrent_issues_never_take_the_same_units(production_plant):
    p = production_plant
    p.stock(p.part, "R-1", "7", expiry=dt.date(2027, 1, 1))
    p.stock(p.part, "R-2", "8", expiry=dt.date(2027, 6, 1), location=p.storage2)
    orders = [p.work_order(lot=f"FG-{i}") for i in range(6)]
    actor = p.actor(p.operator)
    barrier = threading.Barrier(len(orders))
    outcomes: dict[int, str] = {}

    def run(order_id: int) -> None:
        try:
            barrier.wait(timeout=WAIT)
            services.issue_material(actor, order_id, component_id=p.part.pk, quantity="4")
            outcomes[order_id] = "issued"
        except DomainError as exc:
            outcomes[order_id] = exc.code
        except Exception as exc:  # a deadlock or a crash is what the test looks for
            outcomes[order_id] = f"unexpected: {exc!r}"
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(o.pk,)) for o in orders]
    for t in threads:
        t.start()
    for t in threads:
        t.join(WAIT)
    assert not any(t.is_alive() for t in threads), "an issue hung (deadlock?)"

    # 15 units in two lots, 4 per work order: three are served (a lot that ran short under
    # the lock is topped up from the next), the other three find 3 left and are refused.
    assert sorted(outcomes.values()) == ["issued"] * 3 + ["production.not_enough_stock"] * 3, (
        outcomes
    )
    winners = [pk for pk, how in outcomes.items() if how == "issued"]
    issued = MaterialIssue.objects.aggregate(s=Sum("quantity"))["s"]
    assert issued == Decimal(4 * len(winners))
    for balance in Balance.objects.filter(product=p.part):
        assert 0 <= balance.reserved <= balance.quantity
    left = Balance.objects.filter(product=p.part).aggregate(s=Sum("quantity"))["s"]
    assert left == Decimal(15) - issued
    losers = [pk for pk in outcomes if pk not in winners]
    assert not MaterialIssue.objects.filter(work_order_id__in=losers).exists()
