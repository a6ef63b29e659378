"""How an NCR's affected stock reads on its page: the stock statuses and the hold in words, in
the reader's language (QE-01). ``NonconformanceItem.hold_reference`` keeps what the opening
service recorded ("inventory.lot 12 on_hold (NCR NC-2026-00001)" or "already rejected"); the page
shows it as "Lot L1 put on hold · reason: NCR NC-2026-00001"."""

from __future__ import annotations

import re

from django.utils.translation import gettext as _

from mederp.inventory.models import StockStatus
from mederp.quality.nonconformance.models import NonconformanceItem

HELD = re.compile(r"^inventory\.(?P<kind>lot|serial) \d+ on_hold \((?P<reason>.*)\)$")
ALREADY = re.compile(r"^already (?P<status>\w+)$")


def status_label(status: str) -> str:
    """A stock status in words (``on_hold`` → "On hold"); an unknown value as it is."""
    return str(StockStatus(status).label) if status in StockStatus.values else status


def _identity(item: NonconformanceItem) -> str:
    if item.serial_id is not None and item.serial is not None:
        return _("Serial %(number)s") % {"number": item.serial.serial_number}
    if item.lot is not None:
        return _("Lot %(number)s") % {"number": item.lot.number}
    return ""


def hold_text(item: NonconformanceItem) -> str:
    """What opening the NCR did to this lot or serial, in words."""
    ref = (item.hold_reference or "").strip()
    if not ref:
        return "—"
    held = HELD.match(ref)
    if held:
        return _("%(item)s put on hold (%(status)s) · reason: %(reason)s") % {
            "item": _identity(item),
            "status": status_label(StockStatus.ON_HOLD),
            "reason": held["reason"],
        }
    already = ALREADY.match(ref)
    if already:
        return _("%(item)s was already %(status)s: not held again") % {
            "item": _identity(item),
            "status": status_label(already["status"]).lower(),
        }
    return ref


def item_rows(items: list[NonconformanceItem]) -> list[NonconformanceItem]:
    """The items with ``status_before_label`` and ``hold_text`` set for the page."""
    for item in items:
        item.status_before_label = status_label(item.status_before)  # type: ignore[attr-defined]
        item.hold_text = hold_text(item)  # type: ignore[attr-defined]
    return items
