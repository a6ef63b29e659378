"""Output and genealogy (ISO 13485 §7.5.9, §8.2.6; 21 CFR 820.184; TR-01, TR-04): good output
registered in quarantine as the work order's lot or the device's serials, expiring after the
shelf life; scrap and rework recorded with a reason; one genealogy edge per (issue, good output)
pair of tracked components, written in the same transaction as the second of the two; a cycle
refused with nothing written."""

from __future__ import annotations

import datetime as dt

import pytest
from tests.production.conftest import TABLES, TODAY, balance, gs1, sign

from mederp.catalog.models import BomComponent
from mederp.core.actors import Actor
from mederp.core.models import AuditEntry, OutboxEvent
from mederp.inventory import services as inventory
from mederp.inventory.models import Lot, Serial
from mederp.production import services
from mederp.production.models import GenealogyEdge, ProductionOutput

pytestmark = pytest.mark.django_db


def test_good_output_is_a_quarantined_lot_expiring_after_the_shelf_life(production_plant):
    p = production_plant
    order = p.work_order(lot="FG-001")
    [out] = p.output(order, "5")
    lot = Lot.objects.get(product=p.device, number="FG-001")
    assert out.kind == "good" and out.lot_id == lot.pk and out.quantity == 5
    assert lot.status == "quarantine" and lot.manufacture_date == TODAY
    assert lot.expiry_date == TODAY + dt.timedelta(days=1095)
    # Whoever reported it is the lot's inspector: QA's release needs someone else (TR-04).
    assert lot.inspected_by_id == p.operator.pk
    assert (out.move.from_location_id, out.move.to_location_id) == (p.line.pk, p.fg_quarantine.pk)
    assert out.move.document_type == "production.workorder"
    assert balance(p.device, p.fg_quarantine, lot) == 5
    order.refresh_from_db()
    assert order.state == "in_progress"


def test_more_output_joins_the_same_quarantined_lot(production_plant):
    p = production_plant
    order = p.work_order(lot="FG-001")
    p.output(order, "2")
    later_on = p.output(order, "3")
    assert Lot.objects.filter(product=p.device).count() == 1
    assert balance(p.device, p.fg_quarantine, later_on[0].lot) == 5


def test_output_never_joins_a_lot_qa_has_decided_on(production_plant, unchanged):
    p = production_plant
    order = p.work_order(lot="FG-001")
    [out] = p.output(order, "2")
    # Rejected: the decision open to QA while the work order runs (releasing it needs the
    # device history record complete, quality's disposition gate).
    inventory.reject_lot(Actor.for_user(p.qa), out.lot_id, reason="damaged", **sign(p.qa))
    with unchanged(*TABLES), pytest.raises(Exception) as refused:
        p.output(order, "1")
    assert refused.value.code == "production.output_lot_not_in_quarantine"
    [other] = p.output(order, "1", lot_number="FG-001B")
    assert other.lot.number == "FG-001B" and other.lot.status == "quarantine"


def test_a_lot_tracked_device_needs_an_output_lot(production_plant, unchanged):
    p = production_plant
    order = p.work_order(lot="")
    with unchanged(*TABLES), pytest.raises(Exception) as refused:
        p.output(order, "1")
    assert refused.value.code == "production.output_lot_required"


def test_a_serial_device_is_reported_one_serial_per_unit(production_plant, unchanged):
    p = production_plant
    order = p.work_order(product=p.serial_device, quantity="3", lot="")
    outputs = p.output(order, "2", serial_numbers=["PUMP-1", "PUMP-2"])
    assert [(o.serial.serial_number, o.quantity) for o in outputs] == [("PUMP-1", 1), ("PUMP-2", 1)]
    assert {o.serial.status for o in outputs} == {"quarantine"}
    for serials, code in (
        (["PUMP-3"], "production.serials_required"),
        (["PUMP-3", "PUMP-3"], "production.serial_repeated"),
        (["PUMP-1", "PUMP-4"], "production.serial_exists"),
    ):
        with unchanged(*TABLES), pytest.raises(Exception) as refused:
            p.output(order, "2", serial_numbers=serials)
        assert refused.value.code == code


