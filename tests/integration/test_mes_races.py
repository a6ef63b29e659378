"""The same MES event delivered twice at once, on two PostgreSQL connections (invariant 5): one
posting only, and both deliveries get the same answer.
"""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

import pytest
from django.db import connection, transaction
from tests.integration.race_support import WAIT, delivered_twice_at_once, in_thread
from tests.integration.test_mes_events import consumed, mes_client, post
from tests.production import conftest as production_fixtures

from mederp.core import inbound
from mederp.core.actors import Actor
from mederp.identity.models import User
from mederp.integration import services
from mederp.integration.api.mes import MaterialConsumedIn
from mederp.integration.models import InboundEvent
from mederp.inventory.models import Move
from mederp.production.models import MaterialIssue

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

production_plant = production_fixtures.production_plant
production_clock = production_fixtures.production_clock


@pytest.fixture(autouse=True)
def _postgres_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("concurrent deliveries are proved on PostgreSQL")


@pytest.fixture
def setup(production_plant: Any) -> tuple[Any, Any, Any]:
    production_plant.stock_all()
    wo = production_plant.work_order(quantity="5")
    return production_plant, wo, mes_client(production_plant.system)


def test_two_deliveries_at_once_post_once(setup):
    _plant, wo, client = setup
    moves, issues = Move.objects.count(), MaterialIssue.objects.count()
    results = delivered_twice_at_once(lambda: post(client, consumed(wo, "evt-race")))

    codes = sorted(results[k][0] for k in ("a", "b"))
    assert codes == [200, 201], results
    assert results["a"][1] == results["b"][1]
    assert MaterialIssue.objects.count() == issues + 1
    assert Move.objects.count() > moves
    assert InboundEvent.objects.filter(event_id="evt-race").count() == 1


def test_a_redelivery_waits_for_the_first_to_commit_then_replays_it(setup):
    _plant, wo, client = setup
    body = consumed(wo, "evt-hold")
    inside, release = threading.Event(), threading.Event()
    results: dict[str, Any] = {}
    mes_user = User.objects.get(is_api_client=True)

    def first() -> Any:
        with transaction.atomic():
            received = services.receive_mes_event(
                Actor.for_user(mes_user),
                event_id="evt-hold",
                event_type="material_consumed",
                occurred_at=dt.datetime(2026, 6, 15, 2, 5, tzinfo=dt.UTC),
                work_order=wo.number,
                data=body["data"],
                body=inbound.body_of(MaterialConsumedIn.model_validate(body)),
            )
            inside.set()
            release.wait(WAIT)
        return received.status_code

    def second() -> Any:
        r = post(client, body)
        return r.status_code, r.get("Idempotent-Replay")

    one = in_thread(results, "first", first)
    two = in_thread(results, "second", second)
    one.start()
    assert inside.wait(WAIT)
    two.start()
    two.join(1.0)
    waited = two.is_alive()
    release.set()
    one.join(WAIT)
    two.join(WAIT)

    assert waited, "the redelivery did not wait for the first delivery's transaction"
    assert results["first"] == 201
    assert results["second"] == (200, "true")
    assert MaterialIssue.objects.filter(event_id="evt-hold").count() == 1
