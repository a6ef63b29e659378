"""The same WMS event delivered twice at once, on two PostgreSQL connections (invariant 5): one
move posted, and both deliveries get the same answer."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from tests.integration.race_support import delivered_twice_at_once
from tests.integration.test_wms_events import post, transferred, wms_client
from tests.sales import conftest as sales_fixtures

from mederp.integration.models import InboundEvent
from mederp.inventory.models import Move

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

world = sales_fixtures.world
make_product = sales_fixtures.make_product
make_customer = sales_fixtures.make_customer
put_stock = sales_fixtures.put_stock
clock_frozen = sales_fixtures.clock_frozen


@pytest.fixture(autouse=True)
def _postgres_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("concurrent deliveries are proved on PostgreSQL")


def test_two_deliveries_of_one_transfer_at_once_move_the_stock_once(
    world: Any, put_stock: Any, system: Any
) -> None:
    put_stock(world.lot_product, "L1", "10")
    client = wms_client(system)
    moves = Move.objects.count()
    results = delivered_twice_at_once(lambda: post(client, transferred(world, "wms-race")))

    codes = sorted(results[k][0] for k in ("a", "b"))
    assert codes == [200, 201], results
    assert results["a"][1] == results["b"][1]
    assert Move.objects.count() == moves + 1
    assert Move.objects.filter(document_id="wms-race").count() == 1
    assert InboundEvent.objects.filter(source="wms", event_id="wms-race").count() == 1
