"""Inventory endpoints: schemas in, a service call, schemas out.

No ``from __future__ import annotations`` in api modules: django-ninja resolves handler
annotations through the permission wrapper, which needs real types.
"""

from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Router, Schema
from pydantic import Field

from mederp.core.actors import Actor
from mederp.core.apiperms import require_perm
from mederp.core.idempotency import run_idempotent
from mederp.core.schemas import ERRORS, StrictIn
from mederp.inventory import selectors, services
from mederp.inventory.models import Location, LocationKind, Warehouse

router = Router(tags=["inventory"])


class WarehouseIn(StrictIn):
    code: str = Field(min_length=1, max_length=16)
    name_zh: str = Field(min_length=1, max_length=100)
    name_en: str = Field(default="", max_length=100)
    address: str = Field(default="", max_length=300)


class WarehousePatch(StrictIn):
    reason: str = Field(min_length=1, max_length=2000)
    expected_version: int | None = None
    code: str | None = Field(default=None, min_length=1, max_length=16)
    name_zh: str | None = Field(default=None, min_length=1, max_length=100)
    name_en: str | None = Field(default=None, max_length=100)
    address: str | None = Field(default=None, max_length=300)
    is_active: bool | None = None


class LocationIn(StrictIn):
    code: str = Field(min_length=1, max_length=32)
    name: str = Field(min_length=1, max_length=100)
    kind: LocationKind
    name_en: str = Field(default="", max_length=100)
    temp_min_c: Decimal | None = Field(default=None, description="°C; required for kind cold")
    temp_max_c: Decimal | None = Field(default=None, description="°C; required for kind cold")


class LocationPatch(StrictIn):
    reason: str = Field(min_length=1, max_length=2000)
    expected_version: int | None = None
    code: str | None = Field(default=None, min_length=1, max_length=32)
    name: str | None = Field(default=None, min_length=1, max_length=100)
    name_en: str | None = Field(default=None, max_length=100)
    kind: LocationKind | None = None
    temp_min_c: Decimal | None = None
    temp_max_c: Decimal | None = None
    is_active: bool | None = None


class WarehouseOut(Schema):
    id: int
    code: str
    name_zh: str
    name_en: str
    address: str
    is_active: bool
    version: int


class LocationOut(Schema):
    id: int
    warehouse_id: int
    code: str
    name: str
    name_en: str
    kind: str
    kind_name_zh: str
    kind_name_en: str
    is_virtual: bool
    temp_min_c: Decimal | None
    temp_max_c: Decimal | None
    is_active: bool
    version: int


class WarehouseDetailOut(WarehouseOut):
    locations: list[LocationOut]


@router.get("/warehouses", response={200: list[WarehouseOut], **ERRORS})
@require_perm("inventory.view_warehouse")
def list_warehouses(request: HttpRequest) -> Any:
    return list(Warehouse.objects.all())


@router.post("/warehouses", response={201: WarehouseOut, **ERRORS})
@require_perm("inventory.add_warehouse")
def create_warehouse(request: HttpRequest, payload: WarehouseIn) -> Any:
    def execute() -> tuple[int, Any]:
        warehouse = services.create_warehouse(Actor.from_request(request), **payload.model_dump())
        return 201, WarehouseOut.from_orm(warehouse).model_dump(mode="json")

    return run_idempotent(request, payload.model_dump(mode="json"), execute)


@router.get("/warehouses/{warehouse_id}", response={200: WarehouseDetailOut, **ERRORS})
@require_perm("inventory.view_warehouse", "inventory.view_location")
def get_warehouse(request: HttpRequest, warehouse_id: int) -> Any:
    return get_object_or_404(Warehouse, pk=warehouse_id)


@router.patch("/warehouses/{warehouse_id}", response={200: WarehouseOut, **ERRORS})
@require_perm("inventory.change_warehouse")
def change_warehouse(request: HttpRequest, warehouse_id: int, payload: WarehousePatch) -> Any:
    data = payload.model_dump(exclude_unset=True)
    return services.change_warehouse(Actor.from_request(request), warehouse_id, **data)


@router.post("/warehouses/{warehouse_id}/locations", response={201: LocationOut, **ERRORS})
@require_perm("inventory.add_location")
def create_location(request: HttpRequest, warehouse_id: int, payload: LocationIn) -> Any:
    def execute() -> tuple[int, Any]:
        location = services.create_location(
            Actor.from_request(request), warehouse_id, **payload.model_dump()
        )
        return 201, LocationOut.from_orm(location).model_dump(mode="json")

    return run_idempotent(request, payload.model_dump(mode="json"), execute)


@router.get("/locations", response={200: list[LocationOut], **ERRORS})
@require_perm("inventory.view_location")
def list_locations(
    request: HttpRequest, warehouse: int | None = None, kind: LocationKind | None = None
) -> Any:
    return list(selectors.locations(warehouse_id=warehouse, kind=kind))


@router.get("/locations/{location_id}", response={200: LocationOut, **ERRORS})
@require_perm("inventory.view_location")
def get_location(request: HttpRequest, location_id: int) -> Any:
    return get_object_or_404(Location, pk=location_id)


@router.patch("/locations/{location_id}", response={200: LocationOut, **ERRORS})
@require_perm("inventory.change_location")
def change_location(request: HttpRequest, location_id: int, payload: LocationPatch) -> Any:
    data = payload.model_dump(exclude_unset=True)
    return services.change_location(Actor.from_request(request), location_id, **data)


# The stock endpoints live in their own module on this router (imported for its routes).
from mederp.inventory import api_stock as _api_stock  # noqa: E402, F401
