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
from mederp.catalog.services.bom_approval import (
    approve_bom,
    obsolete_bom,
    transition_bom,
)
from mederp.catalog.services.boms import (
    add_component,
    change_bom,
    change_component,
    create_bom,
    remove_component,
    set_effective_from,
)
from mederp.catalog.services.products import change_product, create_product
from mederp.catalog.services.registrations import add_registration, change_registration
from mederp.catalog.services.uoms import change_uom, create_uom

__all__ = [
    "add_component",
    "add_registration",
    "approve_bom",
    "approve_product",
    "change_bom",
    "change_component",
    "change_product",
    "change_registration",
    "change_uom",
    "create_bom",
    "create_product",
    "create_uom",
    "obsolete_bom",
    "obsolete_product",
    "reject_product",
    "remove_component",
    "set_effective_from",
    "submit_product",
    "transition_bom",
    "transition_product",
]
