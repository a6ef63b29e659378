"""Bills of materials: draft a version, edit its components while it is a draft, and set the
day it takes effect (ISO 13485 §7.5.1, §4.2.4; 21 CFR 820.181; CM-01, CM-02).

A version is never edited once approved (``catalog.bom_not_draft``): a change is a new version,
made by copying an earlier one (``create_bom(copy_from_id=...)``) and editing the copy; the
history keeps every version. Approval and retirement are signed (:mod:`.bom_approval`).

Each line's rules are judged when it is written and again at approval (a component's unit or
the product structure may change in between): a component appears once, is not the finished
device itself nor contains it through approved BOMs at any depth (``catalog.bom_cycle``), is
counted in its own unit (no conversions yet) and in an exact quantity greater than zero
(whole for serial-tracked parts).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from mederp.catalog import bom_approval, bom_rules, bom_selectors, events, selectors
from mederp.catalog.errors import (
    BomComponentDuplicate,
    BomCopySourceInvalid,
    BomNotDraft,
    BomProductUnknown,
    BomQuantityInvalid,
    BomQuantityNotPositive,
    UomUnknown,
)
from mederp.catalog.locks import lock_bom, lock_bom_component, lock_product
from mederp.catalog.models import BillOfMaterials, BomComponent, BomState, Product, UnitOfMeasure
from mederp.core import audit, canonical, clock, outbox
from mederp.core.actors import Actor
from mederp.core.errors import ReasonRequired, field_errors
from mederp.core.services import authorize, check_version, created, updated, validate

ADD_PERMISSION = "catalog.add_billofmaterials"
CHANGE_PERMISSION = "catalog.change_billofmaterials"
BOM_FIELDS = ("effective_from", "notes")
LINE_FIELDS = ("component_id", "quantity_per_unit", "uom_id", "notes")


def component_payload(line: BomComponent) -> dict[str, Any]:
    return {
        "id": line.pk,
        "bom_id": line.bom_id,
        "line_no": line.line_no,
        "component_id": line.component_id,
        "component_code": line.component.code,
        "quantity_per_unit": bom_rules.quantity_text(line.quantity_per_unit),
        "uom_id": line.uom_id,
        "uom_code": line.uom.code,
        "notes": line.notes,
    }


def bom_payload(bom: BillOfMaterials) -> dict[str, Any]:
    lines = BomComponent.objects.filter(bom_id=bom.pk).select_related("component", "uom")
    return {
        "id": bom.pk,
        "product_id": bom.product_id,
        "product_code": bom.product.code,
        "revision": bom.revision,
        "state": bom.state,
        "effective_from": bom.effective_from,
        "notes": bom.notes,
        "components": [component_payload(line) for line in lines.order_by("line_no")],
    }


# --- input ------------------------------------------------------------------------------------


def _product(value: Any, field: str) -> Product:
    found = None
    if isinstance(value, Product):
        value = value.pk
    if isinstance(value, int) and not isinstance(value, bool):
        found = Product.objects.select_related("uom").filter(pk=value).first()
    if found is None:
        raise BomProductUnknown(value=str(value), field=field)
    return found


def _uom(value: Any, component: Product) -> UnitOfMeasure:
    """The line's unit: the component's own when none is given (there are no conversions)."""
    if value is None:
        return component.uom
    if isinstance(value, UnitOfMeasure):
        value = value.pk
    found = None
    if isinstance(value, int) and not isinstance(value, bool):
        found = UnitOfMeasure.objects.filter(pk=value).first()
    elif isinstance(value, str) and value.strip():
        found = UnitOfMeasure.objects.filter(code=value.strip().upper()).first()
    if found is None:
        raise UomUnknown(value=str(value), field="uom_id")
    return found


def _quantity(value: Any) -> Decimal:
    quantity = bom_rules.parse_quantity(value)
    if quantity is None:
        raise BomQuantityInvalid(value=str(value), field="quantity_per_unit")
    if quantity <= 0:
        raise BomQuantityNotPositive(value=str(value), field="quantity_per_unit")
    return quantity.quantize(bom_rules.QUANTITY_SCALE)


def _effective_from(value: Any, bom: BillOfMaterials | None, product: Product) -> dt.date | None:
    if value is None:
        return None
    if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
        raise field_errors({"effective_from": [_("Enter a date.")]})
    probe = bom or BillOfMaterials(product=product)
    problems = bom_selectors.effective_date_problems(probe, value, selectors.business_date())
    if problems:
        raise problems[0]
    return value


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ReasonRequired(field="reason")
    return reason


def _editable(bom: BillOfMaterials) -> None:
    if bom.state != BomState.DRAFT:
        raise BomNotDraft(bom=str(bom), state=str(bom.get_state_display()))


def _check_line(bom: BillOfMaterials, line: BomComponent) -> None:
    """The line's rules (raises the first refusal); a component appears once per version."""
    other = (
        BomComponent.objects.filter(bom_id=bom.pk, component_id=line.component_id)
        .exclude(pk=line.pk)
        .values_list("line_no", flat=True)
        .first()
    )
    if other is not None:
        raise BomComponentDuplicate(
            component=line.component.code, line=other, bom=str(bom), field="component_id"
        )
    problems = bom_selectors.component_problems(bom.product, line)
    if problems:
        raise problems[0]
    validate(line, exclude=["bom"])


