"""Catalog use cases. The only code that writes catalog tables (invariant 1).

Split by subdomain; import from here (``from mederp.catalog import services``).
"""

from mederp.catalog.services.approval import (
    approve_product,
    obsolete_product,
    reject_product,
    submit_product,
    transition_product,
)
from mederp.catalog.services.products import change_product, create_product
from mederp.catalog.services.registrations import add_registration, change_registration
from mederp.catalog.services.uoms import change_uom, create_uom

__all__ = [
    "add_registration",
    "approve_product",
    "change_product",
    "change_registration",
    "change_uom",
    "create_product",
    "create_uom",
    "obsolete_product",
    "reject_product",
    "submit_product",
    "transition_product",
]
