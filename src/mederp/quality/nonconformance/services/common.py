"""What the NCR use cases share: payloads and the quantity format of events."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from mederp.inventory.rules import normal
from mederp.quality.nonconformance.models import Nonconformance, NonconformanceItem


def qty(value: Decimal) -> str:
    return f"{normal(value):f}"


def item_payload(item: NonconformanceItem) -> dict[str, Any]:
    return {
        "id": item.pk,
        "lot_id": item.lot_id,
        "serial_id": item.serial_id,
        "quantity": qty(item.quantity),
        "location_id": item.location_id,
        "status_before": item.status_before,
        "hold_reference": item.hold_reference,
    }


def items_payload(ncr: Nonconformance) -> list[dict[str, Any]]:
    return [item_payload(i) for i in ncr.items.order_by("id")]


def user_of(actor: Any) -> Any:
    return actor.user if actor.kind == "user" else None
