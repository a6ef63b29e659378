"""Available stock (FEFO) answers any number or date a client can send without a 500
(invariant 7; each case was found by the contract tests, tests/contract/)."""

from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

AVAILABLE = "/api/v1/inventory/available"


def test_a_product_id_beyond_any_row_has_no_available_stock(api: Client) -> None:
    r = api.get(AVAILABLE, {"product": 99346014223416316152250368})

    assert r.status_code == 200 and r.json() == []


def test_a_minimum_shelf_life_beyond_a_hundred_years_is_refused(api: Client) -> None:
    r = api.get(AVAILABLE, {"product": 1, "min_remaining_days": 10**10})

    assert r.status_code == 422 and r.json()["code"] == "validation_failed"
    assert "min_remaining_days" in r.json()["details"]["fields"]


def test_the_last_date_there_is_can_be_asked_about(api: Client) -> None:
    r = api.get(AVAILABLE, {"product": 1, "on_date": "9999-12-31", "min_remaining_days": 30})

    assert r.status_code == 200 and r.json() == []
