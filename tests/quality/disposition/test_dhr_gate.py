"""The DHR-completeness gate on the final release of a made lot (21 CFR 820.184; ISO 13485
§7.5.1; 生产质量管理规范 第五十八条): ``dhr_gaps`` names what keeps the record from being
complete, and the release is refused (``disposition.dhr_incomplete``, nothing written) until
it is."""

from __future__ import annotations

import pytest
from django.utils import translation

from mederp.core.actors import Actor
from mederp.core.errors import DomainError
from mederp.inventory import services as inventory
from mederp.inventory.models import Lot
from mederp.production import services as production
from mederp.production.models import WorkOrder
from mederp.quality.disposition.selectors import dhr_gaps
from tests.production.conftest import sign
from tests.quality.disposition.conftest import TABLES
from tests.quality.inspections.support import make_plan


def _made(p, *, issue=True, complete=True, quantity="5"):
    """A work order for ``quantity`` devices (no inspection plan at all): every component
    issued for the planned quantity, all good, completed."""
    p.stock_all()
    order = p.work_order(quantity=quantity)
    if issue:
        p.issue(order)
    p.output(order, quantity)
    if complete:
        p.complete(order)
    return WorkOrder.objects.get(pk=order.pk), Lot.objects.get(number="FG-001")


def _release(p, lot):
    return inventory.release_lot(Actor.for_user(p.qa2), lot.pk, **sign(p.qa2))


def test_a_complete_record_has_no_gaps_and_the_lot_is_released(production_plant):
    p = production_plant
    order, lot = _made(p)
    assert dhr_gaps(order) == []
    assert _release(p, lot).status == "released"


def test_a_lot_of_a_work_order_still_running_is_refused(production_plant, unchanged):
    p = production_plant
    order, lot = _made(p, complete=False)
    with translation.override("en"):
        assert dhr_gaps(order) == [
            f"Work order {order.number} is in progress: production has not completed it."
        ]
        with unchanged(*TABLES), pytest.raises(DomainError) as refused:
            _release(p, lot)
        assert refused.value.code == "disposition.dhr_incomplete"
        assert order.number in refused.value.render_message()
        assert "FG-001" in refused.value.render_message()
        assert refused.value.details["gap_list"] == dhr_gaps(order)


def test_a_component_not_issued_for_the_good_output_is_a_gap(production_plant, unchanged):
    p = production_plant
    p.stock_all()
    order = p.work_order(quantity="5")
    p.issue(order, component=p.part, quantity="10")  # the barrels; pouch and board not issued
    p.output(order, "5")
    order = p.complete(order)
    with translation.override("en"):
        gaps = dhr_gaps(order)
    assert len(gaps) == 2
    assert "CMP-SER" in gaps[0] and "needed 5" in gaps[0]
    assert "CMP-NON" in gaps[1] and "needed 15" in gaps[1]
    with unchanged(*TABLES), pytest.raises(DomainError) as refused:
        _release(p, Lot.objects.get(number="FG-001"))
    assert refused.value.code == "disposition.dhr_incomplete"


def test_components_scrapped_on_the_line_do_not_count_as_issued(production_plant):
    p = production_plant
    p.stock_all()
    order = p.work_order(quantity="5")
    p.issue(order)  # 10 barrels for 5 units
    lot = Lot.objects.get(product=p.part, number="P-L1")
    production.scrap_component(
        Actor.for_user(p.operator), order.pk, quantity="1", lot_id=lot.pk, reason="dropped"
    )
    p.output(order, "5")
    order = p.complete(order)
    with translation.override("en"):
        [gap] = dhr_gaps(order)
    assert "CMP-LOT" in gap and "scrapped on the line 1" in gap


def test_a_failed_in_process_check_is_a_gap(production_plant):
    p = production_plant
    order, lot = _made(p, complete=False)
    op = Actor.for_user(p.operator2)
    production.record_check(op, order.pk, characteristic="Leak test", result="fail")
    order = p.complete(order)
    with translation.override("en"):
        assert dhr_gaps(order) == ["In-process check Leak test did not pass."]
    with pytest.raises(DomainError) as refused:
        _release(p, lot)
    assert refused.value.code == "disposition.dhr_incomplete"


def test_a_recheck_that_passed_closes_the_gap(production_plant):
    p = production_plant
    order, lot = _made(p, complete=False)
    op = Actor.for_user(p.operator2)
    production.record_check(op, order.pk, characteristic="Leak test", result="fail")
    production.record_check(op, order.pk, characteristic="Leak test", result="pass")
    p.complete(order)
    assert dhr_gaps(WorkOrder.objects.get(pk=order.pk)) == []
    assert _release(p, lot).status == "released"


def test_an_open_in_process_inspection_is_a_gap(production_plant):
    p = production_plant
    make_plan(p.qa, p.device, "in_process")
    order, _lot = _made(p)
    with translation.override("en"):
        [gap] = dhr_gaps(order)
    assert "In-process inspection IN-" in gap and "not completed" in gap


def test_bought_stock_has_no_dhr_to_check(production_plant):
    p = production_plant
    lot = p.stock(p.part, "P-L7", "10", release=False)
    assert inventory.release_lot(Actor.for_user(p.qa2), lot.pk, **sign(p.qa2)).status == (
        "released"
    )
