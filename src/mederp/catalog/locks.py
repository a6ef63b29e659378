"""Every row lock the catalog takes, ordered by primary key (STYLE rule 5).

Where a service locks both, the product is locked before its registration, always.
"""

from __future__ import annotations

from mederp.catalog.models import Product, Registration, UnitOfMeasure
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
