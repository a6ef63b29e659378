"""Units of measure endpoints."""

from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Schema
from pydantic import Field

from mederp.catalog import services
from mederp.catalog.api.common import StrictIn, router
from mederp.catalog.models import UnitOfMeasure
from mederp.core.actors import Actor
from mederp.core.apiperms import require_perm
from mederp.core.idempotency import run_idempotent
from mederp.core.schemas import ERRORS


class UomIn(StrictIn):
    code: str = Field(min_length=1, max_length=16)
    name_zh: str = Field(min_length=1, max_length=100)
    name_en: str = Field(min_length=1, max_length=100)


class UomPatch(StrictIn):
    reason: str = Field(min_length=1, max_length=2000)
    expected_version: int | None = None
    code: str | None = Field(default=None, min_length=1, max_length=16)
    name_zh: str | None = Field(default=None, min_length=1, max_length=100)
    name_en: str | None = Field(default=None, min_length=1, max_length=100)
    is_active: bool | None = None


class UomOut(Schema):
    id: int
    code: str
    name_zh: str
    name_en: str
    is_active: bool
    version: int


@router.get("/uoms", response={200: list[UomOut], **ERRORS})
@require_perm("catalog.view_unitofmeasure")
def list_uoms(request: HttpRequest) -> Any:
    return list(UnitOfMeasure.objects.all())


@router.post("/uoms", response={201: UomOut, **ERRORS})
@require_perm("catalog.add_unitofmeasure")
def create_uom(request: HttpRequest, payload: UomIn) -> Any:
    def execute() -> tuple[int, Any]:
        uom = services.create_uom(Actor.from_request(request), **payload.model_dump())
        return 201, UomOut.from_orm(uom).model_dump(mode="json")

    return run_idempotent(request, payload.model_dump(mode="json"), execute)


@router.get("/uoms/{uom_id}", response={200: UomOut, **ERRORS})
@require_perm("catalog.view_unitofmeasure")
def get_uom(request: HttpRequest, uom_id: int) -> Any:
    return get_object_or_404(UnitOfMeasure, pk=uom_id)


@router.patch("/uoms/{uom_id}", response={200: UomOut, **ERRORS})
@require_perm("catalog.change_unitofmeasure")
def change_uom(request: HttpRequest, uom_id: int, payload: UomPatch) -> Any:
    data = payload.model_dump(exclude_unset=True)
    return services.change_uom(Actor.from_request(request), uom_id, **data)
