"""Work order lifecycle (ISO 13485 §7.5.1; 21 CFR 820.184; ES-12): planned to an approved BOM
version in effect, released, started by the first shop-floor record, completed, closed by QA's
signature on the reviewed device history record; cancelled only before anything was issued."""

from __future__ import annotations

import datetime as dt

import pytest
from tests.production.conftest import TABLES, TODAY, person, sign

from mederp.core.actors import Actor
from mederp.core.models import OutboxEvent, Signature
from mederp.production import services
from mederp.production.models import WorkOrder

pytestmark = pytest.mark.django_db


def create(p, **kw):
    values = {
        "product_id": p.device.pk,
        "planned_quantity": "5",
        "planned_start": TODAY,
        "production_location_id": p.line.pk,
        "output_location_id": p.fg_quarantine.pk,
    }
    values.update(kw)
    return services.create_work_order(p.actor(p.planner), **values)


def test_a_work_order_cites_the_bom_version_in_effect_and_is_numbered(production_plant):
    p = production_plant
    order = create(p, output_lot_number="FG-001", notes="first run")
    assert order.number == "WO-2026-00001"
    assert order.bom_id == p.bom.pk and order.state == "planned"
    assert order.planned_quantity == 5 and order.output_lot_number == "FG-001"
    assert create(p).number == "WO-2026-00002"
    event = OutboxEvent.objects.filter(event_type="production.workorder.created").first()
    assert event.payload["bom_revision"] == 1 and event.payload["planned_quantity"] == "5"


def test_without_an_approved_bom_in_effect_no_work_order_is_planned(production_plant, unchanged):
    p = production_plant
    with unchanged(*TABLES), pytest.raises(Exception) as refused:
        create(p, planned_start=TODAY - dt.timedelta(days=1))
    assert refused.value.code == "production.no_effective_bom"


def test_a_bom_version_of_another_device_is_refused(production_plant, unchanged):
    p = production_plant
    with unchanged(*TABLES), pytest.raises(Exception) as refused:
        create(p, bom_id=p.serial_bom.pk)
    assert refused.value.code == "production.bom_of_another_product"


@pytest.mark.parametrize(
    "field,code",
    [
        ("production_location_id", "production.location_kind"),
        ("output_location_id", "production.location_kind"),
    ],
)
def test_locations_must_be_of_their_kind(production_plant, unchanged, field, code):
    p = production_plant
    with unchanged(*TABLES), pytest.raises(Exception) as refused:
        create(p, **{field: p.storage.pk})
    assert refused.value.code == code and refused.value.details["field"] == field


@pytest.mark.parametrize(
    "kw,code",
    [
        ({"planned_quantity": "0"}, "inventory.quantity_not_positive"),
        ({"planned_quantity": 1.5}, "inventory.quantity_invalid"),
        ({"planned_end": TODAY - dt.timedelta(days=1)}, "production.planned_end_before_start"),
    ],
)
def test_bad_plans_are_refused_and_write_nothing(production_plant, unchanged, kw, code):
    with unchanged(*TABLES), pytest.raises(Exception) as refused:
        create(production_plant, **kw)
    assert refused.value.code == code


def test_a_serial_device_is_planned_in_whole_units(production_plant, unchanged):
    p = production_plant
    with unchanged(*TABLES), pytest.raises(Exception) as refused:
        create(p, product_id=p.serial_device.pk, planned_quantity="2.5")
    assert refused.value.code == "production.whole_units"


def test_the_shop_floor_cannot_plan(production_plant, unchanged):
    p = production_plant
    with unchanged(*TABLES), pytest.raises(Exception) as refused:
        services.create_work_order(
            p.actor(p.operator),
            product_id=p.device.pk,
            planned_quantity="5",
            planned_start=TODAY,
            production_location_id=p.line.pk,
            output_location_id=p.fg_quarantine.pk,
        )
    assert refused.value.code == "permission_denied"


