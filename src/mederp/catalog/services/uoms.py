"""Units of measure: create and change (the reference slice every master-data service copies)."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from mederp.catalog import events
from mederp.catalog.errors import UomCodeTaken
from mederp.catalog.locks import lock_uom
from mederp.catalog.models import UnitOfMeasure
from mederp.core import canonical
from mederp.core.actors import Actor
from mederp.core.services import assign, authorize, check_version, created, updated, validate

UOM_FIELDS = ("code", "name_zh", "name_en", "is_active")


def _uom_payload(uom: UnitOfMeasure) -> dict[str, Any]:
    return {
        "id": uom.pk,
        "code": uom.code,
        "name_zh": uom.name_zh,
        "name_en": uom.name_en,
        "is_active": uom.is_active,
    }


@transaction.atomic
def create_uom(actor: Actor, *, code: str, name_zh: str, name_en: str) -> UnitOfMeasure:
    authorize(actor, "catalog.add_unitofmeasure")
    uom = UnitOfMeasure(code=code.strip().upper(), name_zh=name_zh.strip(), name_en=name_en.strip())
    validate(uom)
    if UnitOfMeasure.objects.filter(code=uom.code).exists():
        raise UomCodeTaken(value=uom.code)
    uom.save()
    created(actor, uom, events.UOM_CREATED, _uom_payload(uom))
    return uom


@transaction.atomic
def change_uom(
    actor: Actor,
    uom_id: int,
    *,
    reason: str,
    expected_version: int | None = None,
    **changes: Any,
) -> UnitOfMeasure:
    authorize(actor, "catalog.change_unitofmeasure")
    uom = lock_uom(uom_id)
    check_version(uom, expected_version)
    before = canonical.snapshot(uom)
    if "code" in changes:
        changes["code"] = str(changes["code"]).strip().upper()
    assign(uom, changes, UOM_FIELDS)
    validate(uom)
    if UnitOfMeasure.objects.filter(code=uom.code).exclude(pk=uom.pk).exists():
        raise UomCodeTaken(value=uom.code)
    if canonical.diff(before, canonical.snapshot(uom)):
        uom.version += 1
        uom.save()
        updated(actor, uom, before, events.UOM_CHANGED, _uom_payload(uom), reason=reason)
    return uom
