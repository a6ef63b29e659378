"""Fixtures of the inspection tests: the procurement world (a qualified supplier, approved
products, a quarantine location; buyer, QA and QC people who sign) and the production plant.
Helpers are in :mod:`tests.quality.inspections.support`."""

from tests.procurement.conftest import (  # noqa: F401  (fixtures)
    approved_order,
    clock_frozen,
    make_order,
    make_product,
    send,
    world,
)
from tests.production.conftest import production_clock, production_plant  # noqa: F401
