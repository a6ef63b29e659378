"""In-process and final inspections (过程检验, 最终检验; ISO 13485 §8.2.6; 21 CFR 820.80(c),(d)):
releasing a work order creates its in-process inspection, good output creates the final
inspection of its lot (one open inspection per lot, enlarged by more output) or of each serial,
in the production service's transaction. A failed final inspection holds the lot (QE-01)."""

from __future__ import annotations

from decimal import Decimal

from mederp.core.actors import Actor
from mederp.inventory.models import Lot
from mederp.production.models import WorkOrder
from mederp.quality.inspections import selectors, services
from mederp.quality.inspections.models import Inspection
from mederp.quality.nonconformance.models import Nonconformance
from tests.quality.inspections.support import make_plan, results_for


def test_releasing_a_work_order_creates_its_in_process_inspection(production_plant) -> None:
    p = production_plant
    make_plan(p.qa, p.device, "in_process")
    order = p.work_order(quantity="30")
    inspection = Inspection.objects.get()
    assert (inspection.stage, inspection.work_order_id) == ("in_process", order.pk)
    assert inspection.lot_id is None
    assert inspection.lot_size == Decimal(30) and inspection.sample_size == Decimal(5)


def test_a_planned_work_order_has_no_inspection_yet(production_plant) -> None:
    p = production_plant
    make_plan(p.qa, p.device, "in_process")
    p.work_order(release=False)
    assert not Inspection.objects.exists()


def test_good_output_creates_one_final_inspection_per_lot(production_plant) -> None:
    p = production_plant
    make_plan(p.qa, p.device, "final")
    p.stock_all()
    order = p.work_order(quantity="80")
    p.issue(order, component=p.part, quantity="10")
    p.output(order, "40")
    p.output(order, "20")
    inspection = Inspection.objects.get()
    assert inspection.stage == "final" and inspection.lot.number == "FG-001"
    assert inspection.lot_size == Decimal(60) and inspection.sample_size == Decimal(20)


def test_the_in_process_inspection_belongs_to_the_lot_the_work_order_made(
    production_plant,
) -> None:
    p = production_plant
    make_plan(p.qa, p.device, "in_process")
    make_plan(p.qa, p.device, "final")
    p.stock_all()
    order = p.work_order()
    p.output(order, "5")
    lot = Lot.objects.get(number="FG-001")
    stages = [i.stage for i in selectors.inspections_for(lot_id=lot.pk)]
    assert stages == ["in_process", "final"]
    assert WorkOrder.objects.get(pk=order.pk).state == "in_progress"


def test_each_serial_gets_its_own_final_inspection(production_plant) -> None:
    p = production_plant
    make_plan(p.qa, p.serial_device, "final")
    p.stock_all()
    order = p.work_order(product=p.serial_device, quantity="2", lot="", bom_id=p.serial_bom.pk)
    p.output(order, "2", serial_numbers=["PUMP-1", "PUMP-2"])
    inspections = list(Inspection.objects.order_by("id"))
    assert [i.serial.serial_number for i in inspections] == ["PUMP-1", "PUMP-2"]
    assert all(i.lot_size == 1 and i.sample_size == 1 for i in inspections)


def test_a_failed_final_inspection_opens_an_ncr_and_holds_the_lot(production_plant) -> None:
    p = production_plant
    make_plan(p.qa, p.device, "final")
    p.stock_all()
    order = p.work_order()
    p.output(order, "5")
    inspection = Inspection.objects.get()
    services.record_results(
        Actor.for_user(p.operator), inspection.pk, results_for(inspection, diameter="4.2")
    )
    inspection.refresh_from_db()
    ncr = Nonconformance.objects.get(pk=inspection.ncr_id)
    assert ncr.supplier_id is None and "4.2 mm outside" in ncr.description
    assert Lot.objects.get(number="FG-001").status == "on_hold"


def test_a_failed_in_process_inspection_opens_an_ncr_naming_the_work_order(
    production_plant,
) -> None:
    p = production_plant
    make_plan(p.qa, p.device, "in_process")
    order = p.work_order()
    inspection = Inspection.objects.get()
    services.record_results(
        Actor.for_user(p.operator), inspection.pk, results_for(inspection, visual=False)
    )
    ncr = Nonconformance.objects.get(pk=Inspection.objects.get().ncr_id)
    assert order.number in ncr.description and not ncr.items.exists()
