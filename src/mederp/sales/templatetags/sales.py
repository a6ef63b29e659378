"""Template filters for sales pages."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import template

from mederp.inventory.rules import normal

register = template.Library()


@register.filter
def qty(value: Any) -> str:
    """``Decimal("10.000000")`` → ``10``, ``Decimal("2.500000")`` → ``2.5`` (never ``1E+1``)."""
    if isinstance(value, Decimal):
        return f"{normal(value):f}"
    return "" if value is None else str(value)
