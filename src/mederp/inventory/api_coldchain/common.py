"""The cold-chain router, its schemas (inputs derive ``StrictIn``) and response bodies, and the
signed-step helper every decision endpoint uses."""

import datetime as dt
import hashlib
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Router, Schema
from pydantic import Field

from mederp.core import signatures
from mederp.core.actors import Actor
from mederp.core.errors import Conflict
from mederp.core.idempotency import answered
from mederp.core.schemas import SignatureOut, SignIn, StrictIn, signature_body
from mederp.inventory.coldchain import selectors, services
from mederp.inventory.coldchain.excursions import active_holds_of
from mederp.inventory.models import Excursion, StockHold, TemperatureReading

router = Router(tags=["cold chain"])


class ReadingIn(StrictIn):
    reading_id: str = Field(
        min_length=1, max_length=100, description="The logger's own id of this reading."
    )
    location_id: int
    measured_at: dt.datetime = Field(description="ISO 8601 with its UTC offset.")
    celsius: Decimal = Field(description="°C, at most 2 decimals, from -200 to 100 (DI-09).")
    source: str = Field(default="", max_length=100, description="The logger's id or serial.")
    raw: str | None = Field(
        default=None,
        max_length=20000,
        description="The logger's original record, kept unaltered (DI-02); default: this "
        "reading's JSON as received.",
    )


class ReadingBatchIn(StrictIn):
    readings: list[ReadingIn] = Field(min_length=1, max_length=services.MAX_BATCH)


class ReadingOut(Schema):
    id: int
    reading_id: str
    location_id: int
    measured_at: dt.datetime
    celsius: Decimal
    source: str
    received_at: dt.datetime
    raw_sha256: str


class ReadingBatchOut(Schema):
    readings: list[ReadingOut]


class MonitoredLocationOut(Schema):
    location_id: int
    warehouse_code: str
    code: str
    name: str
    kind: str
    temp_min_c: Decimal | None
    temp_max_c: Decimal | None
    latest: ReadingOut | None
    open_excursion_id: int | None


class HoldOut(Schema):
    id: int
    product_id: int
    product_code: str
    lot_id: int | None
    lot_number: str | None
    serial_id: int | None
    serial_number: str | None
    location_id: int | None
    location_code: str | None
    reason: str
    source_type: str
    source_id: str
    placed_at: dt.datetime
    placed_by_name: str
    released_at: dt.datetime | None
    release_reason: str
    release_signature_id: int | None
    disposition: str = Field(description="active, released or rejected")


class HeldBalanceOut(Schema):
    location_id: int
    location_code: str
    lot_id: int | None
    serial_id: int | None
    quantity: Decimal
    reserved: Decimal


class HoldDetailOut(HoldOut):
    stock: list[HeldBalanceOut]
    signatures: list[SignatureOut]


class ExcursionOut(Schema):
    id: int
    location_id: int
    location_code: str
    status: str
    opened_at: dt.datetime
    first_reading_id: int
    last_reading_id: int | None
    first_measured_at: dt.datetime
    last_measured_at: dt.datetime | None
    min_celsius: Decimal
    max_celsius: Decimal
    closed_at: dt.datetime | None
    closing_reason: str
    closing_signature_id: int | None


class ExcursionDetailOut(ExcursionOut):
    readings_during: int
    active_hold_ids: list[int]
    holds: list[HoldOut]
    signatures: list[SignatureOut]


class RejectIn(SignIn):
    to_location_id: int = Field(description="A rejected-goods location of the same warehouse.")


def as_json(schema: type[Schema], body: dict[str, Any]) -> Any:
    return schema.model_validate(body).model_dump(mode="json")


def reading_body(r: TemperatureReading) -> dict[str, Any]:
    return {
        "id": r.pk,
        "reading_id": r.reading_id,
        "location_id": r.location_id,
        "measured_at": r.measured_at,
        "celsius": r.celsius,
        "source": r.source,
        "received_at": r.received_at,
        "raw_sha256": hashlib.sha256(r.raw.encode()).hexdigest(),
    }


