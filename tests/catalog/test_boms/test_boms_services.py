"""Bill-of-materials versions: drafting, components and their rules (ISO 13485 §7.5.1, §4.2.4;
CM-01, CM-02; AT-04; invariants 1-3, 7).

Every refusal: its stable code, and nothing written (no version, no line, no audit entry, no
event).
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from tests.catalog.test_boms.conftest import TABLES, TODAY

from mederp.catalog import services
from mederp.core.errors import DomainError
from mederp.core.models import AuditEntry, OutboxEvent

pytestmark = pytest.mark.django_db


def refused(unchanged, fn, *args, **kwargs) -> DomainError:
    with unchanged(*TABLES), pytest.raises(DomainError) as exc:
        fn(*args, **kwargs)
    return exc.value


def events(event_type):
    return list(OutboxEvent.objects.filter(event_type=event_type).order_by("id"))


# --- versions -----------------------------------------------------------------------------------


def test_a_new_version_is_a_numbered_draft_with_audit_and_event(plant):
    bom = services.create_bom(plant.planner.actor, product_id=plant.device.pk, notes=" first ")
    assert (bom.revision, bom.state, bom.notes, bom.effective_from) == (1, "draft", "first", None)
    assert AuditEntry.objects.filter(
        record_type="catalog.billofmaterials", record_id=str(bom.pk), action="create"
    ).exists()
    (event,) = events("catalog.bom.created")
    assert event.aggregate_type == "catalog.billofmaterials"
    assert event.payload["revision"] == 1 and event.payload["product_code"] == "P-0001"
    second = services.create_bom(plant.planner.actor, product_id=plant.device.pk)
    assert second.revision == 2


def test_a_new_version_copies_the_components_of_an_earlier_one(plant):
    v1 = plant.draft()
    v2 = services.create_bom(plant.planner.actor, product_id=plant.device.pk, copy_from_id=v1.pk)
    copied = list(
        v2.components.order_by("line_no").values_list("component_id", "quantity_per_unit")
    )
    assert copied == [(plant.part.pk, Decimal("2")), (plant.serial_part.pk, Decimal("1"))]
    assert v1.components.count() == 2, "the source keeps its lines"
    assert events("catalog.bom.created")[-1].payload["copied_from_id"] == v1.pk
    line_ids = [str(pk) for pk in v2.components.values_list("pk", flat=True)]
    assert (
        AuditEntry.objects.filter(
            record_type="catalog.bomcomponent", record_id__in=line_ids, action="create"
        ).count()
        == 2
    )


def test_a_version_can_only_copy_a_version_of_the_same_product(plant, unchanged):
    other = plant.product(9)
    theirs = services.create_bom(plant.planner.actor, product_id=other.pk)
    exc = refused(
        unchanged,
        services.create_bom,
        plant.planner.actor,
        product_id=plant.device.pk,
        copy_from_id=theirs.pk,
    )
    assert exc.code == "catalog.bom_copy_source_invalid"
    assert exc.details["field"] == "copy_from_id"


@pytest.mark.parametrize(
    "fields,expected",
    [
        ({"device_class": "none"}, "catalog.bom_product_not_a_device"),
        ({"tracking": "none"}, "catalog.bom_product_untracked"),
    ],
)
def test_only_a_tracked_device_has_a_bill_of_materials(plant, unchanged, fields, expected):
    product = plant.product(9, **fields)
    exc = refused(unchanged, services.create_bom, plant.planner.actor, product_id=product.pk)
    assert exc.code == expected


def test_an_unknown_product_is_refused(plant, unchanged):
    exc = refused(unchanged, services.create_bom, plant.planner.actor, product_id=987654)
    assert exc.code == "catalog.bom_product_unknown"


def test_a_version_cannot_be_drafted_to_take_effect_in_the_past(plant, unchanged):
    exc = refused(
        unchanged,
        services.create_bom,
        plant.planner.actor,
        product_id=plant.device.pk,
        effective_from=TODAY - dt.timedelta(days=1),
    )
    assert exc.code == "catalog.bom_effective_in_past"
    assert exc.details["today"] == "2026-06-15"


def test_someone_without_the_permission_cannot_draft(plant, unchanged, make_user):
    from mederp.core.actors import Actor

    clerk = Actor.for_user(make_user("clerk", "warehouse"))
    exc = refused(unchanged, services.create_bom, clerk, product_id=plant.device.pk)
    assert exc.code == "permission_denied"


def test_the_effective_date_of_a_draft_is_set_with_a_reason(plant, unchanged):
    bom = plant.draft()
    day = TODAY + dt.timedelta(days=10)
    exc = refused(
        unchanged,
        services.set_effective_from,
        plant.planner.actor,
        bom.pk,
        effective_from=day,
        reason=" ",
    )
    assert exc.code == "audit.reason_required"
    services.set_effective_from(plant.planner.actor, bom.pk, effective_from=day, reason="ECN-7")
    bom.refresh_from_db()
    assert bom.effective_from == day
    entry = AuditEntry.objects.get(
        record_type="catalog.billofmaterials", record_id=str(bom.pk), action="update"
    )
    assert json.loads(entry.changes)["effective_from"] == [None, "2026-06-25"]
    assert entry.reason == "ECN-7"
    assert events("catalog.bom.changed")[-1].payload["changed"] == ["effective_from", "version"]


# --- components ---------------------------------------------------------------------------------


def test_components_get_line_numbers_their_own_unit_and_exact_quantities(plant):
    bom = plant.draft()
    lines = list(bom.components.order_by("line_no"))
    assert [(ln.line_no, ln.uom.code, ln.quantity_per_unit) for ln in lines] == [
        (1, "EA", Decimal("2")),
        (2, "EA", Decimal("1")),
    ]
    added = events("catalog.bom.component_added")
    assert [e.payload["component_code"] for e in added] == ["P-0002", "P-0003"]
    assert {e.aggregate_id for e in added} == {str(bom.pk)}
    bom.refresh_from_db()
    assert bom.version == 3, "each line moves the version's counter on"


def test_a_fractional_quantity_is_kept_exactly(plant):
    bom = services.create_bom(plant.planner.actor, product_id=plant.device.pk)
    line = plant.add(bom, plant.material, "0.125")
    line.refresh_from_db()
    assert line.quantity_per_unit == Decimal("0.125")


@pytest.mark.parametrize(
    "quantity,expected",
    [
        (1.5, "catalog.bom_quantity_invalid"),
        ("abc", "catalog.bom_quantity_invalid"),
        ("1.1234567", "catalog.bom_quantity_invalid"),
        ("NaN", "catalog.bom_quantity_invalid"),
        (True, "catalog.bom_quantity_invalid"),
        ("0", "catalog.bom_quantity_not_positive"),
        (-2, "catalog.bom_quantity_not_positive"),
    ],
)
def test_a_quantity_per_unit_is_an_exact_number_above_zero(plant, unchanged, quantity, expected):
    bom = services.create_bom(plant.planner.actor, product_id=plant.device.pk)
    exc = refused(unchanged, plant.add, bom, plant.part, quantity)
    assert exc.code == expected
    assert exc.details["field"] == "quantity_per_unit"


def test_a_serial_tracked_component_is_counted_in_whole_units(plant, unchanged):
    bom = services.create_bom(plant.planner.actor, product_id=plant.device.pk)
    exc = refused(unchanged, plant.add, bom, plant.serial_part, "1.5")
    assert exc.code == "catalog.bom_quantity_not_whole"


def test_a_component_appears_once_per_version(plant, unchanged):
    bom = plant.draft()
    exc = refused(unchanged, plant.add, bom, plant.part, 1)
    assert exc.code == "catalog.bom_component_duplicate"
    assert exc.http_status == 409
    assert exc.details["line"] == 1


def test_a_component_is_counted_in_its_own_unit(plant, unchanged):
    bom = services.create_bom(plant.planner.actor, product_id=plant.device.pk)
    exc = refused(
        unchanged,
        services.add_component,
        plant.planner.actor,
        bom.pk,
        component_id=plant.part.pk,
        quantity_per_unit="2",
        uom_id=plant.box.pk,
    )
    assert exc.code == "catalog.bom_uom_mismatch"
    assert "no unit conversions" in exc.render_message()
    assert (exc.details["expected"], exc.details["uom"]) == ("EA", "BOX")


def test_an_unknown_unit_is_refused(plant, unchanged):
    bom = services.create_bom(plant.planner.actor, product_id=plant.device.pk)
    exc = refused(
        unchanged,
        services.add_component,
        plant.planner.actor,
        bom.pk,
        component_id=plant.part.pk,
        quantity_per_unit="2",
        uom_id=99999,
    )
    assert exc.code == "catalog.uom_unknown"


def test_the_finished_device_is_not_its_own_component(plant, unchanged):
    bom = services.create_bom(plant.planner.actor, product_id=plant.device.pk)
    exc = refused(unchanged, plant.add, bom, plant.device, 1)
    assert exc.code == "catalog.bom_self_component"


def test_a_component_that_contains_the_device_at_any_depth_is_a_cycle(plant, unchanged):
    """F ← S1 ← S2 ← F: S2's approved BOM holds F, S1's holds S2; F may not hold S1."""
    s1 = plant.product(11, approve=True, name_zh="组件一", name_en="Assembly 1")
    s2 = plant.product(12, approve=True, name_zh="组件二", name_en="Assembly 2")
    s2_bom = services.create_bom(plant.planner.actor, product_id=s2.pk)
    plant.add(s2_bom, plant.device, 1)
    plant.approve(s2_bom)
    s1_bom = services.create_bom(plant.planner.actor, product_id=s1.pk)
    plant.add(s1_bom, s2, 1)
    plant.approve(s1_bom)
    bom = services.create_bom(plant.planner.actor, product_id=plant.device.pk)
    exc = refused(unchanged, plant.add, bom, s1, 1)
    assert exc.code == "catalog.bom_cycle"
    assert exc.details["path"] == "P-0011 → P-0012 → P-0001"


def test_a_draft_bom_of_a_component_is_not_part_of_the_structure_yet(plant):
    sub = plant.product(11, approve=True)
    sub_bom = services.create_bom(plant.planner.actor, product_id=sub.pk)
    plant.add(sub_bom, plant.device, 1)
    bom = services.create_bom(plant.planner.actor, product_id=plant.device.pk)
    assert plant.add(bom, sub, 1).component_id == sub.pk


def test_a_line_is_changed_with_a_reason_and_audited(plant, unchanged):
    bom = plant.draft()
    line = bom.components.get(line_no=1)
    exc = refused(
        unchanged, services.change_component, plant.planner.actor, line.pk, reason="", notes="x"
    )
    assert exc.code == "audit.reason_required"
    services.change_component(
        plant.planner.actor, line.pk, reason="drawing rev B", quantity_per_unit="3"
    )
    line.refresh_from_db()
    assert (line.quantity_per_unit, line.version) == (Decimal("3"), 2)
    entry = AuditEntry.objects.get(
        record_type="catalog.bomcomponent", record_id=str(line.pk), action="update"
    )
    assert json.loads(entry.changes)["quantity_per_unit"] == ["2.000000", "3.000000"]
    assert entry.reason == "drawing rev B"
    assert events("catalog.bom.component_changed")[-1].aggregate_id == str(bom.pk)


def test_changing_a_line_to_another_component_takes_its_unit_and_keeps_the_rules(plant, unchanged):
    bom = plant.draft()
    line = bom.components.get(line_no=1)
    exc = refused(
        unchanged,
        services.change_component,
        plant.planner.actor,
        line.pk,
        reason="swap",
        component_id=plant.serial_part.pk,
    )
    assert exc.code == "catalog.bom_component_duplicate"
    services.change_component(
        plant.planner.actor, line.pk, reason="swap", component_id=plant.material.pk
    )
    line.refresh_from_db()
    assert (line.component_id, line.uom.code) == (plant.material.pk, "EA")


def test_a_line_is_removed_with_a_reason_and_the_audit_trail_keeps_it(plant, unchanged):
    bom = plant.draft()
    line = bom.components.get(line_no=2)
    exc = refused(unchanged, services.remove_component, plant.planner.actor, line.pk, reason="")
    assert exc.code == "audit.reason_required"
    services.remove_component(plant.planner.actor, line.pk, reason="not fitted")
    assert list(bom.components.values_list("line_no", flat=True)) == [1]
    entry = AuditEntry.objects.get(
        record_type="catalog.bomcomponent", record_id=str(line.pk), action="delete"
    )
    assert entry.reason == "not fitted"
    (event,) = events("catalog.bom.component_removed")
    assert event.payload["component_code"] == "P-0003"


def test_an_approved_version_is_never_edited(plant, unchanged):
    bom = plant.draft()
    plant.approve(bom)
    line = bom.components.get(line_no=1)
    attempts = [
        lambda: plant.add(bom, plant.material, 1),
        lambda: services.change_component(
            plant.planner.actor, line.pk, reason="r", quantity_per_unit="5"
        ),
        lambda: services.remove_component(plant.planner.actor, line.pk, reason="r"),
        lambda: services.set_effective_from(
            plant.planner.actor, bom.pk, effective_from=TODAY, reason="r"
        ),
    ]
    for attempt in attempts:
        exc = refused(unchanged, attempt)
        assert exc.code == "catalog.bom_not_draft"
        assert exc.http_status == 409


def test_a_stale_copy_of_a_line_is_refused(plant, unchanged):
    bom = plant.draft()
    line = bom.components.get(line_no=1)
    exc = refused(
        unchanged,
        services.change_component,
        plant.planner.actor,
        line.pk,
        reason="r",
        expected_version=7,
        quantity_per_unit="4",
    )
    assert exc.code == "stale_record"
