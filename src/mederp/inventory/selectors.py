"""Read queries the inventory API and pages share."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, Q, QuerySet

from mederp.core.models import AuditEntry
from mederp.core.selectors import with_change_items
from mederp.inventory.models import Location, LocationKind, Warehouse, kind_names


def warehouses() -> QuerySet[Warehouse]:
    return Warehouse.objects.annotate(location_count=Count("locations"))


def locations(*, warehouse_id: int | None = None, kind: str | None = None) -> QuerySet[Location]:
    qs = Location.objects.select_related("warehouse").order_by("warehouse__code", "code")
    if warehouse_id is not None:
        qs = qs.filter(warehouse_id=warehouse_id)
    if kind:
        qs = qs.filter(kind=kind)
    return qs


@dataclass
class KindGroup:
    kind: str
    name_zh: str
    name_en: str
    locations: list[Location] = field(default_factory=list)


def locations_by_kind(warehouse: Warehouse) -> list[KindGroup]:
    """The warehouse's locations grouped by kind, in the order kinds are declared."""
    groups = {k.value: KindGroup(k.value, *kind_names(k.value)) for k in LocationKind}
    for location in warehouse.locations.order_by("code"):
        group = groups.setdefault(
            location.kind, KindGroup(location.kind, *kind_names(location.kind))
        )
        group.locations.append(location)
    return [g for g in groups.values() if g.locations]


def warehouse_history(warehouse: Warehouse) -> list[AuditEntry]:
    """Audit entries of the warehouse and of every one of its locations, newest first (AT-02)."""
    location_ids = [str(pk) for pk in warehouse.locations.values_list("pk", flat=True)]
    entries = AuditEntry.objects.filter(
        Q(record_type="inventory.warehouse", record_id=str(warehouse.pk))
        | Q(record_type="inventory.location", record_id__in=location_ids)
    ).order_by("-id")
    return with_change_items(entries)
