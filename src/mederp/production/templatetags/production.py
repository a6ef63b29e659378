"""Template filters for production pages."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import template
from django.utils.translation import pgettext

from mederp.inventory.rules import normal

register = template.Library()


@register.filter
def qty(value: Any) -> str:
    """``Decimal("10.000000")`` → ``10``, ``Decimal("2.500000")`` → ``2.5`` (never ``1E+1``)."""
    if isinstance(value, Decimal):
        return f"{normal(value):f}"
    return "" if value is None else str(value)


@register.filter
def percent(value: Any) -> str:
    """A yield ratio as a percentage with one decimal: ``Decimal("0.75")`` → ``75.0 %``."""
    if not isinstance(value, Decimal):
        return "—"
    return f"{(value * 100).quantize(Decimal('0.1'))} %"


@register.filter
def issue_method(value: Any) -> str:
    """How an issue chose its lot: by FEFO, or the operator scanned it."""
    labels = {"fefo": pgettext("issue method", "FEFO"), "scan": pgettext("issue method", "scan")}
    return str(labels.get(value, value))


@register.filter
def scan_text(value: Any) -> str:
    """A raw scan as people read it: the invisible group separator shown as ``<GS>``."""
    return "" if value is None else str(value).replace("\x1d", "<GS>")
