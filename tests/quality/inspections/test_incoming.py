"""Incoming inspection (进货检验; ISO 13485 §7.4.3, §8.2.6, §8.3; QE-01): a receipt line accepted
into quarantine gets an inspection in the receipt's transaction when an approved incoming plan
exists; results by hand complete it; an out-of-limit result fails it and opens an NCR that holds
the lot and names the supplier. Every bad result is refused with its code and writes nothing."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from mederp.core.actors import Actor
from mederp.core.errors import DomainError
from mederp.core.models import OutboxEvent
from mederp.inventory.models import Lot
from mederp.procurement.models import Receipt
from mederp.quality.inspections import selectors, services
from mederp.quality.inspections.models import Inspection, InspectionResult
from mederp.quality.nonconformance.models import Nonconformance
from tests.quality.inspections.support import TABLES, make_plan, receive, results_for

EXPIRY = dt.date(2028, 12, 31)


@pytest.fixture
def line(approved_order):
    return approved_order().lines.get()


@pytest.fixture
def inspection(world, line) -> Inspection:
    make_plan(world.qa, world.lot_product)
    receive(world, line, quantity="40", lot="L2406A", expiry_date=EXPIRY)
    return Inspection.objects.get()


def qc(world) -> Actor:
    return Actor.for_user(world.inspector)


def refused(unchanged, fn, *args, **kwargs) -> DomainError:
    with unchanged(*TABLES, Nonconformance), pytest.raises(DomainError) as caught:
        fn(*args, **kwargs)
    return caught.value


def test_a_receipt_creates_the_incoming_inspection_with_its_sample(world, inspection) -> None:
    receipt = Receipt.objects.get()
    assert inspection.number.startswith("IN-2026-")
    assert (inspection.stage, inspection.state, inspection.result) == (
        "incoming",
        "open",
        "pending",
    )
    assert inspection.receipt_id == receipt.pk
    assert inspection.lot == Lot.objects.get(number="L2406A")
    assert inspection.lot_size == Decimal(40) and inspection.sample_size == Decimal(5)
    assert OutboxEvent.objects.filter(event_type="inspection.created").count() == 1


def test_without_an_approved_plan_no_inspection_is_created(world, line) -> None:
    make_plan(world.qa, world.lot_product, approve=False)
    receive(world, line, quantity="40", lot="L1", expiry_date=EXPIRY)
    assert not Inspection.objects.exists()


def test_a_large_lot_takes_the_sample_of_its_row(world, line) -> None:
    make_plan(world.qa, world.lot_product)
    receive(world, line, quantity="100", lot="L1", expiry_date=EXPIRY)
    assert Inspection.objects.get().sample_size == Decimal(20)


def test_results_within_limits_pass_the_inspection(world, inspection) -> None:
    services.record_results(qc(world), inspection.pk, results_for(inspection))
    inspection.refresh_from_db()
    assert (inspection.state, inspection.result) == ("completed", "pass")
    assert inspection.ncr_id is None and inspection.completed_at is not None
    assert inspection.results.count() == 3
    done = OutboxEvent.objects.get(event_type="inspection.completed")
    assert done.payload["result"] == "pass" and done.payload["ncr_id"] is None


def test_partial_results_leave_the_inspection_open(world, inspection) -> None:
    services.record_results(qc(world), inspection.pk, results_for(inspection)[:2])
    inspection.refresh_from_db()
    assert (inspection.state, inspection.result) == ("open", "pending")


def test_an_out_of_limit_value_fails_it_and_opens_an_ncr_holding_the_lot(world, inspection) -> None:
    services.record_results(qc(world), inspection.pk, results_for(inspection, diameter="5.3"))
    inspection.refresh_from_db()
    assert (inspection.state, inspection.result) == ("completed", "fail")
    ncr = Nonconformance.objects.get(pk=inspection.ncr_id)
    assert (ncr.source, ncr.source_id, ncr.source_ref) == (
        "inspection",
        inspection.pk,
        inspection.number,
    )
    assert ncr.supplier_id == world.supplier.pk and ncr.product_id == world.lot_product.pk
    assert "Outer diameter: 5.3 mm outside [4.9, 5.1] mm" in ncr.description
    assert Lot.objects.get(pk=inspection.lot_id).status == "on_hold"
    item = ncr.items.get()
    assert item.lot_id == inspection.lot_id and item.quantity == Decimal(40)
    done = OutboxEvent.objects.get(event_type="inspection.completed")
    assert done.payload["ncr_id"] == ncr.pk and done.payload["failed"] == ["Outer diameter"]


def test_a_failed_pass_fail_check_fails_the_inspection(world, inspection) -> None:
    services.record_results(qc(world), inspection.pk, results_for(inspection, visual=False))
    inspection.refresh_from_db()
    assert inspection.result == "fail" and inspection.ncr_id is not None


def test_a_correction_is_a_new_result_with_a_reason_and_the_latest_counts(
    world, inspection
) -> None:
    first = results_for(inspection, diameter="5.3")[:1]
    services.record_results(qc(world), inspection.pk, first)
    again = [{**first[0], "value": "5.05", "reason": "gauge was not zeroed"}]
    services.record_results(qc(world), inspection.pk, again + results_for(inspection)[1:])
    inspection.refresh_from_db()
    assert inspection.result == "pass"
    assert InspectionResult.objects.filter(inspection=inspection).count() == 4


def test_the_selector_finds_the_inspections_of_a_lot(world, inspection) -> None:
    assert list(selectors.inspections_for(lot_id=inspection.lot_id)) == [inspection]
    assert not selectors.inspections_for(lot_id=inspection.lot_id + 999).exists()
    assert not selectors.inspections_for().exists()


# --- bad input: a clear code, nothing written ---------------------------------------------------


def test_a_result_on_an_unknown_inspection_is_refused(world, unchanged) -> None:
    error = refused(unchanged, services.record_results, qc(world), 999999, [{"value": "1"}])
    assert error.code == "inspections.unknown_inspection"


def test_a_result_for_an_unknown_characteristic_is_refused(world, inspection, unchanged) -> None:
    error = refused(
        unchanged,
        services.record_results,
        qc(world),
        inspection.pk,
        [{"characteristic_id": 999999, "value": "5"}],
    )
    assert error.code == "inspections.unknown_characteristic"
    error = refused(
        unchanged,
        services.record_results,
        qc(world),
        inspection.pk,
        [{"characteristic": "Colour", "text": "blue"}],
    )
    assert error.code == "inspections.unknown_characteristic"


def test_a_result_for_a_characteristic_of_another_plan_is_refused(
    world, inspection, unchanged
) -> None:
    other = make_plan(world.qa, world.serial_product)
    foreign = other.characteristics.first()
    error = refused(
        unchanged,
        services.record_results,
        qc(world),
        inspection.pk,
        [{"characteristic_id": foreign.pk, "value": "5"}],
    )
    assert error.code == "inspections.characteristic_not_in_plan"


def test_a_result_on_a_completed_inspection_is_refused(world, inspection, unchanged) -> None:
    services.record_results(qc(world), inspection.pk, results_for(inspection))
    error = refused(
        unchanged, services.record_results, qc(world), inspection.pk, results_for(inspection)
    )
    assert error.code == "inspections.inspection_completed"


@pytest.mark.parametrize(
    ("index", "change", "code"),
    [
        (0, {"value": None}, "inspections.value_required"),
        (0, {"value": 5.0}, "inspections.value_invalid"),
        (0, {"value": "five"}, "inspections.value_invalid"),
        (1, {"passed": None}, "inspections.verdict_required"),
        (1, {"passed": "yes"}, "inspections.verdict_required"),
        (2, {"text": "  "}, "inspections.text_required"),
    ],
)
def test_a_result_without_its_kind_of_value_is_refused(
    world, inspection, unchanged, index, change, code
) -> None:
    rows = results_for(inspection)
    rows[index] = {**rows[index], **change}
    error = refused(unchanged, services.record_results, qc(world), inspection.pk, rows)
    assert error.code == code


def test_a_correction_without_a_reason_is_refused(world, inspection, unchanged) -> None:
    services.record_results(qc(world), inspection.pk, results_for(inspection)[:1])
    error = refused(
        unchanged, services.record_results, qc(world), inspection.pk, results_for(inspection)[:1]
    )
    assert error.code == "inspections.correction_reason_required"


def test_no_results_and_no_permission_are_refused(world, inspection, unchanged) -> None:
    error = refused(unchanged, services.record_results, qc(world), inspection.pk, [])
    assert error.code == "inspections.results_required"
    error = refused(
        unchanged,
        services.record_results,
        Actor.for_user(world.buyer),
        inspection.pk,
        results_for(inspection),
    )
    assert error.code == "permission_denied"


def test_results_are_append_only_in_the_database(world, inspection) -> None:
    """A recorded result is evidence (820.80(e); AT-06): the database itself refuses to change
    or delete it; a correction is a new result with a reason."""
    from django.db import DatabaseError, transaction

    services.record_results(qc(world), inspection.pk, results_for(inspection))
    result = InspectionResult.objects.filter(inspection=inspection).first()
    assert result is not None
    with pytest.raises(DatabaseError), transaction.atomic():
        InspectionResult.objects.filter(pk=result.pk).update(reason="tidied")
    with pytest.raises(DatabaseError), transaction.atomic():
        InspectionResult.objects.filter(pk=result.pk).delete()
    assert InspectionResult.objects.filter(pk=result.pk).exists()
