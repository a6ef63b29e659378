"""Material issue (ISO 13485 §7.5.1, §7.5.8; 21 CFR 820.184; invariant 6; UDI-02, DI-02): by
FEFO split over lots, or the scanned or named lot or serial; only released, unexpired, unheld,
unrecalled stock of a component in the BOM version; every refusal coded, writing nothing."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from tests.production.conftest import TABLES, balance, gs1, sign
from tests.signing_support import later

from mederp.core.actors import Actor
from mederp.core.models import OutboxEvent
from mederp.inventory import services as inventory
from mederp.inventory.models import Move, Reservation
from mederp.production import services
from mederp.production.models import MaterialIssue

pytestmark = pytest.mark.django_db


def issue(p, order, **kw):
    return services.issue_material(p.actor(p.operator), order.pk, **kw)


def test_fefo_takes_the_first_expiring_lot_and_splits_over_lots(production_plant):
    p = production_plant
    late = p.stock(p.part, "LATE", "10", expiry=dt.date(2028, 1, 31))
    early = p.stock(p.part, "EARLY", "3", expiry=dt.date(2027, 1, 31), location=p.storage2)
    order = p.work_order()
    issues = issue(p, order, component_id=p.part.pk, quantity="5")
    # Taken by FEFO (all of EARLY first), written in the ledger's lock order.
    assert {i.lot.number: i.quantity for i in issues} == {"EARLY": 3, "LATE": 2}
    assert {i.method for i in issues} == {"fefo"}
    assert balance(p.part, p.storage2, early) == 0 and balance(p.part, p.storage, late) == 8
    moves = Move.objects.filter(document_type="production.workorder", document_id=str(order.pk))
    assert {(m.from_location_id, m.to_location_id) for m in moves} == {
        (p.storage2.pk, p.line.pk),
        (p.storage.pk, p.line.pk),
    }
    assert all(i.move.quantity == i.quantity for i in issues)
    # Inventory's gate was passed through a reservation the move consumed.
    assert [r.quantity for r in Reservation.objects.all()] == [0, 0]
    order.refresh_from_db()
    assert order.state == "in_progress"
    assert issues[0].operator_id == p.operator.pk and issues[0].operator_name.startswith("operator")
    event = OutboxEvent.objects.get(event_type="production.material.issued")
    assert sorted(i["lot_number"] for i in event.payload["issues"]) == ["EARLY", "LATE"]


def test_a_scanned_lot_is_issued_even_when_another_expires_first(production_plant):
    p = production_plant
    p.stock(p.part, "EARLY", "10", expiry=dt.date(2027, 1, 31))
    p.stock(p.part, "CHOSEN", "10", expiry=dt.date(2028, 1, 31))
    order = p.work_order()
    scan = gs1(p.part, lot="CHOSEN")
    [done] = issue(p, order, scan=scan, quantity="4")
    assert done.lot.number == "CHOSEN" and done.method == "scan" and done.scan_raw == scan
    assert done.bom_component.component_id == p.part.pk


def test_a_scan_typed_with_a_spelled_group_separator_and_hibc_work(production_plant):
    p = production_plant
    serials = p.stock(p.serial_part, serials=["SN-1", "SN-2"])
    order = p.work_order()
    [done] = issue(p, order, scan=f"01{p.serial_part.gtin}21SN-2", quantity=1)
    assert done.serial_id == serials[1].pk and done.quantity == 1
    p.stock(p.part, "L<7>", "5")
    [done] = issue(p, order, scan=f"(01){p.part.gtin}(10)L<7>", quantity="1")
    assert done.lot.number == "L<7>"


def test_an_untracked_material_is_issued_by_fefo_without_a_lot(production_plant):
    p = production_plant
    p.stock(p.material, None, "30")
    order = p.work_order()
    [done] = issue(p, order, component_id=p.material.pk, quantity="15")
    assert done.lot_id is None and done.serial_id is None and done.quantity == 15


def test_a_named_lot_is_taken_from_every_place_it_is_available(production_plant):
    p = production_plant
    lot = p.stock(p.part, "L1", "4")
    inventory.receive_into_quarantine(
        p.system,
        product=p.part,
        quantity="6",
        from_location=p.supplier,
        to_location=p.quarantine,
        lot_number="L1",
        document_id="R2",
    )
    # The second delivery sent the whole lot back to quarantine: release it again, put away.
    inventory.release_lot(Actor.for_user(p.qa2), lot.pk, **sign(p.qa2))
    inventory.transfer(
        p.system,
        product=p.part,
        quantity="6",
        from_location=p.quarantine,
        to_location=p.storage2,
        lot=lot,
    )
    order = p.work_order()
    issues = issue(p, order, lot_id=lot.pk, quantity="8")
    assert sorted(i.quantity for i in issues) == [4, 4]
    assert {i.method for i in issues} == {"manual"}


def test_serial_components_are_issued_one_unit_each(production_plant, unchanged):
    p = production_plant
    serials = p.stock(p.serial_part, serials=["S1", "S2", "S3"])
    order = p.work_order()
    issues = issue(p, order, component_id=p.serial_part.pk, quantity="2")
    assert [i.serial_id for i in issues] == [serials[0].pk, serials[1].pk]
    with unchanged(*TABLES), pytest.raises(Exception) as refused:
        issue(p, order, component_id=p.serial_part.pk, quantity="1.5")
    assert refused.value.code == "production.whole_units"
    with unchanged(*TABLES), pytest.raises(Exception) as refused:
        issue(p, order, serial_id=serials[2].pk, quantity="2")
    assert refused.value.code == "inventory.serial_quantity"


# --- refusals ---------------------------------------------------------------------------------


def test_a_component_not_in_the_bom_version_is_refused(production_plant, unchanged):
    p = production_plant
    p.stock(p.outsider, "X1", "10")
    order = p.work_order()
    with unchanged(*TABLES), pytest.raises(Exception) as refused:
        issue(p, order, scan=gs1(p.outsider, lot="X1"), quantity="1")
    assert refused.value.code == "production.not_in_bom"
    assert refused.value.details["component"] == p.outsider.code
    assert refused.value.details["revision"] == 1
    with unchanged(*TABLES), pytest.raises(Exception) as refused:
        issue(p, order, component_id=p.outsider.pk, quantity="1")
    assert refused.value.code == "production.not_in_bom"


def test_a_lot_in_quarantine_is_refused_by_the_inventory_gate(production_plant, unchanged):
    p = production_plant
    p.stock(p.part, "Q1", "10", release=False)
    order = p.work_order()
    with unchanged(*TABLES), pytest.raises(Exception) as refused:
        issue(p, order, scan=gs1(p.part, lot="Q1"), quantity="1")
    assert refused.value.code == "inventory.stock_not_available"
    assert refused.value.details["item"] == "lot Q1"
    assert "Q1" in refused.value.render_message()


@pytest.mark.parametrize("how", ["hold", "recall"])
def test_held_or_recalled_lots_are_refused_naming_the_lot(production_plant, unchanged, how):
    p = production_plant
    lot = p.stock(p.part, "H1", "10")
    qa = Actor.for_user(p.qa)
    if how == "hold":
        inventory.hold_lot(qa, lot.pk, reason="complaint under investigation")
    else:
        inventory.recall_lot(qa, lot.pk, reason="supplier recall")
    order = p.work_order()
    with unchanged(*TABLES), pytest.raises(Exception) as refused:
        issue(p, order, lot_id=lot.pk, quantity="1")
    assert refused.value.code == "inventory.stock_not_available"
    assert refused.value.details["item"] == "lot H1"
    assert refused.value.details["why"] == ("on_hold" if how == "hold" else "recalled")


def test_an_expired_lot_is_refused(production_plant, unchanged):
    p = production_plant
    p.stock(p.part, "E1", "10", expiry=dt.date(2026, 6, 16))
    order = p.work_order()
    later(3 * 24 * 3600)
    with unchanged(*TABLES), pytest.raises(Exception) as refused:
        issue(p, order, scan=gs1(p.part, lot="E1"), quantity="1")
    assert refused.value.code == "inventory.stock_not_available"
    assert refused.value.details["why"] == "expired on 2026-06-16"


def test_fefo_never_offers_stock_that_may_not_be_issued(production_plant, unchanged):
    p = production_plant
    p.stock(p.part, "Q1", "10", release=False)
    order = p.work_order()
    with unchanged(*TABLES), pytest.raises(Exception) as refused:
        issue(p, order, component_id=p.part.pk, quantity="1")
    assert refused.value.code == "production.not_enough_stock"
    assert refused.value.details["available"] == "0"


def test_more_than_on_hand_is_refused(production_plant, unchanged):
    p = production_plant
    lot = p.stock(p.part, "L1", "10")
    order = p.work_order()
    with unchanged(*TABLES), pytest.raises(Exception) as refused:
        issue(p, order, lot_id=lot.pk, quantity="11")
    assert refused.value.code == "production.not_enough_stock"
    assert (refused.value.details["available"], refused.value.details["requested"]) == (
        "10",
        "11",
    )
    with unchanged(*TABLES), pytest.raises(Exception) as refused:
        issue(p, order, component_id=p.part.pk, quantity="10.5")
    assert refused.value.code == "production.not_enough_stock"


@pytest.mark.parametrize(
    "scan,code",
    [
        ("garbage", "barcodes.unrecognised"),
        ("01{gtin}", "production.lot_not_scanned"),
        ("01{gtin}10NOPE", "production.lot_unknown"),
        ("0106901230000000", "barcodes.gtin_check_digit"),
    ],
)
def test_bad_scans_are_refused(production_plant, unchanged, scan, code):
    p = production_plant
    p.stock(p.part, "L1", "10")
    order = p.work_order()
    with unchanged(*TABLES), pytest.raises(Exception) as refused:
        issue(p, order, scan=scan.format(gtin=p.part.gtin), quantity="1")
    assert refused.value.code == code


def test_a_scan_that_contradicts_the_named_component_is_refused(production_plant, unchanged):
    p = production_plant
    p.stock(p.part, "L1", "10")
    order = p.work_order()
    with unchanged(*TABLES), pytest.raises(Exception) as refused:
        issue(p, order, scan=gs1(p.part, lot="L1"), component_id=p.material.pk, quantity="1")
    assert refused.value.code == "production.scan_mismatch"


def test_issue_needs_a_released_open_work_order(production_plant, unchanged):
    p = production_plant
    p.stock(p.part, "L1", "10")
    planned = p.work_order(release=False)
    with unchanged(*TABLES), pytest.raises(Exception) as refused:
        issue(p, planned, component_id=p.part.pk, quantity="1")
    assert refused.value.code == "production.work_order_not_released"
    done = p.work_order(lot="FG-2")
    issue(p, done, component_id=p.part.pk, quantity="1")
    p.complete(done)
    with unchanged(*TABLES), pytest.raises(Exception) as refused:
        issue(p, done, component_id=p.part.pk, quantity="1")
    assert refused.value.code == "production.work_order_closed"


def test_issue_needs_the_permission(production_plant, unchanged):
    p = production_plant
    p.stock(p.part, "L1", "10")
    order = p.work_order()
    with unchanged(*TABLES), pytest.raises(Exception) as refused:
        services.issue_material(p.actor(p.planner), order.pk, component_id=p.part.pk, quantity="1")
    assert refused.value.code == "permission_denied"


def test_quantities_are_exact(production_plant, unchanged):
    p = production_plant
    p.stock(p.part, "L1", "10")
    order = p.work_order()
    for bad, code in (
        (0.5, "inventory.quantity_invalid"),
        ("0", "inventory.quantity_not_positive"),
    ):
        with unchanged(*TABLES), pytest.raises(Exception) as refused:
            issue(p, order, component_id=p.part.pk, quantity=bad)
        assert refused.value.code == code


def test_an_mes_event_delivered_twice_is_issued_once(production_plant):
    p = production_plant
    p.stock(p.part, "L1", "10")
    order = p.work_order()
    first = issue(p, order, component_id=p.part.pk, quantity="2", source="mes", event_id="E-1")
    again = issue(p, order, component_id=p.part.pk, quantity="2", source="mes", event_id="E-1")
    assert [i.pk for i in again] == [i.pk for i in first]
    assert MaterialIssue.objects.count() == 1 and balance(p.part, p.storage, first[0].lot) == 8
    assert first[0].source == "mes" and first[0].event_id == "E-1"


def test_an_mes_record_names_its_event(production_plant, unchanged):
    p = production_plant
    order = p.work_order()
    with unchanged(*TABLES), pytest.raises(Exception) as refused:
        issue(p, order, component_id=p.part.pk, quantity="2", source="mes")
    assert refused.value.code == "production.event_id_required"


def test_issued_stock_leaves_the_books(production_plant):
    """The production location keeps no balance: what is issued is consumed."""
    p = production_plant
    lot = p.stock(p.part, "L1", "10")
    order = p.work_order()
    issue(p, order, lot_id=lot.pk, quantity="10")
    assert balance(p.part, p.storage, lot) == 0
    assert balance(p.part, p.line, lot) == Decimal(0)
