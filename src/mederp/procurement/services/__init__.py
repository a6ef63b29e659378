"""Procurement use cases: the only code that writes procurement tables (invariant 1).

Split by subdomain; import from here (``from mederp.procurement import services``).
"""

from mederp.procurement.services.acceptance import LineInput
from mederp.procurement.services.orders import (
    add_line,
    approve_order,
    cancel_order,
    change_line,
    change_order,
    check_gates,
    create_order,
    reject_order,
    remove_line,
    submit_order,
    transition_order,
)
from mederp.procurement.services.receipts import receive, record_receipt

__all__ = [
    "LineInput",
    "add_line",
    "approve_order",
    "cancel_order",
    "change_line",
    "change_order",
    "check_gates",
    "create_order",
    "receive",
    "record_receipt",
    "reject_order",
    "remove_line",
    "submit_order",
    "transition_order",
]
