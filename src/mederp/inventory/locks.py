"""Every row lock inventory takes (STYLE rule 5).

Order: a warehouse before any of its locations; rows of one table by primary key. Location
events are sequenced per warehouse in the outbox, so writing a location holds its warehouse's lock.
"""

from __future__ import annotations

from mederp.core.errors import NotFound
from mederp.inventory.models import Location, Warehouse


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
