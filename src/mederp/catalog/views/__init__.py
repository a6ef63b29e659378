"""Catalog pages: thin, calling the same services as the API. Split by subdomain."""

from mederp.catalog.views.boms import (
    bom_component_add,
    bom_component_edit,
    bom_component_remove,
    bom_create,
    bom_detail,
    bom_edit,
    bom_list,
    bom_transition,
)
from mederp.catalog.views.products import (
    product_create,
    product_detail,
    product_edit,
    product_list,
    product_print,
    product_transition,
)
from mederp.catalog.views.registrations import registration_create, registration_edit
from mederp.catalog.views.uoms import uom_create, uom_detail, uom_edit, uom_list

__all__ = [
    "bom_component_add",
    "bom_component_edit",
    "bom_component_remove",
    "bom_create",
    "bom_detail",
    "bom_edit",
    "bom_list",
    "bom_transition",
    "product_create",
    "product_detail",
    "product_edit",
    "product_list",
    "product_print",
    "product_transition",
    "registration_create",
    "registration_edit",
    "uom_create",
    "uom_detail",
    "uom_edit",
    "uom_list",
]
