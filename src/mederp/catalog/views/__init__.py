"""Catalog pages: thin, calling the same services as the API. Split by subdomain."""

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
