"""Investigation, signed disposition carried out through inventory, and signed closure
(QE-01; ISO 13485 §8.3.2-§8.3.4; 21 CFR 11.50)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from mederp.core.actors import Actor
from mederp.core.errors import DomainError
from mederp.core.models import OutboxEvent, Signature
from mederp.inventory import selectors
from mederp.inventory.models import Lot, Move
from mederp.quality.nonconformance.models import Nonconformance
from mederp.quality.nonconformance.selectors import concession_for
from mederp.quality.nonconformance.services import (
    AffectedItem,
    close_ncr,
    disposition_ncr,
    investigate_ncr,
)
from tests.quality.nonconformance.conftest import TABLES


def investigated(plant, quantity="20", received="100"):
    lot = plant.receive(received)
    ncr = plant.open(AffectedItem(lot.pk, None, Decimal(quantity)))
    investigate_ncr(
        Actor.for_user(plant.qa),
        ncr.pk,
        investigation="Sealing jaw worn at the supplier",
        root_cause="Supplier skipped jaw maintenance",
    )
    return lot, Nonconformance.objects.get(pk=ncr.pk)


def decide(plant, ncr, creds, disposition, **kw):
    return disposition_ncr(
        Actor.for_user(plant.qa),
        ncr.pk,
        disposition=disposition,
        reason=kw.pop("reason", "Decided by QA review board"),
        **creds(),
        **kw,
    )


def test_investigation_is_recorded_and_the_ncr_is_investigating(plant):
    _lot, ncr = investigated(plant)
    assert ncr.state == "investigating"
    assert ncr.root_cause == "Supplier skipped jaw maintenance"
    assert OutboxEvent.objects.filter(event_type="ncr.investigated").count() == 1


def test_investigation_needs_text_and_permission(plant, unchanged):
    lot = plant.receive("10")
    ncr = plant.open(AffectedItem(lot.pk, None, Decimal("1")))
    with unchanged(*TABLES), pytest.raises(DomainError) as exc:
        investigate_ncr(Actor.for_user(plant.qa), ncr.pk, investigation=" ")
    assert exc.value.code == "nonconformance.investigation_required"
    with unchanged(*TABLES), pytest.raises(DomainError) as exc:
        investigate_ncr(Actor.for_user(plant.inspector), ncr.pk, investigation="x")
    assert exc.value.code == "permission_denied"


def test_scrap_rejects_the_lot_and_moves_the_quantity_to_scrap(plant, qa_session):
    """QE-01 scrap: the lot is rejected (signed) and the named stock leaves for scrap."""
    lot, ncr = investigated(plant)
    decide(plant, ncr, qa_session, "scrap")
    ncr.refresh_from_db()
    assert (ncr.state, ncr.disposition) == ("dispositioned", "scrap")
    assert Lot.objects.get(pk=lot.pk).status == "rejected"
    move = Move.objects.get(document_type="nonconformance.disposition")
    assert (move.to_location_id, move.quantity) == (plant.scrap.pk, Decimal("20"))
    assert ncr.items.get().disposition_move_id == move.pk
    quarantine = plant.world.quarantine
    assert selectors.balance_of(lot.product_id, location=quarantine, lot=lot) == Decimal("80")
    meanings = sorted(Signature.objects.values_list("record_type", "meaning"))
    assert ("inventory.lot", "rejected") in meanings
    assert ("nonconformance.nonconformance", "approved") in meanings
    event = OutboxEvent.objects.get(event_type="ncr.dispositioned")
    assert event.payload["moves"][0]["quantity"] == "20"
    assert event.payload["rejected"] == {"lots": [lot.pk], "serials": []}


def test_return_to_supplier_moves_the_stock_to_the_supplier_with_a_reference(plant, qa_session):
    lot, ncr = investigated(plant, quantity="100")
    decide(plant, ncr, qa_session, "return_to_supplier", return_reference="RMA-7")
    ncr.refresh_from_db()
    assert ncr.return_reference == "RMA-7"
    move = Move.objects.get(document_type="nonconformance.disposition")
    assert move.to_location_id == plant.world.supplier_location.pk
    assert Lot.objects.get(pk=lot.pk).status == "rejected"
    assert selectors.balance_of(lot.product_id, location=plant.world.quarantine, lot=lot) == 0


def test_return_without_a_supplier_is_refused(plant, qa_session, unchanged):
    lot = plant.receive("10")
    ncr = plant.open(AffectedItem(lot.pk, None, Decimal("5")), supplier=None, source="audit")
    investigate_ncr(Actor.for_user(plant.qa), ncr.pk, investigation="found in audit")
    with unchanged(*TABLES), pytest.raises(DomainError) as exc:
        decide(plant, ncr, qa_session, "return_to_supplier")
    assert exc.value.code == "nonconformance.supplier_required"
    assert Lot.objects.get(pk=lot.pk).status == "on_hold"


def test_use_as_is_is_a_signed_concession_the_release_gate_can_find(plant, qa_session):
    """QE-01: a concession needs an authorised e-signature; concession_for finds it."""
    lot, ncr = investigated(plant)
    assert concession_for(lot_id=lot.pk) is None
    decide(plant, ncr, qa_session, "use_as_is", reason="Seal strength within the margin")
    found = concession_for(lot_id=lot.pk)
    assert found is not None and found.pk == ncr.pk
    assert Lot.objects.get(pk=lot.pk).status == "on_hold"
    assert not Move.objects.filter(document_type="nonconformance.disposition").exists()
    assert concession_for(lot_id=lot.pk + 1000) is None


def test_rework_leaves_the_stock_on_hold_in_place(plant, qa_session):
    lot, ncr = investigated(plant)
    decide(plant, ncr, qa_session, "rework", reason="Re-seal on line 2 per WI-12")
    assert Lot.objects.get(pk=lot.pk).status == "on_hold"
    assert concession_for(lot_id=lot.pk) is None
    assert not Move.objects.filter(document_type="nonconformance.disposition").exists()


@pytest.mark.parametrize(
    ("disposition", "kw", "code"),
    [
        ("melt", {}, "nonconformance.unknown_disposition"),
        ("scrap", {"reason": " "}, "nonconformance.disposition_reason_required"),
        ("scrap", {"password": "wrong"}, "identity.invalid_credentials"),
    ],
)
def test_bad_dispositions_are_refused_and_nothing_is_written(
    plant, qa_session, unchanged, disposition, kw, code
):
    lot, ncr = investigated(plant)
    creds = qa_session()
    creds.update({k: v for k, v in kw.items() if k != "reason"})
    with unchanged(*TABLES, Signature), pytest.raises(DomainError) as exc:
        disposition_ncr(
            Actor.for_user(plant.qa),
            ncr.pk,
            disposition=disposition,
            reason=kw.get("reason", "why"),
            **creds,
        )
    assert exc.value.code == code
    assert Lot.objects.get(pk=lot.pk).status == "on_hold"


def test_disposition_before_investigation_is_refused(plant, qa_session, unchanged):
    lot = plant.receive("10")
    ncr = plant.open(AffectedItem(lot.pk, None, Decimal("5")))
    with unchanged(*TABLES, Signature), pytest.raises(DomainError) as exc:
        decide(plant, ncr, qa_session, "scrap")
    assert exc.value.code == "workflow.wrong_state"


def test_the_inspector_cannot_sign_a_disposition(plant, sign_as, unchanged):
    _lot, ncr = investigated(plant)
    with unchanged(*TABLES, Signature), pytest.raises(DomainError) as exc:
        disposition_ncr(
            Actor.for_user(plant.inspector),
            ncr.pk,
            disposition="use_as_is",
            reason="ok",
            **sign_as(plant.inspector),
        )
    assert exc.value.code == "signatures.not_permitted"


def test_stock_moved_away_since_opening_is_refused(plant, qa_session, unchanged):
    lot, ncr = investigated(plant, quantity="100")
    from mederp.inventory import services as inventory

    rejected = inventory.create_location(
        Actor.system("t"),
        plant.world.quarantine.warehouse_id,
        code="REJ",
        name="REJ",
        kind="rejected",
    )
    inventory.transfer(
        Actor.system("t"),
        product=lot.product_id,
        lot=lot.pk,
        quantity=Decimal("50"),
        from_location=plant.world.quarantine,
        to_location=rejected,
    )
    with unchanged(*TABLES, Signature), pytest.raises(DomainError) as exc:
        decide(plant, ncr, qa_session, "scrap")
    assert exc.value.code == "nonconformance.stock_moved_on"


def test_closing_is_signed_only_once_dispositioned_and_links_a_capa(plant, qa_session, unchanged):
    _lot, ncr = investigated(plant)
    with unchanged(*TABLES, Signature), pytest.raises(DomainError) as exc:
        close_ncr(Actor.for_user(plant.qa), ncr.pk, **qa_session())
    assert exc.value.code == "workflow.wrong_state"
    decide(plant, ncr, qa_session, "scrap")
    close_ncr(Actor.for_user(plant.qa), ncr.pk, capa_id=7, reason="done", **qa_session())
    ncr.refresh_from_db()
    assert (ncr.state, ncr.capa_id) == ("closed", 7)
    assert ncr.close_signature.meaning == "closed"
    assert OutboxEvent.objects.get(event_type="ncr.closed").payload["capa_id"] == 7
    with unchanged(*TABLES, Signature), pytest.raises(DomainError) as exc:
        close_ncr(Actor.for_user(plant.qa), ncr.pk, **qa_session())
    assert exc.value.code == "workflow.wrong_state"


def test_a_bad_capa_id_is_refused(plant, qa_session, unchanged):
    _lot, ncr = investigated(plant)
    decide(plant, ncr, qa_session, "rework")
    with unchanged(*TABLES, Signature), pytest.raises(DomainError) as exc:
        close_ncr(Actor.for_user(plant.qa), ncr.pk, capa_id=-3, **qa_session())
    assert exc.value.code == "nonconformance.capa_invalid"
