"""Procurement pages: thin, calling the same services as the API. Split by subdomain."""

from mederp.procurement.views.orders import (
    line_add,
    line_edit,
    line_remove,
    order_create,
    order_detail,
    order_edit,
    order_list,
    order_transition,
)
from mederp.procurement.views.receipts import receipt_detail, receipt_list, receive

__all__ = [
    "line_add",
    "line_edit",
    "line_remove",
    "order_create",
    "order_detail",
    "order_edit",
    "order_list",
    "order_transition",
    "receipt_detail",
    "receipt_list",
    "receive",
]