def hold_body(h: StockHold) -> dict[str, Any]:
    return {
        "id": h.pk,
        "product_id": h.product_id,
        "product_code": h.product.code,
        "lot_id": h.lot_id,
        "lot_number": h.lot.number if h.lot is not None else None,
        "serial_id": h.serial_id,
        "serial_number": h.serial.serial_number if h.serial is not None else None,
        "location_id": h.location_id,
        "location_code": h.location.code if h.location is not None else None,
        "reason": h.reason,
        "source_type": h.source_type,
        "source_id": h.source_id,
        "placed_at": h.placed_at,
        "placed_by_name": h.placed_by_name,
        "released_at": h.released_at,
        "release_reason": h.release_reason,
        "release_signature_id": h.release_signature_id,
        "disposition": selectors.disposition(h),
    }


def hold_detail_body(h: StockHold) -> dict[str, Any]:
    held = selectors.held_stock(h)
    return {
        **hold_body(h),
        "stock": [
            {
                "location_id": b.location_id,
                "location_code": b.location.code,
                "lot_id": b.lot_id,
                "serial_id": b.serial_id,
                "quantity": b.quantity,
                "reserved": b.reserved,
            }
            for b in held.stock
        ],
        "signatures": [signature_body(s) for s in held.signatures],
    }


def excursion_body(e: Excursion) -> dict[str, Any]:
    return {
        "id": e.pk,
        "location_id": e.location_id,
        "location_code": e.location.code,
        "status": e.status,
        "opened_at": e.opened_at,
        "first_reading_id": e.first_reading_id,
        "last_reading_id": e.last_reading_id,
        "first_measured_at": e.first_reading.measured_at,
        "last_measured_at": e.last_reading.measured_at if e.last_reading else None,
        "min_celsius": e.min_celsius,
        "max_celsius": e.max_celsius,
        "closed_at": e.closed_at,
        "closing_reason": e.closing_reason,
        "closing_signature_id": e.closing_signature_id,
    }


def excursion_detail_body(e: Excursion) -> dict[str, Any]:
    return {
        **excursion_body(e),
        "readings_during": selectors.readings_during(e).count(),
        "active_hold_ids": active_holds_of(e),
        "holds": [hold_body(h) for h in selectors.holds_of(e)],
        "signatures": [signature_body(s) for s in signatures.signatures_for(e)],
    }


def excursion_or_404(pk: int) -> Excursion:
    return get_object_or_404(
        Excursion.objects.select_related("location", "first_reading", "last_reading"), pk=pk
    )


def hold_or_404(pk: int) -> StockHold:
    return get_object_or_404(
        StockHold.objects.select_related(
            "product", "lot", "serial", "location", "release_signature"
        ),
        pk=pk,
    )


def _already_answered() -> tuple[int, Any]:
    # Only reached if the stored response was purged in between: ask the client to retry.
    raise Conflict()


Guard = Callable[[dict[str, Any], Callable[[], tuple[int, Any]]], Any]


def signed_step(
    request: HttpRequest,
    fingerprint: dict[str, Any],
    guard: Guard,
    run: Callable[..., Any],
    body: Callable[[Any], dict[str, Any]],
) -> Any:
    """Re-authenticate inside ``run`` (the service), then do the step inside ``guard``; a retry
    with the same key replays the first answer without signing again."""
    if answered(request):
        return guard(fingerprint, _already_answered)

    def around(work: Callable[[], Any]) -> Any:
        def execute() -> tuple[int, Any]:
            return 200, body(work())

        return guard(fingerprint, execute)

    session = getattr(request, "session", None)
    return run(
        Actor.from_request(request),
        session_key=getattr(session, "session_key", None),
        around=around,
    )
