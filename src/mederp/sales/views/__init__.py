"""Sales pages: thin, calling the same services as the API. Split by subdomain."""

from mederp.sales.views.orders import order_create, order_detail, order_list, order_transition
from mederp.sales.views.picking import order_pick
from mederp.sales.views.records import record_detail, record_list, return_create, return_list

__all__ = [
    "order_create",
    "order_detail",
    "order_list",
    "order_pick",
    "order_transition",
    "record_detail",
    "record_list",
    "return_create",
    "return_list",
]
