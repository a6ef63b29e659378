"""The same LIMS result delivered twice at once, on two PostgreSQL connections (invariant 5):
one result recorded, and both deliveries get the same answer."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from tests.integration.race_support import delivered_twice_at_once
from tests.integration.test_lims_results import lims_client, post, result
from tests.production import conftest as production_fixtures
from tests.quality.inspections.support import make_plan

from mederp.integration.models import InboundEvent
from mederp.quality.inspections.models import Inspection, InspectionResult

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

production_plant = production_fixtures.production_plant
production_clock = production_fixtures.production_clock


@pytest.fixture(autouse=True)
def _postgres_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("concurrent deliveries are proved on PostgreSQL")


def test_two_deliveries_of_one_result_at_once_record_it_once(production_plant: Any) -> None:
    p = production_plant
    make_plan(p.qa, p.device, "in_process")
    p.work_order()
    inspection = Inspection.objects.get()
    client = lims_client(p.system)
    results = delivered_twice_at_once(lambda: post(client, result(inspection, "R-race")))

    codes = sorted(results[k][0] for k in ("a", "b"))
    assert codes == [200, 201], results
    assert results["a"][1] == results["b"][1]
    assert InspectionResult.objects.filter(external_id="R-race").count() == 1
    assert InboundEvent.objects.filter(source="lims", event_id="R-race").count() == 1
