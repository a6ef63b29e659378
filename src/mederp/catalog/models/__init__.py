"""Catalog master data: units of measure, products (UDI-DI), registration certificates and the
bills of materials that say what a finished device is made of."""

from mederp.catalog.models.boms import BillOfMaterials, BomComponent, BomState
from mederp.catalog.models.products import (
    MAX_SHELF_LIFE_DAYS,
    ApprovalState,
    DeviceClass,
    Jurisdiction,
    Product,
    ProductStatus,
    Registration,
    RegistrationKind,
    Tracking,
    UnitOfMeasure,
    hibc_di_validator,
)

__all__ = [
    "MAX_SHELF_LIFE_DAYS",
    "ApprovalState",
    "BillOfMaterials",
    "BomComponent",
    "BomState",
    "DeviceClass",
    "Jurisdiction",
    "Product",
    "ProductStatus",
    "Registration",
    "RegistrationKind",
    "Tracking",
    "UnitOfMeasure",
    "hibc_di_validator",
]
