"""Temperature ingest (CN-14, CN-11; 条例 第四十七条; 冷链管理指南): logger readings in, and
what a reading outside a product's storage range does to the stock in that place.

A reading is recorded once per logger reading id (DI-02, DI-03): sent again with the same values
it is answered as before and writes nothing; the same id with other values is refused
(``inventory.reading_conflict``), never overwritten. Its raw form is kept beside the parsed
values (DI-02) and its temperature range-checked (DI-09).

A reading outside the storage range (``catalog.Product.storage_min_c``/``storage_max_c``) of any
product with stock at its location, in the same transaction as the reading:

- opens an excursion for the location (or extends the open one: extremes, last reading),
- places a :class:`~mederp.inventory.models.StockHold` on each affected product and lot there,
  unless this excursion already holds it,
- audits all of it and emits ``inventory.excursion.opened``/``extended`` and
  ``inventory.stock.held``.

Readings back inside the range are recorded and close nothing: closing is QA's signed decision
(:mod:`mederp.inventory.coldchain.excursions`). "Stock at the location" is the stock on hand when
the reading arrives. A reading that arrives late (measured before readings already recorded)
takes its place by measured time: it may move the excursion's first or last reading, and the
latest reading (the one closing is judged on) is the latest measured. The excursion and its
holds are the system's reaction to the reading, so their audit entries name the cold chain
acting for the sender (same request id), and a sender needs no permission beyond
``inventory.add_temperaturereading``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction

from mederp.core import audit, canonical, clock, outbox
from mederp.core.actors import Actor
from mederp.core.errors import DomainError, NotFound
from mederp.core.services import authorize
from mederp.inventory import rules as inventory_rules
from mederp.inventory.coldchain import events, rules
from mederp.inventory.coldchain.errors import (
    BatchEmpty,
    ReadingConflict,
    ReadingLocationExternal,
)
from mederp.inventory.coldchain.locks import lock_locations
from mederp.inventory.models import (
    Balance,
    Excursion,
    ExcursionStatus,
    Location,
    StockHold,
    TemperatureReading,
)
from mederp.inventory.services import place_hold

INGEST_PERMISSION = "inventory.add_temperaturereading"
#: ``StockHold.source_type`` of the holds an excursion places.
HOLD_SOURCE = "inventory.excursion"
MAX_BATCH = 1000


@dataclass(frozen=True)
class ReadingData:
    """One reading as a logger sends it; ``raw`` is its original form, kept unaltered."""

    reading_id: str
    location: int
    measured_at: dt.datetime
    celsius: Any
    source: str = ""
    raw: str = ""


@dataclass(frozen=True)
class Recorded:
    reading: TemperatureReading
    created: bool  # False: the same reading was already recorded and is answered as before


def reading_payload(reading: TemperatureReading) -> dict[str, Any]:
    return {
        "id": reading.pk,
        "reading_id": reading.reading_id,
        "location_id": reading.location_id,
        "measured_at": reading.measured_at,
        "celsius": reading.celsius,
        "source": reading.source,
        "received_at": reading.received_at,
    }


def excursion_payload(excursion: Excursion) -> dict[str, Any]:
    return {
        "id": excursion.pk,
        "location_id": excursion.location_id,
        "status": excursion.status,
        "opened_at": excursion.opened_at,
        "first_reading_id": excursion.first_reading_id,
        "last_reading_id": excursion.last_reading_id,
        "min_celsius": excursion.min_celsius,
        "max_celsius": excursion.max_celsius,
        "closed_at": excursion.closed_at,
        "closing_signature_id": excursion.closing_signature_id,
    }


def record_reading(actor: Actor, reading: ReadingData) -> Recorded:
    return record_readings(actor, [reading])[0]


def record_readings(actor: Actor, readings: Sequence[ReadingData]) -> list[Recorded]:
    """Record a batch of readings in one transaction (all or none), in the order given; each
    answer says whether the reading is new or was recorded before. Permission
    ``inventory.add_temperaturereading``."""
    authorize(actor, INGEST_PERMISSION)
    if not 1 <= len(readings) <= MAX_BATCH:
        raise BatchEmpty(most=MAX_BATCH)
    now = clock.now()
    cleaned = [_indexed(i, lambda r=r: _clean(r, now)) for i, r in enumerate(readings)]
    locations = _locations(cleaned)
    unique: dict[str, ReadingData] = {}
    position: dict[str, int] = {}
    for i, c in enumerate(cleaned):
        first = unique.setdefault(c.reading_id, c)
        position.setdefault(c.reading_id, i)
        if first is not c:
            _indexed(i, lambda c=c, first=first: _check_same(first, c))
    with transaction.atomic():
        lock_locations(locations.values())
        answers: dict[str, Recorded] = {}
        stored = TemperatureReading.objects.filter(reading_id__in=list(unique))
        for found in stored:
            sent = unique[found.reading_id]
            _indexed(position[sent.reading_id], lambda f=found, c=sent: _check_same(f, c))
            answers[found.reading_id] = Recorded(found, created=False)
        fresh = sorted(
            (c for c in unique.values() if c.reading_id not in answers),
            key=lambda c: (c.location, c.measured_at, c.reading_id),
        )
        stock: dict[int, list[rules.StoredItem]] = {}
        for c in fresh:
            answers[c.reading_id] = _insert(actor, c, now)
            if answers[c.reading_id].created:
                _judge(actor, answers[c.reading_id].reading, locations[c.location], stock)
    return [answers[c.reading_id] for c in cleaned]


def _indexed(index: int, check: Any) -> Any:
    """Run ``check``; a refusal names the batch item it concerns (``details.index``)."""
    try:
        return check()
    except DomainError as exc:
        exc.details.setdefault("index", index)
        raise


def _clean(reading: ReadingData, now: dt.datetime) -> ReadingData:
    return ReadingData(
        reading_id=rules.check_reading_id(reading.reading_id),
        location=reading.location,
        measured_at=rules.check_measured_at(reading.measured_at, now),
        celsius=rules.parse_celsius(reading.celsius),
        source=(reading.source or "").strip()[:100],
        raw=reading.raw or "",
    )


def _locations(readings: list[ReadingData]) -> dict[int, Location]:
    found = Location.objects.in_bulk(list({r.location for r in readings}))
    for i, r in enumerate(readings):
        location = found.get(r.location)
        if location is None:
            raise NotFound(
                record_type="Location", record_id=r.location, field="location_id", index=i
            )
        if location.is_external:
            raise ReadingLocationExternal(
                location=location.code, kind=location.kind, field="location_id", index=i
            )
    return found


def _differences(stored: TemperatureReading | ReadingData, sent: ReadingData) -> list[str]:
    location = stored.location_id if isinstance(stored, TemperatureReading) else stored.location
    pairs = {
        "location_id": (location, sent.location),
        "measured_at": (stored.measured_at, sent.measured_at),
        "celsius": (Decimal(stored.celsius), Decimal(sent.celsius)),
        "source": (stored.source, sent.source),
    }
    return [name for name, (a, b) in pairs.items() if a != b]


def _check_same(stored: TemperatureReading | ReadingData, sent: ReadingData) -> None:
    fields = _differences(stored, sent)
    if fields:
        raise ReadingConflict(
            reading_id=sent.reading_id, fields=", ".join(fields), conflicting=fields
        )


def _insert(actor: Actor, c: ReadingData, now: dt.datetime) -> Recorded:
    reading = TemperatureReading(
        reading_id=c.reading_id,
        location_id=c.location,
        measured_at=c.measured_at,
        celsius=c.celsius,
        source=c.source,
        raw=c.raw,
        received_at=now,
    )
    try:
        with transaction.atomic():
            reading.save(force_insert=True)
    except IntegrityError:
        # Sent at the same moment by another request (for another location, or the location
        # lock would have ordered the two): that one was first.
        found = TemperatureReading.objects.get(reading_id=c.reading_id)
        _check_same(found, c)
        return Recorded(found, created=False)
    audit.record_create(actor, reading)
    outbox.emit(
        actor,
        events.READING_RECORDED,
        aggregate_type="inventory.temperaturereading",
        aggregate_id=reading.pk,
        payload=reading_payload(reading),
    )
    return Recorded(reading, created=True)


def stored_items(location_id: int) -> list[rules.StoredItem]:
    """The products (and lots) on hand at a location, with their storage ranges."""
    rows = (
        Balance.objects.filter(location_id=location_id, quantity__gt=0)
        .order_by("product_id", "lot_key")
        .values_list("product_id", "lot_id", "product__storage_min_c", "product__storage_max_c")
    )
    return [rules.StoredItem(p, lot, low, high) for p, lot, low, high in rows]


def acting_for(actor: Actor) -> Actor:
    """The cold chain acting on a reading someone sent: the system's reaction, attributed in the
    audit trail to the sender by name and request id."""
    return Actor(
        kind="system",
        id=None,
        name=f"cold chain ({actor.name})"[:200],
        request_id=actor.request_id,
        ip=actor.ip,
    )


def _judge(
    actor: Actor,
    reading: TemperatureReading,
    location: Location,
    stock: dict[int, list[rules.StoredItem]],
) -> Excursion | None:
    if location.pk not in stock:
        stock[location.pk] = stored_items(location.pk)
    hit = rules.affected(reading.celsius, stock[location.pk])
    if not hit:
        return None
    system = acting_for(actor)
    excursion = Excursion.objects.filter(
        location_id=location.pk, status=ExcursionStatus.OPEN
    ).first()
    if excursion is None:
        excursion = Excursion(
            location=location,
            opened_at=clock.now(),
            first_reading=reading,
            last_reading=reading,
            min_celsius=reading.celsius,
            max_celsius=reading.celsius,
        )
        excursion.save(force_insert=True)
        audit.record_create(system, excursion, reason=f"reading {reading.reading_id}")
        event = events.EXCURSION_OPENED
    else:
        _extend(system, excursion, reading)
        event = events.EXCURSION_EXTENDED
    holds = _hold(system, excursion, reading, location, hit)
    outbox.emit(
        system,
        event,
        aggregate_type="inventory.excursion",
        aggregate_id=excursion.pk,
        payload={
            **excursion_payload(excursion),
            "reading_id": reading.reading_id,
            "celsius": reading.celsius,
            "hold_ids": [h.pk for h in holds],
        },
    )
    return excursion


def _extend(system: Actor, excursion: Excursion, reading: TemperatureReading) -> None:
    before = canonical.snapshot(excursion)
    excursion.min_celsius = min(excursion.min_celsius, reading.celsius)
    excursion.max_celsius = max(excursion.max_celsius, reading.celsius)
    # By the time measured, not of arrival: a logger's late reading takes its place in time
    # (docs/integration.md, "Out of order").
    last = excursion.last_reading or excursion.first_reading
    if reading.measured_at >= last.measured_at:
        excursion.last_reading = reading
    if reading.measured_at < excursion.first_reading.measured_at:
        excursion.first_reading = reading
    excursion.version += 1
    excursion.save(
        update_fields=["min_celsius", "max_celsius", "first_reading", "last_reading", "version"]
    )
    audit.record_update(
        system, excursion, before, reason=f"reading {reading.reading_id}: {reading.celsius} °C"
    )


def _hold(
    system: Actor,
    excursion: Excursion,
    reading: TemperatureReading,
    location: Location,
    hit: list[rules.StoredItem],
) -> list[StockHold]:
    already = set(
        StockHold.objects.filter(
            source_type=HOLD_SOURCE,
            source_id=str(excursion.pk),
            location_id=location.pk,
            released_at__isnull=True,
        ).values_list("product_id", "lot_id")
    )
    placed = []
    when = reading.measured_at.strftime("%Y-%m-%d %H:%M")
    celsius = inventory_rules.format_temperature(reading.celsius)
    for item in hit:
        if (item.product_id, item.lot_id) in already:
            continue
        placed.append(
            place_hold(
                system,
                product=item.product_id,
                lot=item.lot_id,
                location=location,
                reason=(
                    f"Temperature excursion {excursion.pk} at {location.code}: reading "
                    f"{reading.reading_id} measured {celsius} °C at {when} UTC, outside the "
                    f"storage range {inventory_rules.format_range(item.low, item.high)}."
                ),
                source_type=HOLD_SOURCE,
                source_id=excursion.pk,
            )
        )
    return placed
