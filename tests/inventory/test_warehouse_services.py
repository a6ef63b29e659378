"""Warehouse and location services: the one write path (invariants 1-3; AT-01, AT-02, AT-04;
TR-09, CN-14). Every refusal carries a stable code and writes nothing."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.utils import translation

from mederp.core.actors import Actor
from mederp.core.errors import (
    NotFound,
    PermissionDenied,
    ReasonRequired,
    StaleRecord,
    ValidationFailed,
)
from mederp.core.models import AuditEntry, OutboxEvent
from mederp.inventory import services
from mederp.inventory.errors import (
    ColdLocationNeedsRange,
    LocationCodeTaken,
    TemperatureRangeInvalid,
    WarehouseCodeTaken,
    WarehouseInactive,
)
from mederp.inventory.models import Location, Warehouse

pytestmark = pytest.mark.django_db

TABLES = (Warehouse, Location)
D = Decimal


def events(event_type: str) -> list[OutboxEvent]:
    return list(OutboxEvent.objects.filter(event_type=event_type).order_by("id"))


def audit_of(instance) -> list[AuditEntry]:
    return list(
        AuditEntry.objects.filter(
            record_type=instance._meta.label_lower, record_id=str(instance.pk)
        ).order_by("id")
    )


# Warehouses


def test_creating_a_warehouse_writes_record_audit_and_event(admin):
    w = services.create_warehouse(
        admin, code=" sz01 ", name_zh=" 苏州仓 ", name_en="Suzhou", address="苏州"
    )
    assert (w.code, w.name_zh, w.is_active, w.version) == ("SZ01", "苏州仓", True, 1)
    [entry] = audit_of(w)
    assert entry.action == "create" and "admin" in entry.actor_name
    assert json.loads(entry.changes)["code"] == [None, "SZ01"]
    [event] = events("inventory.warehouse.created")
    assert (event.aggregate_type, event.aggregate_id) == ("inventory.warehouse", str(w.pk))
    assert event.payload == {
        "id": w.pk,
        "code": "SZ01",
        "name_zh": "苏州仓",
        "name_en": "Suzhou",
        "address": "苏州",
        "is_active": True,
    }


def test_english_name_and_address_are_optional(admin):
    w = services.create_warehouse(admin, code="WH2", name_zh="二号仓")
    assert (w.name_en, w.address) == ("", "")


def test_a_taken_warehouse_code_is_refused_whatever_its_case(admin, warehouse, unchanged):
    with unchanged(*TABLES), pytest.raises(WarehouseCodeTaken) as exc:
        services.create_warehouse(admin, code="sz01", name_zh="另一个")
    assert exc.value.code == "inventory.warehouse_code_taken" and exc.value.http_status == 409


@pytest.mark.parametrize("code", ["", "SZ 01", "仓库", "-SZ", "X" * 17])
def test_a_malformed_warehouse_code_is_refused(admin, unchanged, code):
    with unchanged(*TABLES), pytest.raises(ValidationFailed) as exc:
        services.create_warehouse(admin, code=code, name_zh="仓")
    assert "code" in exc.value.details["fields"]


def test_changing_a_warehouse_needs_a_reason(admin, warehouse, unchanged):
    with unchanged(*TABLES), pytest.raises(ReasonRequired):
        services.change_warehouse(admin, warehouse.pk, reason=" ", name_en="Suzhou DC")
    warehouse.refresh_from_db()
    assert (warehouse.name_en, warehouse.version) == ("Suzhou warehouse", 1)


def test_a_change_is_audited_with_old_new_and_reason_and_emits_an_event(admin, warehouse):
    w = services.change_warehouse(
        admin, warehouse.pk, reason="renamed", expected_version=1, name_en="Suzhou DC"
    )
    assert w.version == 2
    entry = audit_of(w)[-1]
    assert entry.action == "update" and entry.reason == "renamed"
    assert json.loads(entry.changes)["name_en"] == ["Suzhou warehouse", "Suzhou DC"]
    [event] = events("inventory.warehouse.changed")
    assert event.payload["changed"] == ["name_en", "version"]
    assert event.aggregate_seq == 2


def test_deactivating_a_warehouse_is_a_change_with_a_reason(admin, warehouse):
    w = services.change_warehouse(admin, warehouse.pk, reason="site closed", is_active=False)
    assert w.is_active is False
    entry = audit_of(w)[-1]
    assert json.loads(entry.changes)["is_active"] == [True, False]
    assert entry.reason == "site closed"


def test_a_change_that_changes_nothing_writes_nothing(admin, warehouse, unchanged):
    with unchanged(*TABLES):
        w = services.change_warehouse(
            admin, warehouse.pk, reason="", code="sz01", name_zh="苏州仓 "
        )
    assert w.version == 1


def test_a_change_from_a_stale_copy_is_refused(admin, warehouse, unchanged):
    services.change_warehouse(admin, warehouse.pk, reason="first", name_en="A")
    with unchanged(*TABLES), pytest.raises(StaleRecord) as exc:
        services.change_warehouse(
            admin, warehouse.pk, reason="second", expected_version=1, name_en="B"
        )
    assert exc.value.http_status == 409


def test_a_warehouse_cannot_take_another_ones_code(admin, warehouse, unchanged):
    other = services.create_warehouse(admin, code="WH2", name_zh="二号仓")
    with unchanged(*TABLES), pytest.raises(WarehouseCodeTaken):
        services.change_warehouse(admin, other.pk, reason="typo", code="SZ01")


@pytest.mark.parametrize(
    "changes,field",
    [
        ({"colour": "red"}, "colour"),
        ({"version": 7}, "version"),
        ({"name_zh": None}, "name_zh"),
        ({"code": 5}, "code"),
        ({"is_active": None}, "is_active"),
        ({"name_zh": ""}, "name_zh"),
    ],
)
def test_unknown_fields_and_wrong_values_in_a_warehouse_change_are_refused(
    admin, warehouse, unchanged, changes, field
):
    with unchanged(*TABLES), pytest.raises(ValidationFailed) as exc:
        services.change_warehouse(admin, warehouse.pk, reason="x", **changes)
    assert field in exc.value.details["fields"]


def test_changing_an_unknown_warehouse_is_not_found(admin, unchanged):
    with unchanged(*TABLES), pytest.raises(NotFound):
        services.change_warehouse(admin, 999999, reason="x", name_en="A")


# Locations


def test_creating_a_location_is_audited_and_emitted_on_its_warehouse(admin, warehouse):
    loc = services.create_location(
        admin,
        warehouse.pk,
        code="cold-1",
        name="冷库",
        name_en="Cold room",
        kind="cold",
        temp_min_c=2,
        temp_max_c="8",
    )
    assert (loc.code, loc.temp_min_c, loc.temp_max_c) == ("COLD-1", D("2.0"), D("8.0"))
    [entry] = audit_of(loc)
    assert entry.record_type == "inventory.location" and entry.action == "create"
    assert json.loads(entry.changes)["temp_max_c"] == [None, "8.0"]
    [event] = events("inventory.location.created")
    assert (event.aggregate_type, event.aggregate_id) == ("inventory.warehouse", str(warehouse.pk))
    assert event.aggregate_seq == 2  # after the warehouse's own created event
    assert event.payload["id"] == loc.pk and event.payload["kind"] == "cold"
    assert event.payload["temp_min_c"] == "2.0" and event.payload["is_virtual"] is False


@pytest.mark.parametrize(
    "kind,zh,en,virtual",
    [
        ("storage", "合格品区", "Released storage", False),
        ("cold", "冷库", "Cold storage", False),
        ("quarantine", "待验区", "Quarantine", False),
        ("rejected", "不合格品区", "Rejected", False),
        ("returns", "退货区", "Returns", False),
        ("supplier", "供应商", "Supplier (in transit)", True),
        ("customer", "客户", "Customer (in transit)", True),
        ("production", "生产", "Production", False),
        ("scrap", "报废", "Scrap", False),
    ],
)
def test_every_kind_has_bilingual_names_and_only_partner_kinds_are_virtual(
    admin, warehouse, kind, zh, en, virtual
):
    temps = {"temp_min_c": D("2"), "temp_max_c": D("8")} if kind == "cold" else {}
    loc = services.create_location(admin, warehouse.pk, code=kind, name=zh, kind=kind, **temps)
    assert loc.is_virtual is virtual
    with translation.override("zh-hans"):  # the names do not follow the UI language
        assert (loc.kind_name_zh, loc.kind_name_en) == (zh, en)


def test_the_same_location_code_may_exist_in_two_warehouses(admin, warehouse, quarantine):
    other = services.create_warehouse(admin, code="WH2", name_zh="二号仓")
    loc = services.create_location(admin, other.pk, code="qua", name="待验区", kind="quarantine")
    assert loc.code == quarantine.code == "QUA"


def test_a_taken_location_code_in_the_warehouse_is_refused(admin, warehouse, quarantine, unchanged):
    with unchanged(*TABLES), pytest.raises(LocationCodeTaken) as exc:
        services.create_location(admin, warehouse.pk, code="qua", name="又一个", kind="storage")
    assert exc.value.code == "inventory.location_code_taken" and exc.value.http_status == 409


@pytest.mark.parametrize("low,high", [(None, None), (D("2"), None), (None, D("8"))])
def test_a_cold_location_without_its_range_is_refused(admin, warehouse, unchanged, low, high):
    with unchanged(*TABLES), pytest.raises(ColdLocationNeedsRange) as exc:
        services.create_location(
            admin, warehouse.pk, code="C", name="冷库", kind="cold", temp_min_c=low, temp_max_c=high
        )
    assert exc.value.code == "inventory.cold_location_needs_range"


@pytest.mark.parametrize("kind", ["cold", "storage"])
def test_a_range_with_min_above_max_is_refused(admin, warehouse, unchanged, kind):
    with unchanged(*TABLES), pytest.raises(TemperatureRangeInvalid) as exc:
        services.create_location(
            admin,
            warehouse.pk,
            code="C",
            name="区",
            kind=kind,
            temp_min_c=D("8"),
            temp_max_c=D("2"),
        )
    assert exc.value.code == "inventory.temperature_range_invalid"


def test_a_storage_location_may_state_an_open_range(admin, warehouse):
    loc = services.create_location(
        admin, warehouse.pk, code="STO", name="合格品区", kind="storage", temp_max_c=D("25")
    )
    assert (loc.temp_min_c, loc.temp_max_c, loc.temperature_range) == (None, D("25.0"), "≤ 25 °C")


@pytest.mark.parametrize(
    "fields,field",
    [
        ({"kind": "freezer"}, "kind"),
        ({"kind": "storage", "temp_min_c": 2.5}, "temp_min_c"),  # a float never touches a quantity
        ({"kind": "storage", "temp_min_c": D("2.25")}, "temp_min_c"),
        ({"kind": "storage", "temp_max_c": "warm"}, "temp_max_c"),
        ({"kind": "storage", "temp_max_c": "NaN"}, "temp_max_c"),
        ({"kind": "storage", "temp_min_c": D("-300")}, "temp_min_c"),
        ({"kind": "storage", "temp_max_c": D("10000")}, "temp_max_c"),
        ({"kind": "storage", "temp_max_c": True}, "temp_max_c"),
        ({"kind": "storage", "name": ""}, "name"),
        ({"kind": "storage", "code": "A 1"}, "code"),
    ],
)
def test_bad_location_fields_are_refused(admin, warehouse, unchanged, fields, field):
    args = {"code": "A1", "name": "区", **fields}
    with unchanged(*TABLES), pytest.raises(ValidationFailed) as exc:
        services.create_location(admin, warehouse.pk, **args)
    assert exc.value.code == "validation_failed"
    assert field in exc.value.details["fields"]


def test_an_inactive_warehouse_takes_no_new_locations(admin, warehouse, unchanged):
    services.change_warehouse(admin, warehouse.pk, reason="closed", is_active=False)
    with unchanged(*TABLES), pytest.raises(WarehouseInactive) as exc:
        services.create_location(admin, warehouse.pk, code="A1", name="区", kind="storage")
    assert exc.value.code == "inventory.warehouse_inactive"


def test_a_location_in_an_unknown_warehouse_is_not_found(admin, unchanged):
    with unchanged(*TABLES), pytest.raises(NotFound):
        services.create_location(admin, 999999, code="A1", name="区", kind="storage")


def test_changing_a_location_is_audited_and_emitted_on_its_warehouse(admin, warehouse, cold_room):
    loc = services.change_location(
        admin, cold_room.pk, reason="recalibrated", expected_version=1, temp_max_c=D("6")
    )
    assert (loc.temp_max_c, loc.version) == (D("6.0"), 2)
    entry = audit_of(loc)[-1]
    assert json.loads(entry.changes)["temp_max_c"] == ["8.0", "6.0"]
    assert entry.reason == "recalibrated"
    [event] = events("inventory.location.changed")
    assert (event.aggregate_type, event.aggregate_id) == ("inventory.warehouse", str(warehouse.pk))
    assert event.payload["changed"] == ["temp_max_c", "version"]
    assert event.aggregate_seq == 3


def test_a_location_change_needs_a_reason(admin, cold_room, unchanged):
    with unchanged(*TABLES), pytest.raises(ReasonRequired):
        services.change_location(admin, cold_room.pk, reason="", name_en="Cold")


def test_the_same_temperature_written_differently_is_no_change(admin, cold_room, unchanged):
    with unchanged(*TABLES):
        loc = services.change_location(
            admin, cold_room.pk, reason="", temp_min_c="2.00", temp_max_c=8
        )
    assert loc.version == 1


def test_a_partial_change_is_checked_against_the_stored_bound(admin, cold_room, unchanged):
    with unchanged(*TABLES), pytest.raises(TemperatureRangeInvalid):
        services.change_location(admin, cold_room.pk, reason="x", temp_min_c=D("10"))


def test_a_cold_room_cannot_lose_its_range(admin, cold_room, unchanged):
    with unchanged(*TABLES), pytest.raises(ColdLocationNeedsRange):
        services.change_location(admin, cold_room.pk, reason="x", temp_max_c=None)


def test_a_zone_turned_cold_needs_a_range(admin, quarantine, unchanged):
    with unchanged(*TABLES), pytest.raises(ColdLocationNeedsRange):
        services.change_location(admin, quarantine.pk, reason="x", kind="cold")
    loc = services.change_location(
        admin, quarantine.pk, reason="now a cold room", kind="cold", temp_min_c=2, temp_max_c=8
    )
    assert loc.kind == "cold"


def test_deactivating_a_location_is_a_change_with_a_reason(admin, quarantine):
    loc = services.change_location(admin, quarantine.pk, reason="zone merged", is_active=False)
    assert loc.is_active is False and loc.version == 2
    assert audit_of(loc)[-1].reason == "zone merged"


def test_a_location_cannot_take_a_code_taken_in_its_warehouse(
    admin, cold_room, quarantine, unchanged
):
    with unchanged(*TABLES), pytest.raises(LocationCodeTaken):
        services.change_location(admin, quarantine.pk, reason="x", code="cold")


@pytest.mark.parametrize(
    "changes,field",
    [
        ({"warehouse": 2}, "warehouse"),
        ({"warehouse_id": 2}, "warehouse_id"),
        ({"colour": "red"}, "colour"),
        ({"kind": "freezer"}, "kind"),
        ({"kind": None}, "kind"),
        ({"code": None}, "code"),
        ({"name_en": None}, "name_en"),
        ({"temp_min_c": 1.5}, "temp_min_c"),
    ],
)
def test_unknown_fields_and_wrong_values_in_a_location_change_are_refused(
    admin, quarantine, unchanged, changes, field
):
    with unchanged(*TABLES), pytest.raises(ValidationFailed) as exc:
        services.change_location(admin, quarantine.pk, reason="x", **changes)
    assert field in exc.value.details["fields"]


def test_a_stale_location_change_is_refused(admin, quarantine, unchanged):
    services.change_location(admin, quarantine.pk, reason="first", name_en="Q")
    with unchanged(*TABLES), pytest.raises(StaleRecord):
        services.change_location(
            admin, quarantine.pk, reason="second", expected_version=1, name_en="QQ"
        )


def test_changing_an_unknown_location_is_not_found(admin, unchanged):
    with unchanged(*TABLES), pytest.raises(NotFound):
        services.change_location(admin, 999999, reason="x", name_en="A")


# Permissions (AC-03: the service refuses even when a page or endpoint would not)


def test_production_may_not_create_or_change_warehouses_or_locations(
    make_user, warehouse, quarantine, unchanged
):
    prod = Actor.for_user(make_user("prod", "production"))
    with unchanged(*TABLES):
        for call in (
            lambda: services.create_warehouse(prod, code="WH9", name_zh="仓"),
            lambda: services.change_warehouse(prod, warehouse.pk, reason="x", name_en="A"),
            lambda: services.create_location(
                prod, warehouse.pk, code="A", name="区", kind="storage"
            ),
            lambda: services.change_location(prod, quarantine.pk, reason="x", name_en="A"),
        ):
            with pytest.raises(PermissionDenied):
                call()


def test_the_warehouse_role_may_create_and_change_them(make_user):
    wh = Actor.for_user(make_user("wh", "warehouse"))
    w = services.create_warehouse(wh, code="WH9", name_zh="仓")
    loc = services.create_location(wh, w.pk, code="A", name="区", kind="storage")
    services.change_location(wh, loc.pk, reason="named", name_en="Area A")
    assert services.change_warehouse(wh, w.pk, reason="named", name_en="WH 9").version == 2


# The database as a backstop behind the service (defence in depth)


def test_the_database_refuses_an_inverted_range_even_past_the_service(warehouse):
    with pytest.raises(IntegrityError), transaction.atomic():
        Location.objects.create(
            warehouse=warehouse,
            code="X",
            name="x",
            kind="storage",
            temp_min_c=D("8"),
            temp_max_c=D("2"),
        )


def test_the_database_refuses_a_cold_room_without_range_even_past_the_service(warehouse):
    with pytest.raises(IntegrityError), transaction.atomic():
        Location.objects.create(warehouse=warehouse, code="X", name="x", kind="cold")


def test_the_database_refuses_a_duplicate_location_code_even_past_the_service(quarantine):
    with pytest.raises(IntegrityError), transaction.atomic():
        Location.objects.create(
            warehouse=quarantine.warehouse, code="QUA", name="x", kind="storage"
        )


def test_a_warehouse_with_locations_cannot_be_deleted(warehouse, quarantine):
    from django.db.models import ProtectedError

    with pytest.raises(ProtectedError):
        warehouse.delete()


@pytest.mark.parametrize("creating", [True, False])
def test_a_code_taken_by_a_concurrent_request_is_refused_not_a_crash(
    admin, warehouse, unchanged, monkeypatch, creating
):
    """The race the duplicate check cannot see: another transaction inserted the code after the
    check. The unique index refuses the insert and the service answers as for any duplicate."""
    from django.db.models import QuerySet

    other = None if creating else services.create_warehouse(admin, code="WH2", name_zh="二号仓")
    monkeypatch.setattr(QuerySet, "exists", lambda self: False)  # the check misses the row
    with unchanged(*TABLES), pytest.raises(WarehouseCodeTaken):
        if other is None:
            services.create_warehouse(admin, code="SZ01", name_zh="另一个")
        else:
            services.change_warehouse(admin, other.pk, reason="x", code="SZ01")
