"""The inbound conventions (issue 7, point 6; docs/integration.md "Inbound conventions"), proved
on each of the four receiving endpoints: MES events, LIMS results, WMS events and temperature
readings. Every delivery carries an event id, a source system and an occurred-at; a malformed
envelope is refused with a coded 422; a time beyond the clock skew is refused (DI-09); a
redelivery gets the first answer; the same id with another body is 409 and writes nothing
(invariants 5, 7); and each endpoint's out-of-order rule does what the contract says."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.test import Client
from tests.integration import test_lims_results as lims_tests
from tests.integration import test_mes_events as mes_tests
from tests.integration import test_wms_events as wms_tests
from tests.inventory import conftest as inventory_fixtures
from tests.inventory.coldchain_support import fill_cold_room, reading, send
from tests.production import conftest as production_fixtures
from tests.quality.inspections.support import make_plan
from tests.sales import conftest as sales_fixtures
from tests.signing_support import frozen_clock

from mederp.core import clock
from mederp.core.actors import Actor
from mederp.identity import services as identity
from mederp.integration.models import InboundEvent
from mederp.inventory.coldchain.excursions import latest_reading
from mederp.inventory.models import Excursion, StockHold, TemperatureReading
from mederp.production import services as production
from mederp.quality.inspections.models import Inspection, InspectionResult

production_plant = production_fixtures.production_plant
production_clock = production_fixtures.production_clock
world = sales_fixtures.world
make_product = sales_fixtures.make_product
make_customer = sales_fixtures.make_customer
put_stock = sales_fixtures.put_stock
stock = inventory_fixtures.stock
today = inventory_fixtures.today

READINGS_URL = "/api/v1/inventory/temperature-readings"


@dataclass
class Endpoint:
    """One receiving endpoint as a sender sees it: where to post, a valid body for an id, and
    the names and codes that endpoint uses for the shared conventions."""

    name: str
    client: Client
    url: str
    make: Callable[[str], dict[str, Any]]
    other: dict[str, Any]  # what makes another body under the same id
    tables: tuple[Any, ...]
    id_field: str = "event_id"
    id_max: int = 64
    time_field: str = "occurred_at"
    source_field: str = "source_system"
    source_required: bool = True
    future_code: str = "inbound.occurred_in_future"
    naive_code: str = "validation_failed"
    reuse_code: str = "integration.event_id_reused"
    replay_status: int = 200
    extra: dict[str, Any] = field(default_factory=dict)

    def post(self, body: dict[str, Any]) -> Any:
        return self.client.post(self.url, data=json.dumps(body), content_type="application/json")

    def body(self, event_id: str = "conv-1", **change: Any) -> dict[str, Any]:
        body = self.make(event_id)
        body.update(change)
        return body

    def without(self, name: str) -> dict[str, Any]:
        body = self.body()
        body.pop(name, None)
        return body


@pytest.fixture
def sales_clock() -> Iterator[None]:
    with frozen_clock():
        yield


@pytest.fixture
def mes(production_plant: Any) -> Endpoint:
    p = production_plant
    p.stock_all()
    wo = p.work_order(quantity="5")
    return Endpoint(
        name="mes",
        client=mes_tests.mes_client(p.system),
        url=mes_tests.URL,
        make=lambda i: mes_tests.consumed(wo, i) | {"source_system": "MES-Line-1"},
        other={"work_order": wo.number, "data": {**mes_tests.consumed(wo)["data"], "quantity": 3}},
        tables=mes_tests.EVENT_TABLES,
        source_required=False,
        extra={"plant": p, "wo": wo},
    )


@pytest.fixture
def lims(production_plant: Any) -> Endpoint:
    p = production_plant
    make_plan(p.qa, p.device, "final")
    p.stock_all()
    p.output(p.work_order(), "5")
    inspection = Inspection.objects.get()
    return Endpoint(
        name="lims",
        client=lims_tests.lims_client(production_plant.system),
        url=lims_tests.URL,
        make=lambda i: lims_tests.result(inspection, i),
        other={"value": "5.09"},
        tables=lims_tests.TABLES,
        id_field="result_id",
        extra={"inspection": inspection},
    )


@pytest.fixture
def wms(sales_clock: None, world: Any, put_stock: Any, system: Actor) -> Endpoint:
    put_stock(world.lot_product, "L1", "10")
    return Endpoint(
        name="wms",
        client=wms_tests.wms_client(system),
        url=wms_tests.URL,
        make=lambda i: wms_tests.transferred(world, i),
        other={"data": {**wms_tests.transferred(world)["data"], "quantity": "5"}},
        tables=wms_tests.TABLES,
    )


@pytest.fixture
def readings(stock: Any, system: Actor) -> Endpoint:
    room = fill_cold_room(stock, system)
    _client, key = identity.create_api_client(
        system, name="logger-gw", roles=["warehouse"], scopes=["inventory:write"]
    )

    def make(reading_id: str) -> dict[str, Any]:
        return {
            "reading_id": reading_id,
            "location_id": room.stock.cold.pk,
            "measured_at": (clock.now() - dt.timedelta(minutes=2)).isoformat(),
            "celsius": "5.5",
            "source": "LOG7",
        }

    return Endpoint(
        name="readings",
        client=Client(HTTP_AUTHORIZATION=f"Bearer {key}", HTTP_ACCEPT_LANGUAGE="en"),
        url=READINGS_URL,
        make=make,
        other={"celsius": "5.6"},
        tables=(TemperatureReading, Excursion, StockHold),
        id_field="reading_id",
        id_max=100,
        time_field="measured_at",
        source_field="source",
        source_required=False,
        future_code="inventory.reading_in_future",
        naive_code="inventory.reading_time_naive",
        reuse_code="inventory.reading_conflict",
        replay_status=201,
        extra={"room": room},
    )


@pytest.fixture(params=["mes", "lims", "wms", "readings"])
def endpoint(request: pytest.FixtureRequest) -> Endpoint:
    return request.getfixturevalue(request.param)


def refused(unchanged: Callable[..., Any], ep: Endpoint, body: dict[str, Any]) -> Any:
    with unchanged(*ep.tables):
        r = ep.post(body)
    assert r.status_code >= 400, r.content
    return r


def ahead(minutes: float) -> str:
    return (clock.now() + dt.timedelta(minutes=minutes)).isoformat()


# --- the envelope ------------------------------------------------------------------------------


def test_a_valid_delivery_is_recorded(endpoint: Endpoint) -> None:
    r = endpoint.post(endpoint.body())

    assert r.status_code == 201, r.content


def test_a_delivery_without_an_event_id_is_refused(endpoint: Endpoint, unchanged) -> None:
    r = refused(unchanged, endpoint, endpoint.without(endpoint.id_field))

    assert (r.status_code, r.json()["code"]) == (422, "validation_failed")
    assert any(endpoint.id_field in k for k in r.json()["details"]["fields"])


@pytest.mark.parametrize("value", ["", "too-long"], ids=["empty", "past its bound"])
def test_an_empty_or_overlong_event_id_is_refused(endpoint: Endpoint, unchanged, value) -> None:
    event_id = "x" * (endpoint.id_max + 1) if value else ""

    r = refused(unchanged, endpoint, endpoint.body(**{endpoint.id_field: event_id}))

    assert r.status_code == 422
    assert r.json()["code"] in ("validation_failed", "inventory.reading_id_invalid")


def test_a_delivery_without_its_time_is_refused(endpoint: Endpoint, unchanged) -> None:
    r = refused(unchanged, endpoint, endpoint.without(endpoint.time_field))

    assert (r.status_code, r.json()["code"]) == (422, "validation_failed")
    assert any(endpoint.time_field in k for k in r.json()["details"]["fields"])


def test_a_time_without_its_zone_is_refused(endpoint: Endpoint, unchanged) -> None:
    r = refused(unchanged, endpoint, endpoint.body(**{endpoint.time_field: "2026-06-15T09:00:00"}))

    assert (r.status_code, r.json()["code"]) == (422, endpoint.naive_code)


@pytest.mark.parametrize("ep", ["lims", "wms"])
def test_a_delivery_without_its_source_system_is_refused(
    request: pytest.FixtureRequest, unchanged, ep: str
) -> None:
    endpoint: Endpoint = request.getfixturevalue(ep)

    r = refused(unchanged, endpoint, endpoint.without("source_system"))

    assert (r.status_code, r.json()["code"]) == (422, "validation_failed")
    assert any("source_system" in k for k in r.json()["details"]["fields"])


@pytest.mark.parametrize("ep", ["mes", "readings"])
def test_endpoints_older_than_the_source_system_accept_a_delivery_without_it(
    request: pytest.FixtureRequest, ep: str
) -> None:
    """The v1 API is stable: existing MES and logger clients do not send it (the API client
    then stands for the source system; a reading's ``source`` is its logger)."""
    endpoint: Endpoint = request.getfixturevalue(ep)

    r = endpoint.post(endpoint.without(endpoint.source_field))

    assert r.status_code == 201, r.content


def test_an_overlong_source_system_is_refused(endpoint: Endpoint, unchanged) -> None:
    too_long = "S" * 101 if endpoint.name == "readings" else "S" * 65

    r = refused(unchanged, endpoint, endpoint.body(**{endpoint.source_field: too_long}))

    assert (r.status_code, r.json()["code"]) == (422, "validation_failed")


# --- occurred-at and the clock skew -------------------------------------------------------------


def test_a_time_beyond_the_clock_skew_is_refused(endpoint: Endpoint, unchanged) -> None:
    r = refused(unchanged, endpoint, endpoint.body(**{endpoint.time_field: ahead(6)}))

    assert (r.status_code, r.json()["code"]) == (422, endpoint.future_code)
    assert r.json()["details"]["field"] == endpoint.time_field


def test_a_time_within_the_clock_skew_is_accepted(endpoint: Endpoint) -> None:
    r = endpoint.post(endpoint.body(**{endpoint.time_field: ahead(4)}))

    assert r.status_code == 201, r.content


def test_the_clock_skew_is_a_setting(endpoint: Endpoint, settings, unchanged) -> None:
    settings.MEDERP_INBOUND_CLOCK_SKEW_SECONDS = 30

    r = refused(unchanged, endpoint, endpoint.body(**{endpoint.time_field: ahead(1)}))

    assert r.json()["code"] == endpoint.future_code
    assert "30" in r.json()["message"] or endpoint.name == "readings"


def test_the_senders_time_and_the_servers_are_both_stored(endpoint: Endpoint) -> None:
    sent = dt.datetime.fromisoformat(ahead(-3))
    r = endpoint.post(endpoint.body(**{endpoint.time_field: sent.isoformat()}))
    assert r.status_code == 201, r.content

    if endpoint.name == "readings":
        row = TemperatureReading.objects.get(reading_id="conv-1")
        occurred, received = row.measured_at, row.received_at
    else:
        event = InboundEvent.objects.get(source=endpoint.name, event_id="conv-1")
        occurred, received = event.occurred_at, event.received_at
    assert occurred == sent
    assert received == clock.now()
    assert r.json()["received_at"].startswith(clock.now().strftime("%Y-%m-%dT%H:%M"))


# --- dedupe ------------------------------------------------------------------------------------


def test_a_redelivery_gets_the_first_answer_and_writes_nothing(
    endpoint: Endpoint, unchanged
) -> None:
    first = endpoint.post(endpoint.body())

    with unchanged(*endpoint.tables):
        again = endpoint.post(endpoint.body())

    assert (first.status_code, again.status_code) == (201, endpoint.replay_status)
    assert again["Idempotent-Replay"] == "true"
    assert again.json() == first.json()


def test_the_same_id_with_another_body_is_409_and_writes_nothing(
    endpoint: Endpoint, unchanged
) -> None:
    endpoint.post(endpoint.body())

    r = refused(unchanged, endpoint, endpoint.body(**endpoint.other))

    assert (r.status_code, r.json()["code"]) == (409, endpoint.reuse_code)


def test_an_mes_event_from_before_the_source_system_replays_and_one_with_it_is_kept(
    mes: Endpoint, unchanged
) -> None:
    """The hashed body leaves ``source_system`` out while it is empty: an event stored before
    the field existed is still answered from its row when the MES sends it again."""
    assert mes.post(mes.without("source_system")).status_code == 201
    assert "source_system" not in InboundEvent.objects.get(event_id="conv-1").body
    assert mes.post(mes.without("source_system")).status_code == 200

    named = mes.body("conv-2")
    assert mes.post(named).status_code == 201
    assert InboundEvent.objects.get(event_id="conv-2").body["source_system"] == "MES-Line-1"
    r = refused(unchanged, mes, named | {"source_system": "MES-Line-2"})
    assert r.json()["code"] == "integration.event_id_reused"


# --- out of order ------------------------------------------------------------------------------


def test_mes_output_for_a_work_order_not_yet_released_waits_for_the_release(
    mes: Endpoint, unchanged
) -> None:
    """Refused and not stored: the MES sends it again under the same id once the planner has
    released the work order."""
    p = mes.extra["plant"]
    planned = p.work_order(lot="FG-002", release=False)
    body = mes_tests.consumed(planned, "conv-early")

    early = refused(unchanged, mes, body)
    assert (early.status_code, early.json()["code"]) == (409, "production.work_order_not_released")

    production.release_work_order(p.actor(p.planner), planned.pk)
    assert mes.post(body).status_code == 201


def test_a_lims_result_measured_before_the_recorded_one_is_refused(
    lims: Endpoint, unchanged
) -> None:
    """The correction (measured 01:40) overtook the original (01:30): the later measurement
    stands and the earlier one is refused, instead of replacing it."""
    correction = lims.body("R-2", value="5.03", occurred_at="2026-06-15T01:40:00Z")
    assert lims.post(correction).status_code == 201

    r = refused(unchanged, lims, lims.body("R-1", occurred_at="2026-06-15T01:30:00Z"))

    assert (r.status_code, r.json()["code"]) == (409, "integration.result_out_of_order")
    assert r.json()["details"]["recorded"] == "R-2"
    [current] = InspectionResult.objects.all()
    assert current.external_id == "R-2"


def test_a_lims_correction_measured_later_replaces_the_result_with_its_reason(
    lims: Endpoint,
) -> None:
    assert lims.post(lims.body("R-1")).status_code == 201
    later = lims.body("R-2", value="5.03", occurred_at="2026-06-15T01:40:00Z")

    without_reason = lims.post(later)
    assert without_reason.json()["code"] == "inspections.correction_reason_required"
    assert lims.post(later | {"reason": "re-measured"}).status_code == 201
    assert InspectionResult.objects.count() == 2


def test_a_lims_result_for_an_inspection_not_yet_open_waits_for_it(
    production_plant: Any, unchanged
) -> None:
    p = production_plant
    make_plan(p.qa, p.device, "final")
    p.stock_all()
    wo = p.work_order()
    client = lims_tests.lims_client(p.system)
    body = lims_tests.result(Inspection(number=""), "R-early") | {
        "inspection": "",
        "lot": "FG-001",
        "product": "DEV-001",
        "stage": "final",
    }

    with unchanged(*lims_tests.TABLES):
        early = lims_tests.post(client, body)
    assert (early.status_code, early.json()["code"]) == (404, "integration.unknown_inspection")

    p.output(wo, "5")
    assert lims_tests.post(client, body).status_code == 201


def test_a_late_reading_takes_its_place_in_time(readings: Endpoint, system: Actor) -> None:
    """Excursion extents and the latest reading go by measured time, not arrival."""
    cold = readings.extra["room"].stock.cold
    send(system, reading(cold, "12.0", "R-now", minutes_ago=1))
    send(system, reading(cold, "11.0", "R-late-bad", minutes_ago=20))
    send(system, reading(cold, "5.0", "R-late-good", minutes_ago=10))

    excursion = Excursion.objects.get()
    assert excursion.first_reading.reading_id == "R-late-bad"
    assert excursion.last_reading.reading_id == "R-now"
    latest = latest_reading(cold.pk)
    assert latest is not None and latest.reading_id == "R-now"