def test_scrap_and_rework_are_recorded_with_their_reason(production_plant, unchanged):
    p = production_plant
    order = p.work_order()
    with unchanged(*TABLES), pytest.raises(Exception) as refused:
        p.output(order, "1", kind="scrap")
    assert refused.value.code == "production.reason_required"
    [scrap] = p.output(order, "1", kind="scrap", reason="leak test failed")
    [rework] = p.output(order, "2", kind="rework", reason="label misprinted")
    assert scrap.move_id is None and scrap.lot_id is None and scrap.reason == "leak test failed"
    assert rework.kind == "rework" and rework.quantity == 2
    assert not GenealogyEdge.objects.exists()


def test_unknown_kinds_are_refused(production_plant, unchanged):
    p = production_plant
    order = p.work_order()
    with unchanged(*TABLES), pytest.raises(Exception) as refused:
        p.output(order, "1", kind="lost")
    assert refused.value.code == "production.output_kind"


def test_output_on_a_finished_work_order_is_refused(production_plant, unchanged):
    p = production_plant
    p.stock_all()
    order = p.work_order()
    p.output(order, "1")
    p.complete(order)
    with unchanged(*TABLES), pytest.raises(Exception) as refused:
        p.output(order, "1")
    assert refused.value.code == "production.work_order_closed"
    p.close(order)
    with unchanged(*TABLES), pytest.raises(Exception) as refused:
        p.output(order, "1")
    assert refused.value.code == "production.work_order_closed"
    cancelled = p.work_order(lot="FG-X")
    services.cancel_work_order(p.actor(p.planner), cancelled.pk, reason="not needed")
    with unchanged(*TABLES), pytest.raises(Exception) as refused:
        p.output(cancelled, "1")
    assert refused.value.code == "production.work_order_closed"
    planned = p.work_order(lot="FG-Y", release=False)
    with unchanged(*TABLES), pytest.raises(Exception) as refused:
        p.output(planned, "1")
    assert refused.value.code == "production.work_order_not_released"


# --- genealogy --------------------------------------------------------------------------------


def nodes(edges):
    return sorted((e.consumed_kind, e.consumed_id, e.produced_kind, e.produced_id) for e in edges)


def test_output_links_every_earlier_issue_of_a_tracked_component(production_plant):
    p = production_plant
    lot = p.stock(p.part, "P1", "20")
    serials = p.stock(p.serial_part, serials=["S1", "S2"])
    p.stock(p.material, None, "10")
    order = p.work_order()
    p.issue(order, component=p.part, quantity="4")
    p.issue(order, component=p.serial_part, quantity="2")
    p.issue(order, component=p.material, quantity="6")
    [out] = p.output(order, "2")
    edges = GenealogyEdge.objects.filter(work_order=order)
    # The untracked material leaves no edge.
    assert nodes(edges) == [
        ("lot", lot.pk, "lot", out.lot_id),
        ("serial", serials[0].pk, "lot", out.lot_id),
        ("serial", serials[1].pk, "lot", out.lot_id),
    ]
    by_kind = {e.consumed_kind: e for e in edges}
    assert by_kind["lot"].quantity == 4 and by_kind["lot"].consumed_product_id == p.part.pk
    assert by_kind["lot"].produced_product_id == p.device.pk and by_kind["lot"].output_id == out.pk
    event = OutboxEvent.objects.get(event_type="production.output.reported")
    assert len(event.payload["edges"]) == 3
    assert AuditEntry.objects.filter(record_type="production.genealogyedge").count() == 3


def test_an_issue_after_output_links_to_every_earlier_good_output(production_plant):
    p = production_plant
    lot = p.stock(p.part, "P1", "20")
    order = p.work_order()
    [first] = p.output(order, "1")
    [second] = p.output(order, "1", lot_number="FG-002")
    p.output(order, "1", kind="scrap", reason="dropped")
    [done] = p.issue(order, component=p.part, quantity="3")
    edges = GenealogyEdge.objects.filter(issue=done)
    assert nodes(edges) == [
        ("lot", lot.pk, "lot", first.lot_id),
        ("lot", lot.pk, "lot", second.lot_id),
    ]
    assert {e.quantity for e in edges} == {3}


def test_serial_output_gets_an_edge_per_unit(production_plant):
    p = production_plant
    lot = p.stock(p.part, "P1", "20")
    order = p.work_order(product=p.serial_device, quantity="2", lot="")
    p.issue(order, component=p.part, quantity="2")
    outputs = p.output(order, "2", serial_numbers=["PUMP-1", "PUMP-2"])
    assert nodes(GenealogyEdge.objects.all()) == [
        ("lot", lot.pk, "serial", outputs[0].serial_id),
        ("lot", lot.pk, "serial", outputs[1].serial_id),
    ]


