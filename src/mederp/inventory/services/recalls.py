"""Recalled stock in bulk: one recall blocks every affected lot and serial at once (RC-05;
条例 第六十七条; 生产办法 第四十一条; TR-04).

:func:`recall_stock` is the batch twin of the ``recall`` transition of
:mod:`mederp.inventory.quality` (``recall_lot``): the same status change (quarantine, released or
on hold → recalled), the same locks in the same order, one audit entry per lot or serial, but one
``UPDATE`` per table and one event for the batch instead of a round trip and an event per row,
so a hot lot reaching thousands of lots is held in one short transaction.

Nothing else is cancelled: open reservations of recalled stock stay, and the gates refuse to
pick, move to storage or ship recalled stock (``inventory.stock_not_released``). Rejected and
already recalled stock keeps its status (it is blocked already) and is reported as such.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import F

from mederp.core import audit, outbox
from mederp.core.actors import Actor
from mederp.core.errors import ReasonRequired
from mederp.core.services import authorize
from mederp.inventory import quality
from mederp.inventory.locks import (
    CHUNK,
    StockRow,
    lock_balances_of_many,
    lock_lots,
    lock_serials,
)
from mederp.inventory.models import Lot, Serial, StockStatus

#: The batch event (schema version 1): ``source_type``, ``source_id``, ``reason``, and
#: ``lots``/``serials``: each ``{"id", "product_id", "number", "from"}`` whose status changed.
#: Keyed by the source (the recall), so one recall is one event, not one per lot.
STOCK_RECALLED = "inventory.stock.recalled"

#: The statuses the ``recall`` transition leaves from (quality.py): the rest are blocked already.
RECALLABLE = frozenset({StockStatus.QUARANTINE, StockStatus.RELEASED, StockStatus.ON_HOLD})


@dataclass
class RecalledStock:
    """What :func:`recall_stock` found: every lot and serial's status before, by id."""

    lots: dict[int, str] = field(default_factory=dict)
    serials: dict[int, str] = field(default_factory=dict)
    changed_lots: int = 0
    changed_serials: int = 0

    def previous(self, kind: str, pk: int) -> str:
        return (self.lots if kind == "lot" else self.serials)[pk]


def _entries(rows: list[StockRow], record_type: str, reason: str, source: str) -> list[audit.Entry]:
    return [
        audit.Entry(
            action="transition",
            record_type=record_type,
            record_id=pk,
            label=number,
            changes={"status": [status, StockStatus.RECALLED.value]},
            reason=f"{reason} ({source})",
        )
        for pk, _product, number, status in rows
        if status in RECALLABLE
    ]


def _update(model: type[Lot] | type[Serial], rows: list[StockRow]) -> int:
    ids = [pk for pk, _product, _number, status in rows if status in RECALLABLE]
    changed = 0
    for i in range(0, len(ids), CHUNK):
        changed += model.objects.filter(pk__in=ids[i : i + CHUNK]).update(
            status=StockStatus.RECALLED, version=F("version") + 1
        )
    return changed


def _listed(rows: list[StockRow]) -> list[dict[str, Any]]:
    return [
        {"id": pk, "product_id": product, "number": number, "from": status}
        for pk, product, number, status in rows
        if status in RECALLABLE
    ]


def recall_stock(
    actor: Actor,
    lot_ids: Iterable[int],
    serial_ids: Iterable[int],
    *,
    source_type: str,
    source_id: Any,
    reason: str,
) -> RecalledStock:
    """Set every given lot and serial that is in quarantine, released or on hold to
    ``recalled``, in the caller's transaction (permission ``inventory.recall_lot``).

    Locks the lots, then the serials (primary-key order), then all their balances (key order),
    so a move of this stock either committed before or sees the new status. Writes one audit
    entry per changed lot or serial (action ``transition``, old and new status, the reason and
    the source) and one :data:`STOCK_RECALLED` event for the batch. Returns each one's status
    before, changed or not."""
    authorize(actor, quality.RECALL_PERMISSION)
    reason = (reason or "").strip()
    if not reason:
        raise ReasonRequired()
    lot_list, serial_list = list(lot_ids), list(serial_ids)
    source = f"{source_type} {source_id}"
    with transaction.atomic():
        lots = lock_lots(lot_list)
        serials = lock_serials(serial_list)
        lock_balances_of_many(lot_ids=lot_list, serial_ids=serial_list)
        result = RecalledStock(
            lots={pk: status for pk, _p, _n, status in lots},
            serials={pk: status for pk, _p, _n, status in serials},
        )
        result.changed_lots = _update(Lot, lots)
        result.changed_serials = _update(Serial, serials)
        audit.record_many(
            actor,
            _entries(lots, quality.LOT, reason, source)
            + _entries(serials, quality.SERIAL, reason, source),
        )
        if result.changed_lots or result.changed_serials:
            outbox.emit(
                actor,
                STOCK_RECALLED,
                aggregate_type=source_type,
                aggregate_id=source_id,
                payload={
                    "source_type": source_type,
                    "source_id": str(source_id),
                    "reason": reason,
                    "lots": _listed(lots),
                    "serials": _listed(serials),
                },
            )
    return result
