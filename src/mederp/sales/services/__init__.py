"""Sales use cases: the only code that writes sales tables (invariant 1). Import from here."""

from mederp.sales.services.allocation import allocate_order
from mederp.sales.services.orders import (
    cancel_order,
    confirm_order,
    create_order,
    transition_order,
)
from mederp.sales.services.picking import pick_by_scan
from mederp.sales.services.returns import receive_return
from mederp.sales.services.shipping import review_order, ship_order

__all__ = [
    "allocate_order",
    "cancel_order",
    "confirm_order",
    "create_order",
    "pick_by_scan",
    "receive_return",
    "review_order",
    "ship_order",
    "transition_order",
]
