"""The disposition gate on QA's release and rejection (ISO 13485 §8.2.6, §8.3; 21 CFR
820.80(d), 820.86; QE-01; issue 6 "release with an open failed inspection"): built through the
real services (plans, output, results, NCR, deviations), refused with a coded error naming the
inspection and its stage, and with nothing written, not even a signature."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import transaction
from django.utils import translation

from mederp.core.actors import Actor
from mederp.core.errors import DomainError
from mederp.core.models import Signature
from mederp.inventory import services as inventory
from mederp.inventory.models import Lot, Serial
from mederp.quality.disposition import approval, services
from mederp.quality.inspections.services.creation import create_inspection
from tests.production.conftest import sign
from tests.quality.disposition.conftest import TABLES
from tests.quality.inspections.support import make_plan


def test_a_lot_without_any_inspection_is_released_as_before(production_plant):
    """No plan existed for the product and stage: procurement's acceptance stands for it."""
    p = production_plant
    lot = p.stock(p.part, "P-L9", "10", release=False)
    released = inventory.release_lot(Actor.for_user(p.qa2), lot.pk, **sign(p.qa2))
    assert released.status == "released"


def test_release_with_an_open_final_inspection_is_refused_and_writes_nothing(made, unchanged):
    signatures_before = Signature.objects.count()
    with translation.override("en"), unchanged(*TABLES), pytest.raises(DomainError) as refused:
        made.release()
    assert refused.value.code == "disposition.inspection_open"
    message = refused.value.render_message()
    assert made.final.number in message and "final" in message and "FG-001" in message
    assert refused.value.details["inspection_id"] == made.final.pk
    assert Signature.objects.count() == signatures_before
    assert Lot.objects.get(pk=made.lot.pk).status == "quarantine"


def test_the_refusal_is_in_the_readers_language(made):
    with translation.override("zh-hans"), pytest.raises(DomainError) as refused:
        made.release()
    assert made.final.number in refused.value.render_message()


def test_reject_before_any_result_is_refused_too(made, unchanged):
    """Deciding before the evidence: the open inspection stops the rejection as well."""
    with unchanged(*TABLES), pytest.raises(DomainError) as refused:
        made.reject()
    assert refused.value.code == "disposition.inspection_open"
    assert "rejected" in refused.value.render_message()


def test_a_passed_inspection_lets_the_lot_be_released(made):
    made.record(passed=True)
    assert made.release().status == "released"


def test_a_failed_inspection_stops_the_release_and_writes_nothing(made, unchanged):
    made.record(passed=False)
    assert Lot.objects.get(pk=made.lot.pk).status == "on_hold"  # the NCR holds it
    with unchanged(*TABLES), pytest.raises(DomainError) as refused:
        made.release()
    assert refused.value.code == "disposition.inspection_failed"
    assert made.final.number in refused.value.render_message()


def test_a_failed_lot_can_be_rejected(made):
    made.record(passed=False)
    assert made.reject().status == "rejected"


def test_a_signed_use_as_is_concession_lets_the_failed_lot_be_released(made):
    """QE-01: the concession (让步接收) is the NCR's signed "use as is" disposition."""
    made.record(passed=False)
    ncr = made.concede()
    assert ncr.disposition == "use_as_is"
    assert made.release().status == "released"


def test_a_deviation_does_not_turn_a_failure_into_a_pass(made):
    made.deviation(approve=False)  # requested while the inspection was open
    made.record(passed=False)
    with pytest.raises(DomainError) as refused:
        made.release()
    assert refused.value.code == "disposition.inspection_failed"


def test_an_approved_deviation_waives_the_open_inspection(made):
    made.deviation()
    assert made.release().status == "released"


def test_a_draft_deviation_waives_nothing(made, unchanged):
    made.deviation(approve=False)
    with unchanged(*TABLES), pytest.raises(DomainError) as refused:
        made.release()
    assert refused.value.code == "disposition.inspection_open"


def test_a_closed_deviation_no_longer_waives(made):
    d = made.deviation()
    services.end_deviation(
        Actor.for_user(made.plant.qa), d.pk, approval.CLOSE, reason="Result arrived"
    )
    with pytest.raises(DomainError) as refused:
        made.release()
    assert refused.value.code == "disposition.inspection_open"


def test_a_stage_deviation_waives_every_inspection_of_that_stage(made):
    made.deviation(inspection_id=None, stage="final")
    assert made.release().status == "released"


def test_a_deviation_of_another_stage_waives_nothing(made):
    made.deviation(inspection_id=None, stage="incoming")
    with pytest.raises(DomainError) as refused:
        made.release()
    assert refused.value.code == "disposition.inspection_open"


def test_a_serial_is_gated_by_its_lots_inspection(production_plant, unchanged):
    """A serial received in a lot: the lot's open incoming inspection stops the serial too."""
    p = production_plant
    plan = make_plan(p.qa, p.serial_part, "incoming")
    move = inventory.receive_into_quarantine(
        p.system,
        product=p.serial_part,
        quantity=1,
        from_location=p.supplier,
        to_location=p.quarantine,
        lot_number="SL-1",
        serial_number="SN-900",
        inspector=p.clerk,
        document_id="T-1",
    )
    serial = Serial.objects.get(pk=move.serial_id)
    with transaction.atomic():
        inspection = create_inspection(p.system, plan, lot_size=Decimal(1), lot_id=serial.lot_id)
    with unchanged(*TABLES), pytest.raises(DomainError) as refused:
        inventory.release_serial(Actor.for_user(p.qa2), serial.pk, **sign(p.qa2))
    assert refused.value.code == "disposition.inspection_open"
    assert inspection.number in refused.value.render_message()
    assert "SN-900" in refused.value.render_message()
