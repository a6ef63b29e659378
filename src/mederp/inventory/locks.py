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
from typing import Any, NamedTuple

from django.db import transaction

from mederp.core.errors import NotFound
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


_INSERT_COLUMNS = (
    "product_id",
    "lot_id",
    "serial_id",
    "lot_key",
    "serial_key",
    "location_id",
    "expiry_date",
    "quantity",
    "reserved",
    "version",
)
_INSERT = (
    f"INSERT INTO inventory_balance ({', '.join(_INSERT_COLUMNS)}) "
    f"VALUES ({', '.join(['%s'] * len(_INSERT_COLUMNS))}) "
    "ON CONFLICT (product_id, lot_key, serial_key, location_id) DO NOTHING RETURNING id"
)


def _select(key: BalanceKey) -> Balance | None:
    return (
        Balance.objects.select_for_update()
        .filter(
            product_id=key.product_id,
            lot_key=key.lot_key,
            serial_key=key.serial_key,
            location_id=key.location_id,
        )
        .first()
    )


def _lock_or_create(key: BalanceKey, expiry_date: dt.date | None) -> Balance:
    found = _select(key)
    if found is not None:
        return found
    # A new row is locked by its own INSERT; a concurrent inserter of the same key waits on the
    # unique index, finds the conflict and takes the row lock below.
    conn = transaction.get_connection()
    zero = Decimal(0)
    values = (
        key.product_id,
        key.lot_key or None,
        key.serial_key or None,
        key.lot_key,
        key.serial_key,
        key.location_id,
        expiry_date,
        zero,
        zero,
        1,
    )
    fields: list[Any] = [Balance._meta.get_field(c.removesuffix("_id")) for c in _INSERT_COLUMNS]
    params = [f.get_db_prep_save(v, conn) for f, v in zip(fields, values, strict=True)]
    with conn.cursor() as cur:
        cur.execute(_INSERT, params)
        row = cur.fetchone()
    if row is None:
        found = _select(key)
        assert found is not None, "a conflicting balance row vanished"
        return found
    balance = Balance(
        pk=row[0],
        product_id=key.product_id,
        lot_id=key.lot_key or None,
        serial_id=key.serial_key or None,
        lot_key=key.lot_key,
        serial_key=key.serial_key,
        location_id=key.location_id,
        expiry_date=expiry_date,
        quantity=zero,
        reserved=zero,
        version=1,
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
