"""Every row lock inventory takes (STYLE rule 5).

Order: a warehouse before any of its locations; rows of one table by primary key. Location
events are sequenced per warehouse in the outbox, so writing a location holds its warehouse's lock.

Ledger order: balances by their key (product, lot, serial, location), each created if missing at
its turn, so two movers of the same stock always queue on the same row first and never deadlock;
then reservations, lots/serials, holds, counts by primary key. A lot's status change locks the
lot, then the lot's balances (key order): a move that holds a balance lock and then reads the
lot's status sees the change either committed or not yet begun.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import NamedTuple

from mederp.core.errors import NotFound
from mederp.inventory import sql
from mederp.inventory.models import (
    Balance,
    CycleCount,
    Location,
    Lot,
    Move,
    Reservation,
    Serial,
    StockHold,
    Warehouse,
)


def lock_warehouse(pk: int) -> Warehouse:
    warehouse = Warehouse.objects.select_for_update().filter(pk=pk).first()
    if warehouse is None:
        raise NotFound(record_type="Warehouse", record_id=pk)
    return warehouse


def lock_location(pk: int) -> tuple[Warehouse, Location]:
    """Lock a location's warehouse, then the location itself."""
    warehouse_id = Location.objects.filter(pk=pk).values_list("warehouse_id", flat=True).first()
    if warehouse_id is None:
        raise NotFound(record_type="Location", record_id=pk)
    warehouse = lock_warehouse(warehouse_id)
    location = Location.objects.select_for_update().filter(pk=pk).first()
    if location is None:
        raise NotFound(record_type="Location", record_id=pk)
    return warehouse, location


class BalanceKey(NamedTuple):
    product_id: int
    lot_key: int  # the lot's id, or 0
    serial_key: int  # the serial's id, or 0
    location_id: int


_PLACES = Decimal("0.000001")


def _exact(value: object) -> Decimal:
    """A column value as the model's Decimal (SQLite hands back ints or floats)."""
    return value if isinstance(value, Decimal) else Decimal(str(value)).quantize(_PLACES)


def _lock_or_create(key: BalanceKey, expiry_date: dt.date | None) -> Balance:
    """One statement: insert the row at 0, or (on the key's conflict) touch the existing one,
    which takes its row lock; a concurrent inserter of the same key waits on the unique index."""
    zero = Decimal(0)
    row = sql.insert_returning_id(
        Balance,
        {
            "product_id": key.product_id,
            "lot_id": key.lot_key or None,
            "serial_id": key.serial_key or None,
            "lot_key": key.lot_key,
            "serial_key": key.serial_key,
            "location_id": key.location_id,
            "expiry_date": expiry_date,
            "quantity": zero,
            "reserved": zero,
            "version": 1,
        },
        conflict=("product_id", "lot_key", "serial_key", "location_id"),
        on_conflict_set="version = inventory_balance.version",
        returning=("id", "quantity", "reserved", "version", "expiry_date"),
    )
    assert row is not None
    pk, quantity, reserved, version, stored_expiry = row
    balance = Balance(
        pk=pk,
        product_id=key.product_id,
        lot_id=key.lot_key or None,
        serial_id=key.serial_key or None,
        lot_key=key.lot_key,
        serial_key=key.serial_key,
        location_id=key.location_id,
        expiry_date=stored_expiry,
        quantity=_exact(quantity),
        reserved=_exact(reserved),
        version=version,
    )
    balance._state.adding = False
    return balance


def lock_balances(
    keys: Iterable[BalanceKey], *, expiry_date: dt.date | None = None
) -> dict[BalanceKey, Balance]:
    """Lock (creating at 0 where missing) the balance rows of ``keys``, in key order."""
    return {key: _lock_or_create(key, expiry_date) for key in sorted(set(keys))}


def lock_move(pk: int) -> Move:
    move = Move.objects.select_for_update().filter(pk=pk).first()
    if move is None:
        raise NotFound(record_type="Move", record_id=pk)
    return move


