"""Read queries about bills of materials shared by the services, the UI and the API.

:func:`mederp.catalog.selectors.effective_bom` and :func:`~mederp.catalog.selectors.bom_is_usable`
(what production calls) live in ``selectors``; this module holds the rest: lists, the product
structure's cycle search and what blocks a version's approval now.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet

from mederp.catalog import bom_approval, bom_rules, selectors
from mederp.catalog.errors import (
    BomCycle,
    BomEffectiveDateTaken,
    BomEffectiveInPast,
    BomEmpty,
    BomProductNotADevice,
    BomProductNotApproved,
    BomProductUntracked,
    BomQuantityNotWhole,
    BomSelfComponent,
    BomUomMismatch,
)
from mederp.catalog.models import BillOfMaterials, BomComponent, BomState, Product, Tracking
from mederp.core import signatures
from mederp.core.errors import DomainError
from mederp.core.models import AuditEntry
from mederp.core.selectors import with_change_items
from mederp.core.signatures import SignatureView


def search_boms(
    *, product_id: int | None = None, state: str = "", q: str = ""
) -> QuerySet[BillOfMaterials]:
    """BOM versions, newest version of each product first, with their component counts."""
    qs = BillOfMaterials.objects.select_related("product").annotate(
        component_count=Count("components")
    )
    if product_id is not None:
        qs = qs.filter(product_id=product_id)
    if state:
        qs = qs.filter(state=state)
    q = (q or "").strip()
    if q:
        qs = qs.filter(
            Q(product__code__icontains=q)
            | Q(product__name_zh__icontains=q)
            | Q(product__name_en__icontains=q)
        )
    return qs.order_by("product__code", "-revision")


def bom_lines(bom: BillOfMaterials) -> list[BomComponent]:
    return list(
        BomComponent.objects.filter(bom_id=bom.pk)
        .select_related("component", "component__uom", "uom")
        .order_by("line_no")
    )


def versions_of(product_id: int) -> list[BillOfMaterials]:
    return list(
        BillOfMaterials.objects.filter(product_id=product_id)
        .select_related("product")
        .order_by("-revision")
    )


def bom_products() -> QuerySet[Product]:
    """Products a bill of materials can be drafted for: tracked devices."""
    return Product.objects.exclude(device_class="none").exclude(tracking=Tracking.NONE)


def _children(parents: set[int]) -> dict[int, set[int]]:
    rows = BomComponent.objects.filter(
        bom__state=BomState.APPROVED, bom__product_id__in=parents
    ).values_list("bom__product_id", "component_id")
    found: dict[int, set[int]] = {}
    for parent, child in rows:
        found.setdefault(parent, set()).add(child)
    return found


def cycle_path(product_id: int, component_id: int) -> list[str] | None:
    """Product codes from ``component_id`` down to ``product_id`` through approved BOMs at any
    depth, when putting the component into the product would close a cycle; else None."""
    path = bom_rules.find_path(component_id, product_id, _children)
    if path is None:
        return None
    codes = dict(Product.objects.filter(pk__in=path).values_list("pk", "code"))
    return [codes[pk] for pk in path]


def component_problems(product: Product, line: BomComponent) -> list[DomainError]:
    """What is wrong with one line of a version of ``product`` (self, unit, whole units for
    serial-tracked parts, cycle)."""
    component = line.component
    if component.pk == product.pk:
        return [BomSelfComponent(product=product.code, field="component_id")]
    found: list[DomainError] = []
    if line.uom_id != component.uom_id:
        found.append(
            BomUomMismatch(
                component=component.code,
                expected=component.uom.code,
                uom=line.uom.code,
                field="uom_id",
            )
        )
    quantity = line.quantity_per_unit
    if component.tracking == Tracking.SERIAL and not bom_rules.is_whole(quantity):
        found.append(
            BomQuantityNotWhole(
                component=component.code,
                value=bom_rules.quantity_text(quantity),
                field="quantity_per_unit",
            )
        )
    path = cycle_path(product.pk, component.pk)
    if path is not None:
        found.append(
            BomCycle(
                component=component.code,
                product=product.code,
                path=" → ".join(path),
                field="component_id",
            )
        )
    return found


def product_problems(product: Product) -> list[DomainError]:
    """What stops ``product`` having a bill of materials at all (a device, lot or serial)."""
    found: list[DomainError] = []
    if not product.is_device:
        found.append(BomProductNotADevice(product=product.code, field="product_id"))
    if product.tracking == Tracking.NONE:
        found.append(BomProductUntracked(product=product.code, field="product_id"))
    return found


def effective_date_problems(
    bom: BillOfMaterials, effective_from: dt.date, today: dt.date
) -> list[DomainError]:
    found: list[DomainError] = []
    if bom_rules.effective_in_past(effective_from, today):
        found.append(
            BomEffectiveInPast(
                effective_from=effective_from.isoformat(),
                today=today.isoformat(),
                field="effective_from",
            )
        )
    other = (
        BillOfMaterials.objects.filter(
            product_id=bom.product_id, state=BomState.APPROVED, effective_from=effective_from
        )
        .exclude(pk=bom.pk)
        .values_list("revision", flat=True)
        .first()
    )
    if other is not None:
        found.append(
            BomEffectiveDateTaken(
                other=other,
                product=bom.product.code,
                effective_from=effective_from.isoformat(),
                field="effective_from",
            )
        )
    return found


def approval_problems(
    bom: BillOfMaterials, today: dt.date, effective_from: dt.date | None = None
) -> list[DomainError]:
    """Everything that blocks approving ``bom`` now, most basic first (empty, the finished
    device, the effective date, then each line). ``effective_from`` is the date the approval
    would set (by default: the drafted one, else today)."""
    product = bom.product
    lines = bom_lines(bom)
    found: list[DomainError] = []
    if not lines:
        found.append(BomEmpty(bom=str(bom)))
    found.extend(product_problems(product))
    if product.is_device and not selectors.is_approved_for_use(product):
        found.append(
            BomProductNotApproved(
                product=product.code,
                state=str(product.get_approval_state_display()),
                product_id=product.pk,
            )
        )
    day = bom_rules.chosen_effective_from(effective_from, bom.effective_from, today)
    found.extend(effective_date_problems(bom, day, today))
    for line in lines:
        found.extend(component_problems(product, line))
    return found


@dataclass(frozen=True)
class BomApproval:
    """A version's approval picture for its page and the API: state, every signature with its
    validity (the manifestation, 11.50) and whether production may use it today."""

    state: str
    state_label: str
    signatures: list[SignatureView]
    approved: bool
    usable_today: bool


def approval_of(bom: BillOfMaterials, today: dt.date | None = None) -> BomApproval:
    views = signatures.signatures_for(bom)
    approvals = [v for v in views if v.meaning == "approved"]
    day = today or selectors.business_date()
    return BomApproval(
        state=bom.state,
        state_label=str(BomState(bom.state).label),
        signatures=views,
        approved=bom.state == BomState.APPROVED and bool(approvals) and approvals[-1].valid,
        usable_today=selectors.bom_is_usable(bom, day),
    )


def bom_history(bom: BillOfMaterials) -> list[AuditEntry]:
    """The version's audit entries and those of its component lines (removed ones too),
    newest first (AT-02)."""
    lines = [str(pk) for pk in bom_approval.component_line_ids(bom.pk)]
    entries = AuditEntry.objects.filter(
        Q(record_type=bom_approval.BOM, record_id=str(bom.pk))
        | Q(record_type=bom_approval.COMPONENT, record_id__in=lines)
    ).order_by("-id")
    return with_change_items(entries)
