"""Quality dashboard: first-pass yield per product from production outputs over the last 90
days, as a chart with its table, on the page and in the API (ISO 13485 §8.4)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.test import Client

from mederp.core import clock
from mederp.quality.dashboard import selectors
from tests.production import conftest as production_fixtures

production_plant = production_fixtures.production_plant
production_clock = production_fixtures.production_clock


def made(plant) -> None:
    plant.stock_all()
    wo = plant.work_order(quantity="5")
    plant.issue(wo)
    plant.output(wo, "3")
    plant.output(wo, "1", kind="scrap", reason="Seal leak")
    plant.output(wo, "1", kind="rework", reason="Label skewed")


def test_first_pass_yield_is_good_over_good_scrap_and_rework(production_plant):
    made(production_plant)
    [row] = selectors.first_pass_yield()
    assert row.product_code == production_plant.device.code
    assert (row.good, row.scrap, row.rework) == (3, 1, 1)
    assert row.first_pass_yield == Decimal("0.6")
    assert row.final_inspections == 0 and row.final_pass_rate is None


def test_output_older_than_90_days_is_left_out(production_plant):
    made(production_plant)
    assert selectors.first_pass_yield(clock.now() + dt.timedelta(days=91)) == []


def test_the_page_draws_the_yield_chart_with_its_table(production_plant):
    made(production_plant)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(production_plant.qa)
    page = client.get("/quality/").content.decode()
    assert 'class="quality-chart ' in page and "<svg" in page
    assert f'data-product="{production_plant.device.code}"' in page
    assert "60.0%" in page


def test_the_api_returns_the_same_yield(production_plant):
    made(production_plant)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(production_plant.qa)
    body = client.get("/api/v1/quality/dashboard").json()
    [row] = body["first_pass_yield"]
    assert (Decimal(row["good"]), Decimal(row["scrap"]), Decimal(row["rework"])) == (3, 1, 1)
    assert Decimal(row["first_pass_yield"]) == Decimal("0.6")
    assert body["yield_days"] == 90
