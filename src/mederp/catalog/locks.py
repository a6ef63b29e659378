"""Every row lock the catalog takes, ordered by primary key (STYLE rule 5).

Where a service locks both, the product is locked before its registration or BOM version, and a
BOM version before its component lines, always.
"""

from __future__ import annotations

from mederp.catalog.models import (
    BillOfMaterials,
    BomComponent,
    Product,
    Registration,
    UnitOfMeasure,
)
from mederp.core.errors import NotFound


def lock_uom(pk: int) -> UnitOfMeasure:
    uom = UnitOfMeasure.objects.select_for_update().filter(pk=pk).first()
    if uom is None:
        raise NotFound(record_type="UnitOfMeasure", record_id=pk)
    return uom


def lock_product(pk: int) -> Product:
    product = Product.objects.select_for_update().filter(pk=pk).first()
    if product is None:
        raise NotFound(record_type="Product", record_id=pk)
    return product


def lock_registration(pk: int) -> tuple[Product, Registration]:
    """The registration and its product, product first (the aggregate of its events)."""
    product_id = Registration.objects.filter(pk=pk).values_list("product_id", flat=True).first()
    if product_id is None:
        raise NotFound(record_type="Registration", record_id=pk)
    product = lock_product(product_id)
    registration = Registration.objects.select_for_update().filter(pk=pk).first()
    if registration is None:
        raise NotFound(record_type="Registration", record_id=pk)
    return product, registration


def lock_bom(pk: int, *, with_product: bool = False) -> BillOfMaterials:
    """A BOM version; ``with_product`` locks its finished product first (a new revision number,
    or the one-version-per-effective-day rule at approval, is decided under it)."""
    if with_product:
        product_id = (
            BillOfMaterials.objects.filter(pk=pk).values_list("product_id", flat=True).first()
        )
        if product_id is None:
            raise NotFound(record_type="BillOfMaterials", record_id=pk)
        lock_product(product_id)
    bom = BillOfMaterials.objects.select_for_update().filter(pk=pk).first()
    if bom is None:
        raise NotFound(record_type="BillOfMaterials", record_id=pk)
    return bom


def lock_bom_component(pk: int) -> tuple[BillOfMaterials, BomComponent]:
    """A component line and its version, the version first (the aggregate of its events)."""
    bom_id = BomComponent.objects.filter(pk=pk).values_list("bom_id", flat=True).first()
    if bom_id is None:
        raise NotFound(record_type="BomComponent", record_id=pk)
    bom = lock_bom(bom_id)
    line = BomComponent.objects.select_for_update().filter(pk=pk).first()
    if line is None:
        raise NotFound(record_type="BomComponent", record_id=pk)
    return bom, line
