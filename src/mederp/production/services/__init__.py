"""Production use cases: the only code that writes production tables (invariant 1). Import
from here."""

from mederp.production.services.issues import issue_material
from mederp.production.services.outputs import report_output
from mederp.production.services.shopfloor import record_check, record_operation, scrap_component
from mederp.production.services.workorders import (
    cancel_work_order,
    close_work_order,
    complete_work_order,
    create_work_order,
    release_work_order,
    transition_work_order,
)

__all__ = [
    "cancel_work_order",
    "close_work_order",
    "complete_work_order",
    "create_work_order",
    "issue_material",
    "record_check",
    "record_operation",
    "release_work_order",
    "report_output",
    "scrap_component",
    "transition_work_order",
]
