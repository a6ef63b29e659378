"""Production pages: thin, calling the same services as the API. Split by subdomain."""

from mederp.production.views.shopfloor import (
    workorder_check,
    workorder_issue,
    workorder_operation,
    workorder_output,
    workorder_scrap,
)
from mederp.production.views.workorders import (
    workorder_create,
    workorder_detail,
    workorder_list,
    workorder_transition,
)

__all__ = [
    "workorder_check",
    "workorder_create",
    "workorder_detail",
    "workorder_issue",
    "workorder_list",
    "workorder_operation",
    "workorder_output",
    "workorder_scrap",
    "workorder_transition",
]
