"""Quality dashboard: open NCRs by state and by source, CAPAs by age (ISO 13485 §8.3, §8.5.2;
QE-01, QE-07), on the page as charts with tables, in the API as JSON; deny by default."""

from __future__ import annotations

import datetime as dt

from mederp.core import clock
from mederp.core.actors import Actor
from mederp.quality.capa.services import open_capa
from mederp.quality.dashboard import selectors
from mederp.quality.nonconformance.services import open_ncr
from tests.procurement import conftest as procurement

clock_frozen = procurement.clock_frozen
make_product = procurement.make_product
world = procurement.world


def ncr(world, source: str):
    return open_ncr(
        Actor.for_user(world.qa),
        source=source,
        source_id=None,
        source_ref="R-1",
        product=world.lot_product,
        description="Cracked barrels",
        items=[],
        supplier=world.supplier if source == "receipt" else None,
    )


def test_open_ncrs_are_counted_by_state_and_by_source(world):
    ncr(world, "receipt")
    ncr(world, "audit")
    figures = selectors.open_ncrs()
    by_state = {r["key"]: r["count"] for r in figures["by_state"]}
    by_source = {r["key"]: r["count"] for r in figures["by_source"]}
    assert by_state == {"open": 2, "investigating": 0, "dispositioned": 0}
    assert by_source["receipt"] == 1 and by_source["audit"] == 1 and by_source["production"] == 0


def test_capas_are_bucketed_by_age(world):
    found = ncr(world, "receipt")
    open_capa(
        Actor.for_user(world.qa),
        title="Supplier packaging",
        problem="Cracked barrels on receipt",
        links=[("ncr", found.pk)],
        due_date=clock.today() + dt.timedelta(days=30),
    )
    aging = {r["bucket"]: r["count"] for r in selectors.capas_by_age()}
    assert aging["0-30"] == 1
    later = {
        r["bucket"]: r["count"]
        for r in selectors.capas_by_age(clock.today() + dt.timedelta(days=45))
    }
    assert later["31-60"] == 1 and later["0-30"] == 0


def test_the_api_and_the_page_show_the_same_counts(world, api_as):
    ncr(world, "receipt")
    client = api_as("warehouse")  # sees NCRs (nonconformance.view_*)
    body = client.get("/api/v1/quality/dashboard").json()
    assert {r["key"]: r["count"] for r in body["ncrs"]["by_state"]}["open"] == 1
    assert [r["bucket"] for r in body["capa_aging"]] == ["0-30", "31-60", "61-90", "90+"]
    page = client.get("/quality/").content.decode()
    assert 'aria-label="Open NCRs by state"' in page
    assert '<tr data-state="open"><td>open</td><td>1</td></tr>' in page


def test_without_the_ncr_view_permission_the_dashboard_is_refused(world, api_as):
    client = api_as("sales")
    assert client.get("/api/v1/quality/dashboard").status_code == 403
    assert client.get("/quality/").status_code == 403