def _device_in_its_own_bom(p):
    """A hand-made BOM line naming the device itself: catalog refuses such a version
    (``catalog.bom_self_component``); it is written directly here, after the work order's
    release, to reach the genealogy check behind it."""
    BomComponent.objects.create(
        bom=p.bom, line_no=99, component=p.device, quantity_per_unit=1, uom=p.device.uom
    )


@pytest.mark.usefixtures("without_disposition_gate")
def test_a_genealogy_cycle_is_refused_and_nothing_is_written(production_plant, unchanged):
    p = production_plant
    order = p.work_order(lot="FG-001")
    [first] = p.output(order, "2")
    [second] = p.output(order, "2", lot_number="FG-002")
    # FG-002 released by QA and put away: now it could be issued like any stock.
    inventory.release_lot(Actor.for_user(p.qa), second.lot_id, **sign(p.qa))
    inventory.transfer(
        p.system,
        product=p.device,
        quantity="2",
        from_location=p.fg_quarantine,
        to_location=p.storage,
        lot=second.lot_id,
    )
    _device_in_its_own_bom(p)
    # Issuing FG-002 writes FG-002 → FG-001 first (no cycle), then FG-002 → FG-002: refused,
    # and the first edge, the issue, its reservation and move go with it (one transaction).
    with unchanged(*TABLES), pytest.raises(Exception) as refused:
        p.issue(order, scan=gs1(p.device, lot="FG-002"), quantity="1")
    assert refused.value.code == "production.genealogy_cycle"
    assert "FG-002" in refused.value.render_message()
    assert not GenealogyEdge.objects.exists()
    assert balance(p.device, p.storage, second.lot) == 2
    assert first.lot.status == "quarantine"


@pytest.mark.usefixtures("without_disposition_gate")
def test_a_cycle_through_another_work_order_is_refused(production_plant, unchanged):
    """A lot made from FG-001 (by a second work order) cannot go into FG-001 itself."""
    p = production_plant
    lot = p.stock(p.part, "P1", "20")
    first = p.work_order(lot="FG-001")
    [made] = p.output(first, "2")
    second = p.work_order(lot="FG-002")
    # Hand-made history: FG-002's work order consumed FG-001 (its BOM allows it here).
    _device_in_its_own_bom(p)
    inventory.release_lot(Actor.for_user(p.qa), made.lot_id, **sign(p.qa))
    inventory.transfer(
        p.system,
        product=p.device,
        quantity="2",
        from_location=p.fg_quarantine,
        to_location=p.storage,
        lot=made.lot_id,
    )
    p.issue(second, scan=gs1(p.device, lot="FG-001"), quantity="1")
    [fg2] = p.output(second, "1")
    inventory.release_lot(Actor.for_user(p.qa), fg2.lot_id, **sign(p.qa))
    inventory.transfer(
        p.system,
        product=p.device,
        quantity="1",
        from_location=p.fg_quarantine,
        to_location=p.storage,
        lot=fg2.lot_id,
    )
    assert nodes(GenealogyEdge.objects.all()) == [("lot", made.lot_id, "lot", fg2.lot_id)]
    # FG-002 into the first work order, which made FG-001: FG-002 → FG-001 closes the loop.
    with unchanged(*TABLES), pytest.raises(Exception) as refused:
        p.issue(first, scan=gs1(p.device, lot="FG-002"), quantity="1")
    assert refused.value.code == "production.genealogy_cycle"
    # An ordinary component still goes in, and links to FG-001.
    [ok] = p.issue(first, component=p.part, quantity="1")
    assert ok.lot_id == lot.pk
    assert GenealogyEdge.objects.filter(issue=ok).get().produced_id == made.lot_id


def test_output_events_and_audit(production_plant):
    p = production_plant
    order = p.work_order()
    [out] = p.output(order, "3", source="mes", event_id="MES-77")
    again = p.output(order, "3", source="mes", event_id="MES-77")
    assert [o.pk for o in again] == [out.pk] and ProductionOutput.objects.count() == 1
    event = OutboxEvent.objects.get(event_type="production.output.reported")
    assert event.aggregate_type == "production.workorder" and event.aggregate_id == str(order.pk)
    assert event.payload["outputs"][0]["lot_number"] == "FG-001"
    assert event.payload["source"] == "mes" and event.payload["event_id"] == "MES-77"
    assert AuditEntry.objects.filter(
        record_type="production.productionoutput", record_id=str(out.pk), action="create"
    ).exists()
    assert Serial.objects.count() == 0
