"""Raising an NCR: validation, the hold of the affected stock, audit and event (QE-01;
ISO 13485 §8.3.1)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from mederp.core.actors import Actor
from mederp.core.errors import DomainError
from mederp.core.models import AuditEntry, OutboxEvent
from mederp.inventory.models import Lot, Serial
from mederp.quality.nonconformance.models import Nonconformance
from mederp.quality.nonconformance.services import AffectedItem, open_ncr
from tests.quality.nonconformance.conftest import TABLES


def test_opening_numbers_the_ncr_and_holds_the_quarantined_lot(plant):
    """QE-01: the affected lot is segregated (on hold) and the NCR records where it was."""
    lot = plant.receive("100")
    ncr = plant.open(AffectedItem(lot.pk, None, Decimal("20")))
    assert ncr.number.startswith("NC-2026-")
    assert ncr.state == "open" and ncr.opened_by == plant.inspector
    item = ncr.items.get()
    assert (item.lot_id, item.quantity, item.location_id) == (lot.pk, 20, plant.world.quarantine.pk)
    assert item.status_before == "quarantine"
    assert f"NCR {ncr.number}" in item.hold_reference
    assert Lot.objects.get(pk=lot.pk).status == "on_hold"
    event = OutboxEvent.objects.get(event_type="ncr.opened")
    assert event.payload["items"][0]["quantity"] == "20"
    assert AuditEntry.objects.filter(record_type="nonconformance.nonconformance").exists()


def test_the_hold_is_made_on_the_ncrs_behalf_when_the_raiser_may_not_hold_stock(plant):
    """QC raises NCRs but holds no stock by hand: the system holds it, naming the raiser."""
    lot = plant.receive("10")
    ncr = plant.open(AffectedItem(lot.pk, None, Decimal("10")))
    held = AuditEntry.objects.filter(record_type="inventory.lot", record_id=str(lot.pk)).last()
    assert held.actor_kind == "system" and "inspector" in held.actor_name
    assert ncr.number in held.actor_name


def test_a_released_lot_in_storage_goes_on_hold_and_the_quantity_is_split_by_location(plant):
    lot = plant.release_to_storage(plant.receive("100"), "60")
    ncr = plant.open(AffectedItem(lot.pk, None, Decimal("80")), by=plant.qa)
    rows = sorted((i.location.code, i.quantity) for i in ncr.items.all())
    assert rows == [("QUA", Decimal("20")), ("STO", Decimal("60"))]
    assert {i.status_before for i in ncr.items.all()} == {"released"}
    assert Lot.objects.get(pk=lot.pk).status == "on_hold"


def test_stock_already_rejected_stays_rejected(plant, sign_as):
    lot = plant.receive("10")
    from mederp.inventory import services as inventory

    inventory.reject_lot(Actor.for_user(plant.qa), lot.pk, reason="bad", **sign_as(plant.qa))
    ncr = plant.open(AffectedItem(lot.pk, None, Decimal("10")))
    item = ncr.items.get()
    assert (item.status_before, item.hold_reference) == ("rejected", "already rejected")
    assert Lot.objects.get(pk=lot.pk).status == "rejected"


def test_a_serial_is_held_alone(plant):
    serial = plant.receive("1", serial="SN-001")
    ncr = plant.open(
        AffectedItem(None, serial.pk, Decimal("1")), product=plant.world.serial_product
    )
    assert ncr.items.get().serial_id == serial.pk
    assert Serial.objects.get(pk=serial.pk).status == "on_hold"


def test_an_ncr_may_name_no_stock(plant):
    """An audit finding about a process names no lot; nothing is held."""
    ncr = plant.open(source="audit", source_id=None, supplier=None)
    assert ncr.items.count() == 0 and ncr.source == "audit"


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"source": "rumour"}, "nonconformance.unknown_source"),
        ({"severity": "huge"}, "nonconformance.unknown_severity"),
        ({"product": None}, "nonconformance.product_required"),
        ({"description": "  "}, "nonconformance.description_required"),
    ],
)
def test_bad_headers_are_refused_and_nothing_is_written(plant, unchanged, change, code):
    lot = plant.receive("10")
    with unchanged(*TABLES), pytest.raises(DomainError) as exc:
        plant.open(AffectedItem(lot.pk, None, Decimal("1")), **change)
    assert exc.value.code == code
    assert Lot.objects.get(pk=lot.pk).status == "quarantine"


@pytest.mark.parametrize(
    ("item", "code"),
    [
        (
            lambda lot, other: AffectedItem(None, None, Decimal("1")),
            "nonconformance.item_unidentified",
        ),
        (
            lambda lot, other: AffectedItem(99999, None, Decimal("1")),
            "nonconformance.item_not_found",
        ),
        (
            lambda lot, other: AffectedItem(None, other.pk, Decimal("1")),
            "nonconformance.item_wrong_product",
        ),
        (
            lambda lot, other: AffectedItem(lot.pk, None, Decimal("0")),
            "nonconformance.item_quantity_invalid",
        ),
        (
            lambda lot, other: AffectedItem(lot.pk, None, Decimal("-2")),
            "nonconformance.item_quantity_invalid",
        ),
        (
            lambda lot, other: AffectedItem(lot.pk, None, 1.5),
            "nonconformance.item_quantity_invalid",
        ),
        (
            lambda lot, other: AffectedItem(lot.pk, None, Decimal("10.001")),
            "nonconformance.item_not_on_hand",
        ),
    ],
)
def test_bad_items_are_refused_and_nothing_is_written(plant, unchanged, item, code):
    """QE-01 / DI-09: each affected item is identified, of the product, and really on hand."""
    lot = plant.receive("10")
    other = plant.receive("1", serial="SN-9")
    with unchanged(*TABLES), pytest.raises(DomainError) as exc:
        plant.open(item(lot, other))
    assert exc.value.code == code
    assert Lot.objects.get(pk=lot.pk).status == "quarantine"


def test_an_item_named_twice_is_refused(plant, unchanged):
    lot = plant.receive("10")
    with unchanged(*TABLES), pytest.raises(DomainError) as exc:
        plant.open(
            AffectedItem(lot.pk, None, Decimal("1")), AffectedItem(lot.pk, None, Decimal("2"))
        )
    assert exc.value.code == "nonconformance.item_duplicate"


def test_raising_needs_the_permission(plant, make_user, unchanged):
    lot = plant.receive("10")
    buyer = make_user("b2", "purchasing")
    with unchanged(*TABLES), pytest.raises(DomainError) as exc:
        plant.open(AffectedItem(lot.pk, None, Decimal("1")), by=buyer)
    assert exc.value.code == "permission_denied"


def test_open_ncr_inside_a_callers_transaction_rolls_back_with_it(plant):
    """The contract: usable inside the caller's transaction; its failure undoes the NCR too."""
    from django.db import transaction

    lot = plant.receive("10")
    with pytest.raises(RuntimeError), transaction.atomic():
        open_ncr(
            Actor.for_user(plant.inspector),
            source="inspection",
            source_id=12,
            source_ref="IN-2026-00012",
            product=plant.world.lot_product,
            description="out of limits",
            items=[AffectedItem(lot.pk, None, Decimal("10"))],
        )
        raise RuntimeError("the caller fails after")
    assert Nonconformance.objects.count() == 0
    assert Lot.objects.get(pk=lot.pk).status == "quarantine"
