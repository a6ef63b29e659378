"""Inventory use cases. The only code that writes inventory tables (invariant 1).

Warehouses and locations are regulated master data: every create and change is audited with
who, when, old and new values (AT-01, AT-02) and every change needs a reason (AT-04); a change
made from a stale copy is refused (``expected_version``). Deactivation is such a change.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from mederp.core import canonical
from mederp.core.actors import Actor
from mederp.core.errors import field_errors
from mederp.core.services import assign, authorize, check_version, created, updated, validate
from mederp.core.temperature import exact_temperature
from mederp.inventory import events, rules
from mederp.inventory.errors import LocationCodeTaken, WarehouseCodeTaken, WarehouseInactive
from mederp.inventory.locks import lock_location, lock_warehouse
from mederp.inventory.models import RANGE_REQUIRED_KINDS, Location, Warehouse

WAREHOUSE_FIELDS = ("code", "name_zh", "name_en", "address", "is_active")
LOCATION_FIELDS = ("code", "name", "name_en", "kind", "temp_min_c", "temp_max_c", "is_active")
_TEXT_FIELDS = frozenset({"code", "name_zh", "name_en", "address", "name", "kind"})
_TEMPERATURE_FIELDS = frozenset({"temp_min_c", "temp_max_c"})


def _text(value: Any, field: str) -> str:
    """Trimmed text; codes upper case. Anything but text is refused, never stringified."""
    if not isinstance(value, str):
        raise field_errors({field: [str(_("Enter text."))]})
    value = value.strip()
    return value.upper() if field == "code" else value


def _normalise(changes: dict[str, Any]) -> dict[str, Any]:
    result = dict(changes)
    for name, value in changes.items():
        if name in _TEXT_FIELDS:
            result[name] = _text(value, name)
        elif name in _TEMPERATURE_FIELDS:
            result[name] = exact_temperature(value, name)
    return result


def _warehouse_payload(warehouse: Warehouse) -> dict[str, Any]:
    return {
        "id": warehouse.pk,
        "code": warehouse.code,
        "name_zh": warehouse.name_zh,
        "name_en": warehouse.name_en,
        "address": warehouse.address,
        "is_active": warehouse.is_active,
    }


def _location_payload(location: Location) -> dict[str, Any]:
    return {
        "id": location.pk,
        "warehouse_id": location.warehouse_id,
        "code": location.code,
        "name": location.name,
        "name_en": location.name_en,
        "kind": location.kind,
        "is_virtual": location.is_virtual,
        "temp_min_c": location.temp_min_c,
        "temp_max_c": location.temp_max_c,
        "is_active": location.is_active,
    }


def _save_warehouse(warehouse: Warehouse) -> None:
    """Save; a concurrent request that took the same code first loses on the unique index and is
    refused like the check above it (invariant 7: never a 500). Locations need no such guard:
    their writers hold the warehouse's lock."""
    try:
        with transaction.atomic():
            warehouse.save()
    except IntegrityError:
        raise WarehouseCodeTaken(value=warehouse.code) from None


def _check_location(location: Location) -> None:
    """The temperature rules first (their coded errors beat the database's constraints), then
    the field checks."""
    rules.check_storage_range(
        range_required=location.kind in RANGE_REQUIRED_KINDS,
        low=location.temp_min_c,
        high=location.temp_max_c,
    )
    validate(location)


@transaction.atomic
def create_warehouse(
    actor: Actor, *, code: str, name_zh: str, name_en: str = "", address: str = ""
) -> Warehouse:
    authorize(actor, "inventory.add_warehouse")
    warehouse = Warehouse(
        **_normalise({"code": code, "name_zh": name_zh, "name_en": name_en, "address": address})
    )
    validate(warehouse)
    if Warehouse.objects.filter(code=warehouse.code).exists():
        raise WarehouseCodeTaken(value=warehouse.code)
    _save_warehouse(warehouse)
    created(actor, warehouse, events.WAREHOUSE_CREATED, _warehouse_payload(warehouse))
    return warehouse


@transaction.atomic
def change_warehouse(
    actor: Actor,
    warehouse_id: int,
    *,
    reason: str,
    expected_version: int | None = None,
    **changes: Any,
) -> Warehouse:
    """Change or deactivate (``is_active=False``) a warehouse; AT-04 needs the reason."""
    authorize(actor, "inventory.change_warehouse")
    warehouse = lock_warehouse(warehouse_id)
    check_version(warehouse, expected_version)
    before = canonical.snapshot(warehouse)
    assign(warehouse, _normalise(changes), WAREHOUSE_FIELDS)
    validate(warehouse)
    if Warehouse.objects.filter(code=warehouse.code).exclude(pk=warehouse.pk).exists():
        raise WarehouseCodeTaken(value=warehouse.code)
    if canonical.diff(before, canonical.snapshot(warehouse)):
        warehouse.version += 1
        _save_warehouse(warehouse)
        updated(
            actor,
            warehouse,
            before,
            events.WAREHOUSE_CHANGED,
            _warehouse_payload(warehouse),
            reason=reason,
        )
    return warehouse


@transaction.atomic
def create_location(
    actor: Actor,
    warehouse_id: int,
    *,
    code: str,
    name: str,
    kind: str,
    name_en: str = "",
    temp_min_c: Decimal | None = None,
    temp_max_c: Decimal | None = None,
) -> Location:
    """Add a zone to an active warehouse; a cold room must state its range (CN-14, TR-09)."""
    authorize(actor, "inventory.add_location")
    warehouse = lock_warehouse(warehouse_id)
    if not warehouse.is_active:
        raise WarehouseInactive(warehouse=warehouse.code)
    location = Location(
        warehouse=warehouse,
        **_normalise(
            {
                "code": code,
                "name": name,
                "name_en": name_en,
                "kind": kind,
                "temp_min_c": temp_min_c,
                "temp_max_c": temp_max_c,
            }
        ),
    )
    _check_location(location)
    if Location.objects.filter(warehouse=warehouse, code=location.code).exists():
        raise LocationCodeTaken(warehouse=warehouse.code, value=location.code)
    location.save()
    created(
        actor, location, events.LOCATION_CREATED, _location_payload(location), aggregate=warehouse
    )
    return location


@transaction.atomic
def change_location(
    actor: Actor,
    location_id: int,
    *,
    reason: str,
    expected_version: int | None = None,
    **changes: Any,
) -> Location:
    """Change or deactivate a location. Its warehouse is fixed: stock history points at it.

    The rules apply to the result, so a partial change (only ``temp_min_c``) is checked against
    the stored other bound, and turning a zone into a cold room needs its range.
    """
    authorize(actor, "inventory.change_location")
    warehouse, location = lock_location(location_id)
    check_version(location, expected_version)
    before = canonical.snapshot(location)
    assign(location, _normalise(changes), LOCATION_FIELDS)
    _check_location(location)
    taken = Location.objects.filter(warehouse=warehouse, code=location.code)
    if taken.exclude(pk=location.pk).exists():
        raise LocationCodeTaken(warehouse=warehouse.code, value=location.code)
    if canonical.diff(before, canonical.snapshot(location)):
        location.version += 1
        location.save()
        updated(
            actor,
            location,
            before,
            events.LOCATION_CHANGED,
            _location_payload(location),
            reason=reason,
            aggregate=warehouse,
        )
    return location