def lock_reservation(pk: int) -> Reservation:
    found = Reservation.objects.select_for_update().filter(pk=pk).first()
    if found is None:
        raise NotFound(record_type="Reservation", record_id=pk)
    return found


def lock_lot(pk: int) -> Lot:
    lot = Lot.objects.select_for_update().select_related("product").filter(pk=pk).first()
    if lot is None:
        raise NotFound(record_type="Lot", record_id=pk)
    return lot


def lock_serial(pk: int) -> Serial:
    serial = Serial.objects.select_for_update().select_related("product").filter(pk=pk).first()
    if serial is None:
        raise NotFound(record_type="Serial", record_id=pk)
    return serial


def lock_balances_of(*, lot_id: int | None = None, serial_id: int | None = None) -> None:
    """Lock every balance row of a lot or serial (after the lot/serial itself), key order."""
    qs = Balance.objects.select_for_update()
    qs = qs.filter(lot_id=lot_id) if lot_id is not None else qs.filter(serial_id=serial_id or 0)
    list(qs.order_by("product_id", "lot_key", "serial_key", "location_id").values_list("pk"))


def lock_hold(pk: int) -> StockHold:
    hold = StockHold.objects.select_for_update().filter(pk=pk).first()
    if hold is None:
        raise NotFound(record_type="StockHold", record_id=pk)
    return hold


def lock_count(pk: int) -> CycleCount:
    count = CycleCount.objects.select_for_update().select_related("location").filter(pk=pk).first()
    if count is None:
        raise NotFound(record_type="CycleCount", record_id=pk)
    return count


# A recall (RC-05) holds thousands of lots at once: the same order as one lot's status change
# (lots, then serials, by primary key; then their balances in key order), in chunks that keep
# each statement's parameter list small. Chunks follow the global order, so the order holds.
CHUNK = 2000

StockRow = tuple[int, int, str, str]  # id, product_id, number, status


def _chunks(ids: Iterable[int]) -> list[list[int]]:
    ordered = sorted({int(i) for i in ids})
    return [ordered[i : i + CHUNK] for i in range(0, len(ordered), CHUNK)]


def lock_lots(ids: Iterable[int]) -> list[StockRow]:
    """Lock many lots by primary key; their (id, product_id, number, status), in pk order."""
    rows: list[StockRow] = []
    for chunk in _chunks(ids):
        rows += (
            Lot.objects.select_for_update(of=("self",))
            .filter(pk__in=chunk)
            .order_by("pk")
            .values_list("pk", "product_id", "number", "status")
        )
    return rows


def lock_serials(ids: Iterable[int]) -> list[StockRow]:
    """Lock many serials by primary key; their (id, product_id, serial number, status)."""
    rows: list[StockRow] = []
    for chunk in _chunks(ids):
        rows += (
            Serial.objects.select_for_update(of=("self",))
            .filter(pk__in=chunk)
            .order_by("pk")
            .values_list("pk", "product_id", "serial_number", "status")
        )
    return rows


def lock_balances_of_many(*, lot_ids: Iterable[int], serial_ids: Iterable[int]) -> int:
    """Lock every balance row of these lots and serials (after them), in key order; how many.

    A mover locks its balances, then reads the lot's status: once these locks are held, every
    move of this stock either committed before (and its records are visible) or sees the new
    status."""
    keys: list[tuple[int, int, int, int, int]] = []
    order = ("product_id", "lot_key", "serial_key", "location_id", "pk")
    for chunk in _chunks(lot_ids):
        keys += Balance.objects.filter(lot_id__in=chunk).values_list(*order)
    for chunk in _chunks(serial_ids):
        keys += Balance.objects.filter(serial_id__in=chunk).values_list(*order)
    ordered = [k[4] for k in sorted(set(keys))]
    for i in range(0, len(ordered), CHUNK):
        list(
            Balance.objects.select_for_update()
            .filter(pk__in=ordered[i : i + CHUNK])
            .order_by(*order[:4])
            .values_list("pk")
        )
    return len(ordered)
