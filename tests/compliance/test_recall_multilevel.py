"""A component recall reaches the devices made from it and their consignees (TR-01, RC-04,
RC-05): a component lot issued to a work order, the finished lot released and shipped, then the
component recalled. Everything through the real services (production plant of
tests/production/conftest.py, the sales workflow)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from tests.production import conftest as production_fixtures
from tests.production.conftest import ProductionPlant, gs1, person, sign

from mederp.compliance import services
from mederp.compliance.models import Recall, RecallItem, RecallLine
from mederp.core.actors import Actor
from mederp.inventory import services as inventory
from mederp.inventory.models import Lot, Serial
from mederp.partners import services as partners
from mederp.partners.rules import uscc_check_character
from mederp.sales import services as sales
from mederp.sales.models import Allocation, DistributionRecord

pytestmark = pytest.mark.django_db

production_plant = production_fixtures.production_plant
production_clock = production_fixtures.production_clock


def _customer(p: ProductionPlant) -> Any:
    body = "91310115MA0000077"
    customer = partners.create_partner(
        p.system,
        code="HOSP-1",
        name="上海示例医院",
        is_supplier=False,
        is_customer=True,
        uscc=body + uscc_check_character(body),
        address="上海市浦东新区示例路 88 号",
        contact="王老师",
        phone="021-1111111",
    )
    partners.add_document(
        p.system,
        customer.pk,
        kind="distribution_licence",
        number="沪浦药监械经营许20210077号",
        valid_from=dt.date(2021, 1, 1),
        valid_until=dt.date(2027, 12, 31),
        scope=["14"],
    )
    partners.submit_partner(p.system, customer.pk)
    partners.approve_partner(Actor.for_user(p.qa), customer.pk, **sign(p.qa))
    return customer


def _sell(p: ProductionPlant, lot: Lot, quantity: str, people: dict[str, Any]) -> None:
    seller, picker, reviewer = people["seller"], people["picker"], people["reviewer"]
    order = sales.create_order(
        Actor.for_user(seller),
        customer=people["customer"],
        lines=[{"product": p.device, "quantity": quantity, "unit_price": "30.00"}],
    )
    sales.confirm_order(Actor.for_user(seller), order.pk)
    sales.allocate_order(Actor.for_user(picker), order.pk)
    for a in Allocation.objects.filter(line__order=order, cancelled_at__isnull=True):
        sales.pick_by_scan(
            Actor.for_user(picker),
            order.pk,
            scan=gs1(p.device, lot=lot.number),
            quantity=a.quantity,
        )
    sales.review_order(Actor.for_user(reviewer), order.pk, **sign(reviewer))
    sales.ship_order(Actor.for_user(picker), order.pk)


@pytest.fixture
def made_and_shipped(production_plant: ProductionPlant, make_user: Any) -> dict[str, Any]:
    """Component lot P-L1 and serials SN-001..SN-006 in stock; work order WO makes FG-001 (5
    units) from P-L1, SN-00x and packaging; FG-001 released, put away, 3 shipped to HOSP-1."""
    p = production_plant
    p.stock_all()
    order = p.work_order(lot="FG-001")
    p.issue(order)
    p.output(order, "5")
    p.complete(order)  # final release needs the DHR complete (disposition gate)
    finished = Lot.objects.get(number="FG-001")
    inventory.release_lot(Actor.for_user(p.qa2), finished.pk, **sign(p.qa2))
    inventory.transfer(
        p.system,
        product=p.device,
        quantity="5",
        from_location=p.fg_quarantine,
        to_location=p.storage,
        lot=finished.pk,
    )
    inventory.create_location(
        p.system, p.storage.warehouse_id, code="CUS", name="CUS", kind="customer"
    )
    people = {
        "seller": person(make_user, "seller", "sales"),
        "picker": person(make_user, "picker", "warehouse"),
        "reviewer": person(make_user, "reviewer", "outbound_reviewer"),
        "customer": _customer(p),
    }
    _sell(p, finished, "3", people)
    return {"plant": p, "finished": finished, "component": Lot.objects.get(number="P-L1")}


def test_recalling_a_component_lot_reaches_the_devices_made_from_it(made_and_shipped):
    p = made_and_shipped["plant"]
    finished, component = made_and_shipped["finished"], made_and_shipped["component"]
    recall = services.open_recall(
        Actor.for_user(p.qa),
        references=["P-L1"],
        classification="I",
        reason="Barrel resin contaminated",
        **sign(p.qa),
    )
    recall = Recall.objects.get(pk=recall.pk)
    items = {(i.kind, i.number): i for i in RecallItem.objects.filter(recall=recall)}
    assert set(items) == {("lot", "P-L1"), ("lot", "FG-001")}
    assert (items["lot", "P-L1"].depth, items["lot", "FG-001"].depth) == (0, 1)
    assert items["lot", "FG-001"].on_hand == 2  # 5 made, 3 shipped
    assert Lot.objects.get(pk=finished.pk).status == "recalled"
    assert Lot.objects.get(pk=component.pk).status == "recalled"
    # The list equals the distribution records reached: the finished lot's shipment.
    reached = DistributionRecord.objects.filter(lot=finished)
    assert sorted(RecallLine.objects.filter(recall=recall).values_list("record_id", flat=True)) == (
        sorted(reached.values_list("pk", flat=True))
    )
    line = RecallLine.objects.get(recall=recall)
    assert (line.consignee_code, line.product_code, line.lot_number, line.quantity) == (
        "HOSP-1",
        "DEV-001",
        "FG-001",
        3,
    )
    assert (recall.affected_lots, recall.line_count, recall.consignee_count) == (2, 1, 1)


def test_recalling_one_component_serial_reaches_the_finished_lot(made_and_shipped):
    p = made_and_shipped["plant"]
    used = Serial.objects.filter(serial_number__startswith="SN-", status="released").order_by(
        "serial_number"
    )
    # The serials the work order issued are consumed: find one through its genealogy.
    from mederp.production.models import GenealogyEdge

    issued = GenealogyEdge.objects.filter(consumed_kind="serial").values_list(
        "consumed_serial__serial_number", flat=True
    )
    serial = sorted(issued)[0]
    recall = services.open_recall(
        Actor.for_user(p.qa),
        references=[serial],
        classification="II",
        reason="Controller board firmware fault",
        **sign(p.qa),
    )
    kinds = set(RecallItem.objects.filter(recall=recall).values_list("kind", "number"))
    assert kinds == {("serial", serial), ("lot", "FG-001")}
    assert RecallLine.objects.filter(recall=recall).count() == 1
    assert used.exclude(serial_number=serial).filter(status="recalled").count() == 0


def test_the_drill_reaches_the_same_and_writes_nothing(made_and_shipped, unchanged):
    p = made_and_shipped["plant"]
    component = made_and_shipped["component"]
    with unchanged(Recall, RecallItem, RecallLine, Lot):
        result = services.drill_recall(Actor.for_user(p.qa), [("lot", component.pk)])
    assert (result.affected, result.lines, result.consignees) == (2, 1, 1)
    assert result.seconds > 0
    assert Lot.objects.get(pk=component.pk).status == "released"


def test_a_recalled_component_can_no_longer_be_issued(made_and_shipped):
    from mederp.core.errors import DomainError

    p = made_and_shipped["plant"]
    services.open_recall(
        Actor.for_user(p.qa),
        references=["P-L1"],
        classification="II",
        reason="Barrel resin contaminated",
        **sign(p.qa),
    )
    order = p.work_order(lot="FG-002")
    with pytest.raises(DomainError) as refused:
        p.issue(order, component=p.part, quantity="2")
    assert refused.value.code in {"production.not_enough_stock", "inventory.stock_not_released"}
