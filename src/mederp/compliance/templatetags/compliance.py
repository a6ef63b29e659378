"""Template filters for compliance pages: stored codes shown in the reader's language."""

from __future__ import annotations

from typing import Any

from django import template

from mederp.inventory.models import LocationKind, StockStatus
from mederp.production.models import WorkOrderState

register = template.Library()


def _label(choices: Any, value: Any) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return "" if value is None else str(value)


@register.filter
def location_kind(value: Any) -> str:
    """``quarantine`` → 待验区 / Quarantine."""
    return _label(LocationKind, value)


@register.filter
def work_order_state(value: Any) -> str:
    """``in_progress`` → 进行中 / in progress."""
    return _label(WorkOrderState, value)


@register.filter
def stock_status(value: Any) -> str:
    """``released`` → 合格 / Released."""
    return _label(StockStatus, value)