def _touch(bom: BillOfMaterials) -> None:
    """A line changed: the version's counter moves on (optimistic locking of the whole)."""
    bom.version += 1
    bom.save(update_fields=["version"])


# --- versions ---------------------------------------------------------------------------------


@transaction.atomic
def create_bom(
    actor: Actor,
    *,
    product_id: int,
    effective_from: dt.date | None = None,
    notes: str = "",
    copy_from_id: int | None = None,
) -> BillOfMaterials:
    """A new draft version of ``product_id``'s bill of materials, numbered after the last one.

    ``copy_from_id`` copies the components of an earlier version of the same product: that is
    how an approved bill of materials is changed (CM-01, CM-02: the old version stays as it was
    signed). Refused for a product that is not a lot- or serial-tracked device."""
    authorize(actor, ADD_PERMISSION)
    product = _product(product_id, "product_id")
    lock_product(product.pk)
    problems = bom_selectors.product_problems(product)
    if problems:
        raise problems[0]
    source = None
    if copy_from_id is not None:
        source = BillOfMaterials.objects.filter(pk=copy_from_id).first()
        if source is None or source.product_id != product.pk:
            raise BomCopySourceInvalid(
                product=product.code,
                source=str(source) if source is not None else str(copy_from_id),
                field="copy_from_id",
            )
    existing = BillOfMaterials.objects.filter(product_id=product.pk).values_list(
        "revision", flat=True
    )
    bom = BillOfMaterials(
        product=product,
        revision=bom_rules.next_revision(existing),
        effective_from=_effective_from(effective_from, None, product),
        notes=(notes or "").strip(),
        created_at=clock.now(),
    )
    validate(bom)
    bom.save()
    audit.record_create(actor, bom)
    if source is not None:
        for old in BomComponent.objects.filter(bom_id=source.pk).order_by("line_no"):
            line = BomComponent.objects.create(
                bom=bom,
                line_no=old.line_no,
                component_id=old.component_id,
                quantity_per_unit=old.quantity_per_unit,
                uom_id=old.uom_id,
                notes=old.notes,
            )
            audit.record_create(actor, line)
    outbox.emit(
        actor,
        events.BOM_CREATED,
        aggregate_type=bom_approval.BOM,
        aggregate_id=bom.pk,
        payload={**bom_payload(bom), "copied_from_id": source.pk if source else None},
    )
    return bom


@transaction.atomic
def change_bom(
    actor: Actor,
    bom_id: int,
    *,
    reason: str,
    expected_version: int | None = None,
    **changes: Any,
) -> BillOfMaterials:
    """Change a draft's effective date or notes (AT-04: a reason). An effective date is today
    or later, and not a day another approved version of the product already takes effect."""
    authorize(actor, CHANGE_PERMISSION)
    unknown = sorted(set(changes) - set(BOM_FIELDS))
    if unknown:
        raise field_errors({k: [_("Unknown field.")] for k in unknown})
    reason = _reason(reason)
    bom = lock_bom(bom_id)
    check_version(bom, expected_version)
    _editable(bom)
    before = canonical.snapshot(bom)
    if "effective_from" in changes:
        bom.effective_from = _effective_from(changes["effective_from"], bom, bom.product)
    if "notes" in changes:
        bom.notes = str(changes["notes"] or "").strip()
    if canonical.diff(before, canonical.snapshot(bom)):
        bom.version += 1
        bom.save()
        updated(actor, bom, before, events.BOM_CHANGED, bom_payload(bom), reason=reason)
    return bom