def test_the_full_life_of_a_work_order(production_plant):
    p = production_plant
    p.stock_all()
    order = p.work_order(release=False)
    order = services.release_work_order(p.actor(p.planner), order.pk)
    assert order.state == "released" and order.released_at is not None
    p.issue(order, component=p.part, quantity="10")
    order.refresh_from_db()
    assert order.state == "in_progress" and order.started_at is not None
    p.output(order, "5")
    order = p.complete(order)
    assert order.state == "completed" and order.completed_at is not None
    order = p.close(order)
    assert order.state == "closed" and order.closed_at is not None
    sig = Signature.objects.get(record_type="production.workorder", record_id=str(order.pk))
    assert sig.meaning == "reviewed" and sig.signer_id == p.qa.pk
    kinds = list(
        OutboxEvent.objects.filter(aggregate_type="production.workorder").values_list(
            "event_type", flat=True
        )
    )
    for kind in (
        "production.workorder.created",
        "production.workorder.released",
        "production.workorder.started",
        "production.material.issued",
        "production.output.reported",
        "production.workorder.completed",
        "production.workorder.closed",
    ):
        assert kind in kinds


def test_whoever_reported_output_may_not_close(production_plant, make_user):
    p = production_plant
    p.stock_all()
    order = p.work_order()
    p.issue(order, component=p.part, quantity="2")
    # A QA manager who also works the line, and reported output of this work order.
    both = person(make_user, "qa-operator", "qa_manager", "production")
    p.output(order, "1", by=both)
    p.complete(order)
    with pytest.raises(Exception) as refused:
        p.close(order, by=both)
    assert refused.value.code == "signatures.sod_excluded_signer"
    assert WorkOrder.objects.get(pk=order.pk).state == "completed"
    assert p.close(order).state == "closed"


def test_closing_needs_a_completed_work_order(production_plant):
    p = production_plant
    order = p.work_order()
    with pytest.raises(Exception) as refused:
        p.close(order)
    assert refused.value.code == "workflow.wrong_state"


def test_closing_needs_the_permission(production_plant):
    p = production_plant
    p.stock_all()
    order = p.work_order()
    p.output(order, "1")
    p.complete(order)
    with pytest.raises(Exception) as refused:
        p.close(order, by=p.planner)
    assert refused.value.code in ("signatures.not_permitted", "permission_denied")


def test_cancel_before_anything_was_issued_with_a_reason(production_plant, unchanged):
    p = production_plant
    order = p.work_order()
    with unchanged(*TABLES), pytest.raises(Exception) as refused:
        services.cancel_work_order(p.actor(p.planner), order.pk, reason="  ")
    assert refused.value.code == "workflow.reason_required"
    order = services.cancel_work_order(p.actor(p.planner), order.pk, reason="customer withdrew")
    assert order.state == "cancelled"


def test_no_cancel_once_material_was_issued(production_plant):
    p = production_plant
    p.stock_all()
    order = p.work_order()
    p.issue(order, component=p.part, quantity="2")
    with pytest.raises(Exception) as refused:
        services.cancel_work_order(p.actor(p.planner), order.pk, reason="changed plans")
    # Issued material started the work order: it can only be completed now.
    assert refused.value.code == "workflow.wrong_state"


def test_a_released_order_with_nothing_issued_can_be_cancelled(production_plant):
    p = production_plant
    order = p.work_order(release=False)
    services.release_work_order(p.actor(p.planner), order.pk)
    assert (
        services.cancel_work_order(p.actor(p.planner), order.pk, reason="not needed").state
        == "cancelled"
    )


def test_release_refuses_a_bom_version_made_obsolete_since(production_plant, unchanged):
    p = production_plant
    order = p.work_order(release=False)
    from mederp.catalog import services as catalog

    catalog.obsolete_bom(Actor.for_user(p.qa), p.bom.pk, reason="replaced", **sign(p.qa))
    with unchanged(WorkOrder), pytest.raises(Exception) as refused:
        services.release_work_order(p.actor(p.planner), order.pk)
    assert refused.value.code == "production.bom_not_usable"
    assert WorkOrder.objects.get(pk=order.pk).state == "planned"
