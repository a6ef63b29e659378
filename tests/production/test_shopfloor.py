"""Component scrap, operations and in-process checks (ISO 13485 §7.5.1, §8.2.6, §8.3; 21 CFR
820.184, 820.80(c)); yield and consumption against the BOM (820.184(b))."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from tests.production.conftest import TABLES

from mederp.core import clock
from mederp.core.models import OutboxEvent
from mederp.inventory.models import Move
from mederp.production import rules, selectors, services
from mederp.production.models import ComponentScrap, InProcessCheck, OperationRecord

pytestmark = pytest.mark.django_db


def test_issued_material_is_scrapped_to_the_scrap_location(production_plant):
    p = production_plant
    lot = p.stock(p.part, "P1", "10")
    order = p.work_order()
    p.issue(order, component=p.part, quantity="4")
    scrap = services.scrap_component(
        p.actor(p.operator), order.pk, quantity="1", lot_id=lot.pk, reason="barrel cracked"
    )
    assert scrap.product_id == p.part.pk and scrap.lot_id == lot.pk and scrap.quantity == 1
    assert (scrap.move.from_location_id, scrap.move.to_location_id) == (p.line.pk, p.scrap.pk)
    assert scrap.move.reason == "barrel cracked"
    assert OutboxEvent.objects.filter(event_type="production.component.scrapped").exists()


def test_untracked_and_serial_components_are_scrapped_too(production_plant):
    p = production_plant
    p.stock(p.material, None, "10")
    serials = p.stock(p.serial_part, serials=["S1"])
    order = p.work_order()
    p.issue(order, component=p.material, quantity="5")
    p.issue(order, component=p.serial_part, quantity="1")
    actor = p.actor(p.operator)
    pouch = services.scrap_component(
        actor, order.pk, quantity="2", component_id=p.material.pk, reason="torn"
    )
    board = services.scrap_component(
        actor, order.pk, quantity="1", serial_id=serials[0].pk, reason="short circuit"
    )
    assert pouch.lot_id is None and board.serial_id == serials[0].pk


def test_no_more_is_scrapped_than_was_issued(production_plant, unchanged):
    p = production_plant
    lot = p.stock(p.part, "P1", "10")
    order = p.work_order()
    p.issue(order, component=p.part, quantity="2")
    actor = p.actor(p.operator)
    services.scrap_component(actor, order.pk, quantity="1", lot_id=lot.pk, reason="dropped")
    with unchanged(*TABLES), pytest.raises(Exception) as refused:
        services.scrap_component(actor, order.pk, quantity="2", lot_id=lot.pk, reason="dropped")
    assert refused.value.code == "production.scrap_exceeds_issued"
    assert refused.value.details["issued"] == "1"


@pytest.mark.parametrize(
    "kw,code",
    [
        ({"reason": " "}, "production.reason_required"),
        ({"component_id": "outsider"}, "production.not_in_bom"),
        ({}, "production.component_required"),
    ],
)
def test_scrap_refusals(production_plant, unchanged, kw, code):
    p = production_plant
    order = p.work_order()
    values = {"quantity": "1", "reason": "dropped", **kw}
    if values.get("component_id") == "outsider":
        values["component_id"] = p.outsider.pk
    with unchanged(*TABLES), pytest.raises(Exception) as refused:
        services.scrap_component(p.actor(p.operator), order.pk, **values)
    assert refused.value.code == code


def test_operations_are_recorded_and_start_the_work_order(production_plant):
    p = production_plant
    order = p.work_order()
    done = clock.now()
    op = services.record_operation(
        p.actor(p.operator),
        order.pk,
        operation="ASSEMBLY",
        started_at=done - dt.timedelta(hours=1),
        completed_at=done,
        quantity_good="4",
        quantity_scrap=0,
        workstation="WS-3",
    )
    assert op.operation == "ASSEMBLY" and op.quantity_good == 4 and op.quantity_scrap == 0
    assert op.operator_id == p.operator.pk
    order.refresh_from_db()
    assert order.state == "in_progress"


@pytest.mark.parametrize(
    "kw,code",
    [
        ({"operation": " "}, "production.field_required"),
        ({"started_at": "later"}, "production.operation_times"),
        ({"quantity_good": "-1"}, "inventory.quantity_not_positive"),
        ({"completed_at": dt.datetime(2026, 6, 15, 10, 0)}, "validation_failed"),
    ],
)
def test_operation_refusals(production_plant, unchanged, kw, code):
    p = production_plant
    order = p.work_order()
    now = clock.now()
    values = {"operation": "ASSEMBLY", "completed_at": now, **kw}
    if values.get("started_at") == "later":
        values["started_at"] = now + dt.timedelta(minutes=5)
    with unchanged(*TABLES), pytest.raises(Exception) as refused:
        services.record_operation(p.actor(p.operator), order.pk, **values)
    assert refused.value.code == code


def test_in_process_checks_pass_or_fail(production_plant, unchanged):
    p = production_plant
    order = p.work_order()
    qa = p.actor(p.qa)
    passed = services.record_check(
        qa,
        order.pk,
        characteristic="Leak test",
        specification="≤ 0.5 ml/min",
        measured_value="0.2 ml/min",
        result="pass",
        operation="TEST",
    )
    failed = services.record_check(qa, order.pk, characteristic="Visual", result="FAIL")
    assert passed.result == "pass" and failed.result == "fail"
    assert [c.pk for c in selectors.checks_of(order)] == [passed.pk, failed.pk]
    with unchanged(*TABLES), pytest.raises(Exception) as refused:
        services.record_check(qa, order.pk, characteristic="Visual", result="maybe")
    assert refused.value.code == "production.check_result"
    with unchanged(*TABLES), pytest.raises(Exception) as refused:
        services.record_check(qa, order.pk, characteristic="", result="pass")
    assert refused.value.code == "production.field_required"


def test_checks_and_operations_need_an_open_work_order(production_plant, unchanged):
    p = production_plant
    order = p.work_order(release=False)
    with unchanged(*TABLES), pytest.raises(Exception) as refused:
        services.record_check(p.actor(p.qa), order.pk, characteristic="Visual", result="pass")
    assert refused.value.code == "production.work_order_not_released"


def test_mes_redelivery_of_operations_and_checks_is_recorded_once(production_plant):
    p = production_plant
    order = p.work_order()
    actor = p.actor(p.operator)
    kw = {"operation": "ASSEMBLY", "completed_at": clock.now(), "source": "mes", "event_id": "op-1"}
    assert services.record_operation(actor, order.pk, **kw).pk == (
        services.record_operation(actor, order.pk, **kw).pk
    )
    check = {"characteristic": "Visual", "result": "pass", "source": "mes", "event_id": "c-1"}
    assert services.record_check(actor, order.pk, **check).pk == (
        services.record_check(actor, order.pk, **check).pk
    )
    assert OperationRecord.objects.count() == 1 and InProcessCheck.objects.count() == 1


def test_yield_and_consumption_against_the_bom(production_plant):
    p = production_plant
    p.stock_all()
    order = p.work_order()
    assert selectors.yield_of(order) is None
    p.issue(order, component=p.part, quantity="9")
    p.issue(order, component=p.material, quantity="12")
    lot_id = order.issues.filter(product=p.part).first().lot_id
    services.scrap_component(
        p.actor(p.operator), order.pk, quantity="1", lot_id=lot_id, reason="dropped"
    )
    p.output(order, "3")
    p.output(order, "1", kind="scrap", reason="leak")
    p.output(order, "1", kind="rework", reason="label")
    assert selectors.yield_of(order) == Decimal("0.75")
    uses = {u.component.component.code: u for u in selectors.consumption(order)}
    part = uses["CMP-LOT"]
    assert (part.planned, part.expected, part.issued, part.scrapped, part.used) == (
        10,
        6,
        9,
        1,
        8,
    )
    assert part.difference == 2
    assert uses["CMP-SER"].issued == 0 and uses["CMP-SER"].expected == 3
    assert uses["CMP-NON"].expected == 9 and uses["CMP-NON"].issued == 12
    view = selectors.work_order_view(order)
    assert view.totals.good == 3 and view.totals.rework == 1 and len(view.outputs) == 3
    assert len(view.scrap) == 1 and view.yield_ratio == Decimal("0.75")
    history = selectors.work_order_history(order)
    assert {e.record_type for e in history} >= {
        "production.workorder",
        "production.materialissue",
        "production.productionoutput",
        "production.componentscrap",
    }
    assert ComponentScrap.objects.count() == 1
    # Two issues, the scrapped barrel, the good output (finished scrap and rework move nothing).
    assert Move.objects.filter(document_type="production.workorder").count() == 4


def test_rules_are_plain_functions():
    assert rules.yield_ratio(Decimal(0), Decimal(0)) is None
    assert rules.yield_ratio(Decimal(9), Decimal(1)) == Decimal("0.9")

    class Row:
        def __init__(self, available: str) -> None:
            self.available = Decimal(available)

    rows = [Row("3"), Row("0"), Row("10")]
    takes, total = rules.cover(rows, Decimal(5))
    assert [t.quantity for t in takes] == [3, 2] and total == 13
    takes, total = rules.cover(rows, Decimal(20))
    assert total == 13 and sum(t.quantity for t in takes) == 13