def set_effective_from(
    actor: Actor,
    bom_id: int,
    *,
    effective_from: dt.date | None,
    reason: str,
    expected_version: int | None = None,
) -> BillOfMaterials:
    """Set (or clear, with None) the day a draft will take effect once approved."""
    return change_bom(
        actor,
        bom_id,
        reason=reason,
        expected_version=expected_version,
        effective_from=effective_from,
    )


# --- components -------------------------------------------------------------------------------


@transaction.atomic
def add_component(
    actor: Actor,
    bom_id: int,
    *,
    component_id: int,
    quantity_per_unit: Any,
    uom_id: int | str | None = None,
    notes: str = "",
) -> BomComponent:
    """Add ``quantity_per_unit`` of ``component_id`` per unit of the device to a draft.

    The unit defaults to the component's own and must be it (no conversions yet); the quantity
    is exact text or an integer, greater than zero."""
    authorize(actor, CHANGE_PERMISSION)
    bom = lock_bom(bom_id)
    _editable(bom)
    component = _product(component_id, "component_id")
    last = (
        BomComponent.objects.filter(bom_id=bom.pk)
        .order_by("-line_no")
        .values_list("line_no", flat=True)
        .first()
    )
    line = BomComponent(
        bom=bom,
        line_no=(last or 0) + 1,
        component=component,
        quantity_per_unit=_quantity(quantity_per_unit),
        uom=_uom(uom_id, component),
        notes=(notes or "").strip(),
    )
    _check_line(bom, line)
    line.save()
    _touch(bom)
    created(actor, line, events.BOM_COMPONENT_ADDED, component_payload(line), aggregate=bom)
    return line


@transaction.atomic
def change_component(
    actor: Actor,
    line_id: int,
    *,
    reason: str,
    expected_version: int | None = None,
    **changes: Any,
) -> BomComponent:
    """Change a draft line's component, quantity per unit, unit or notes (AT-04: a reason).

    A new component without a unit takes that component's unit."""
    authorize(actor, CHANGE_PERMISSION)
    unknown = sorted(set(changes) - set(LINE_FIELDS))
    if unknown:
        raise field_errors({k: [_("Unknown field.")] for k in unknown})
    reason = _reason(reason)
    bom, line = lock_bom_component(line_id)
    check_version(line, expected_version)
    _editable(bom)
    before = canonical.snapshot(line)
    if "component_id" in changes:
        component = _product(changes["component_id"], "component_id")
        if component.pk != line.component_id and "uom_id" not in changes:
            line.uom = component.uom
        line.component = component
    if "quantity_per_unit" in changes:
        line.quantity_per_unit = _quantity(changes["quantity_per_unit"])
    if "uom_id" in changes:
        line.uom = _uom(changes["uom_id"], line.component)
    if "notes" in changes:
        line.notes = str(changes["notes"] or "").strip()
    if canonical.diff(before, canonical.snapshot(line)):
        _check_line(bom, line)
        line.version += 1
        line.save()
        _touch(bom)
        updated(
            actor,
            line,
            before,
            events.BOM_COMPONENT_CHANGED,
            component_payload(line),
            reason=reason,
            aggregate=bom,
        )
    return line


@transaction.atomic
def remove_component(actor: Actor, line_id: int, *, reason: str) -> BillOfMaterials:
    """Remove a line from a draft (AT-04: a reason; the audit trail keeps what it was)."""
    authorize(actor, CHANGE_PERMISSION)
    reason = _reason(reason)
    bom, line = lock_bom_component(line_id)
    _editable(bom)
    payload = component_payload(line)
    audit.record(
        actor,
        action=audit.DELETE,
        instance=line,
        changes=canonical.diff(canonical.snapshot(line), {}),
        reason=reason,
    )
    line.delete()
    _touch(bom)
    outbox.emit(
        actor,
        events.BOM_COMPONENT_REMOVED,
        aggregate_type=bom_approval.BOM,
        aggregate_id=bom.pk,
        payload={**payload, "reason": reason},
    )
    return bom
