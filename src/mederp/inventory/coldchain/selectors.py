"""Read queries of the cold chain that the API and the pages share."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Q, QuerySet

from mederp.core import signatures
from mederp.inventory.coldchain.chart import Sparkline, sparkline
from mederp.inventory.coldchain.holds import covered_stock
from mederp.inventory.coldchain.ingest import HOLD_SOURCE
from mederp.inventory.models import (
    EXTERNAL_KINDS,
    Balance,
    Excursion,
    ExcursionStatus,
    Location,
    LocationKind,
    StockHold,
    TemperatureReading,
)
from mederp.inventory.rules import format_range

#: How many recent readings the location overview draws.
SPARK_READINGS = 48


def readings(
    *,
    location_id: int | None = None,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
) -> QuerySet[TemperatureReading]:
    """Readings, newest first (one location's, in a time window)."""
    qs = TemperatureReading.objects.select_related("location").order_by("-measured_at", "-id")
    if location_id is not None:
        qs = qs.filter(location_id=location_id)
    if since is not None:
        qs = qs.filter(measured_at__gte=since)
    if until is not None:
        qs = qs.filter(measured_at__lte=until)
    return qs


@dataclass
class LocationTemperature:
    """One monitored location on the overview: its range, latest reading, recent curve and
    open excursion."""

    location: Location
    latest: TemperatureReading | None
    chart: Sparkline | None
    excursion: Excursion | None
    reading_count: int = 0
    recent: list[TemperatureReading] = field(default_factory=list)

    @property
    def latest_outside_location_range(self) -> bool:
        loc, latest = self.location, self.latest
        if latest is None:
            return False
        return (loc.temp_min_c is not None and latest.celsius < loc.temp_min_c) or (
            loc.temp_max_c is not None and latest.celsius > loc.temp_max_c
        )


def monitored_locations(*, warehouse_id: int | None = None) -> list[LocationTemperature]:
    """Cold rooms and every other internal location that has readings, by warehouse and code."""
    with_readings = TemperatureReading.objects.values("location_id").distinct()
    qs = (
        Location.objects.select_related("warehouse")
        .exclude(kind__in=list(EXTERNAL_KINDS))
        .filter(Q(kind=LocationKind.COLD) | Q(pk__in=with_readings))
        .order_by("warehouse__code", "code")
    )
    if warehouse_id is not None:
        qs = qs.filter(warehouse_id=warehouse_id)
    open_by_location = {
        e.location_id: e for e in Excursion.objects.filter(status=ExcursionStatus.OPEN)
    }
    result = []
    for location in qs:
        recent = list(
            TemperatureReading.objects.filter(location=location).order_by("-measured_at", "-id")[
                :SPARK_READINGS
            ]
        )
        recent.reverse()
        result.append(
            LocationTemperature(
                location=location,
                latest=recent[-1] if recent else None,
                chart=sparkline(
                    [(r.measured_at, r.celsius) for r in recent],
                    location.temp_min_c,
                    location.temp_max_c,
                ),
                excursion=open_by_location.get(location.pk),
                recent=recent,
            )
        )
    return result


def location_temperature(location: Location, *, limit: int = 200) -> LocationTemperature:
    recent = list(readings(location_id=location.pk)[:limit])
    recent.reverse()
    return LocationTemperature(
        location=location,
        latest=recent[-1] if recent else None,
        chart=sparkline(
            [(r.measured_at, r.celsius) for r in recent],
            location.temp_min_c,
            location.temp_max_c,
            width=720,
            height=160,
        ),
        excursion=Excursion.objects.filter(location=location, status=ExcursionStatus.OPEN).first(),
        reading_count=TemperatureReading.objects.filter(location=location).count(),
        recent=recent,
    )


def excursions(*, status: str | None = None, location_id: int | None = None) -> QuerySet[Excursion]:
    qs = Excursion.objects.select_related(
        "location__warehouse", "first_reading", "last_reading", "closed_by"
    )
    if status:
        qs = qs.filter(status=status)
    if location_id is not None:
        qs = qs.filter(location_id=location_id)
    return qs.order_by("-opened_at", "-id")


def holds_of(excursion: Excursion) -> QuerySet[StockHold]:
    return (
        StockHold.objects.filter(source_type=HOLD_SOURCE, source_id=str(excursion.pk))
        .select_related("product", "lot", "serial", "location", "release_signature")
        .order_by("id")
    )


def readings_during(excursion: Excursion) -> QuerySet[TemperatureReading]:
    """The location's readings from the excursion's first bad reading to its last one (or to
    now, while it is open), oldest first."""
    qs = TemperatureReading.objects.filter(
        location_id=excursion.location_id,
        measured_at__gte=excursion.first_reading.measured_at,
    )
    if excursion.status == ExcursionStatus.CLOSED and excursion.last_reading is not None:
        qs = qs.filter(measured_at__lte=excursion.last_reading.measured_at)
    return qs.order_by("measured_at", "id")


@dataclass
class HeldStock:
    hold: StockHold
    stock: list[Balance]
    disposition: str  # "active", "released" or "rejected"
    signatures: list[signatures.SignatureView]
    product_range: str  # the product's storage range as it reads: "2–8 °C"


def disposition(hold: StockHold) -> str:
    if hold.released_at is None:
        return "active"
    sig = hold.release_signature
    return sig.meaning if sig is not None else "released"


def held_stock(hold: StockHold) -> HeldStock:
    return HeldStock(
        hold=hold,
        stock=covered_stock(hold) if hold.released_at is None else [],
        disposition=disposition(hold),
        signatures=signatures.signatures_for(hold),
        product_range=format_range(hold.product.storage_min_c, hold.product.storage_max_c),
    )


def holds(
    *,
    active: bool | None = True,
    source_type: str | None = None,
    product_id: int | None = None,
    location_id: int | None = None,
) -> QuerySet[StockHold]:
    qs = StockHold.objects.select_related(
        "product", "lot", "serial", "location", "release_signature"
    )
    if active is True:
        qs = qs.filter(released_at__isnull=True)
    elif active is False:
        qs = qs.filter(released_at__isnull=False)
    if source_type:
        qs = qs.filter(source_type=source_type)
    if product_id is not None:
        qs = qs.filter(product_id=product_id)
    if location_id is not None:
        qs = qs.filter(location_id=location_id)
    return qs.order_by("-placed_at", "-id")


def rejection_locations(hold: StockHold) -> QuerySet[Location]:
    """Where rejected stock of this hold may go: the active rejected-goods locations of the
    hold's warehouse."""
    if hold.location is None:
        return Location.objects.none()
    return Location.objects.filter(
        warehouse_id=hold.location.warehouse_id, kind=LocationKind.REJECTED, is_active=True
    ).order_by("code")


def excursion_of(hold: StockHold) -> Excursion | None:
    if hold.source_type != HOLD_SOURCE or not hold.source_id.isdigit():
        return None
    return Excursion.objects.filter(pk=int(hold.source_id)).first()
