"""Cold-chain endpoints under /api/v1/inventory (issue 4 §6, §9): temperature ingest, readings,
excursions and stock holds with QA's signed decisions.

No ``from __future__ import annotations`` in api modules: django-ninja resolves handler
annotations through the permission wrapper, which needs real types.

Ingest is idempotent twice over: by the logger's ``reading_id`` (a resent reading is answered as
before, the same id with other values is 409 ``inventory.reading_conflict``) and, as every
creating POST, by ``Idempotency-Key``. Signed steps take the signer's credentials (``SignIn``),
never a signature id (ES-04); an API key cannot sign (403 ``identity.not_a_person``, ES-11). The
idempotency guard runs inside the re-authentication, so a refused password keeps its
security-log record.
"""

import datetime as dt
import hashlib
import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Router, Schema
from pydantic import Field

from mederp.core import signatures
from mederp.core.actors import Actor
from mederp.core.apiperms import require_perm
from mederp.core.errors import Conflict
from mederp.core.idempotency import answered, run_idempotent
from mederp.core.schemas import ERRORS, SignatureOut, SignIn, StrictIn, signature_body
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


def _json(schema: type[Schema], body: dict[str, Any]) -> Any:
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


def _excursion(pk: int) -> Excursion:
    return get_object_or_404(
        Excursion.objects.select_related("location", "first_reading", "last_reading"), pk=pk
    )


def _hold(pk: int) -> StockHold:
    return get_object_or_404(
        StockHold.objects.select_related(
            "product", "lot", "serial", "location", "release_signature"
        ),
        pk=pk,
    )


# --- ingest and readings ----------------------------------------------------------------------


def _reading_data(item: ReadingIn, raw: str) -> services.ReadingData:
    return services.ReadingData(
        reading_id=item.reading_id,
        location=item.location_id,
        measured_at=item.measured_at,
        celsius=item.celsius,
        source=item.source,
        raw=item.raw if item.raw is not None else raw,
    )


def _received_items(request: HttpRequest) -> list[str]:
    """Each batch item's JSON as received (the body parsed already, so it is valid JSON)."""
    items = json.loads(request.body).get("readings", [])
    return [json.dumps(i, ensure_ascii=False, separators=(",", ":")) for i in items]


@router.post("/temperature-readings", response={201: ReadingOut, **ERRORS})
@require_perm("inventory.add_temperaturereading")
def record_reading(request: HttpRequest, payload: ReadingIn) -> Any:
    """Record one logger reading. Sent again with the same values it is answered as before
    (201, same body) and writes nothing; a reading outside the storage range of stock at its
    location holds that stock and opens an excursion (CN-14)."""
    raw = request.body.decode("utf-8", errors="replace")

    def execute() -> tuple[int, Any]:
        answer = services.record_reading(Actor.from_request(request), _reading_data(payload, raw))
        return 201, _json(ReadingOut, reading_body(answer.reading))

    return run_idempotent(request, payload.model_dump(mode="json"), execute)


@router.post("/temperature-readings/batch", response={201: ReadingBatchOut, **ERRORS})
@require_perm("inventory.add_temperaturereading")
def record_readings(request: HttpRequest, payload: ReadingBatchIn) -> Any:
    """Record up to 1,000 readings in one transaction (all or none; a refusal names the item in
    ``details.index``). Readings already recorded are answered as before."""
    raws = _received_items(request)

    def execute() -> tuple[int, Any]:
        answers = services.record_readings(
            Actor.from_request(request),
            [_reading_data(item, raw) for item, raw in zip(payload.readings, raws, strict=True)],
        )
        return 201, {"readings": [_json(ReadingOut, reading_body(a.reading)) for a in answers]}

    return run_idempotent(request, payload.model_dump(mode="json"), execute)


@router.get("/temperature-readings", response={200: list[ReadingOut], **ERRORS})
@require_perm("inventory.view_temperaturereading")
def list_readings(
    request: HttpRequest,
    location: int | None = None,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    limit: int = 100,
) -> Any:
    """Readings, newest first (``limit`` 1 to 1,000)."""
    qs = selectors.readings(location_id=location, since=since, until=until)
    qs = qs[: max(1, min(limit, 1000))]
    return [reading_body(r) for r in qs]


@router.get("/cold-chain/locations", response={200: list[MonitoredLocationOut], **ERRORS})
@require_perm("inventory.view_temperaturereading", "inventory.view_location")
def monitored_locations(request: HttpRequest, warehouse: int | None = None) -> Any:
    """Cold rooms and every location with readings: range, latest reading, open excursion."""
    return [
        {
            "location_id": m.location.pk,
            "warehouse_code": m.location.warehouse.code,
            "code": m.location.code,
            "name": m.location.name,
            "kind": m.location.kind,
            "temp_min_c": m.location.temp_min_c,
            "temp_max_c": m.location.temp_max_c,
            "latest": reading_body(m.latest) if m.latest is not None else None,
            "open_excursion_id": m.excursion.pk if m.excursion is not None else None,
        }
        for m in selectors.monitored_locations(warehouse_id=warehouse)
    ]


# --- excursions -------------------------------------------------------------------------------


@router.get("/excursions", response={200: list[ExcursionOut], **ERRORS})
@require_perm("inventory.view_excursion")
def list_excursions(
    request: HttpRequest, status: str | None = None, location: int | None = None
) -> Any:
    return [excursion_body(e) for e in selectors.excursions(status=status, location_id=location)]


@router.get("/excursions/{excursion_id}", response={200: ExcursionDetailOut, **ERRORS})
@require_perm("inventory.view_excursion", "inventory.view_stockhold")
def get_excursion(request: HttpRequest, excursion_id: int) -> Any:
    return excursion_detail_body(_excursion(excursion_id))


def _already_answered() -> tuple[int, Any]:
    # Only reached if the stored response was purged in between: ask the client to retry.
    raise Conflict()


Guard = Callable[[dict[str, Any], Callable[[], tuple[int, Any]]], Any]


def _signed(
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


@router.post("/excursions/{excursion_id}/close", response={200: ExcursionDetailOut, **ERRORS})
@require_perm("inventory.close_excursion")
def close_excursion(request: HttpRequest, excursion_id: int, payload: SignIn) -> Any:
    """QA closes the excursion by signature (meaning "closed"); ``reason``, the assessment, is
    required. Refused while a hold it placed awaits a decision (409
    ``inventory.excursion_holds_active``) or the room still reads out of range."""
    return _signed(
        request,
        {"step": "close", "reason": payload.reason},
        lambda b, e: run_idempotent(request, b, e),
        lambda actor, **kw: services.close_excursion(
            actor,
            excursion_id,
            password=payload.password,
            totp=payload.totp,
            reason=payload.reason,
            **kw,
        ),
        lambda e: _json(ExcursionDetailOut, excursion_detail_body(_excursion(e.pk))),
    )


# --- holds ------------------------------------------------------------------------------------


@router.get("/holds", response={200: list[HoldOut], **ERRORS})
@require_perm("inventory.view_stockhold")
def list_holds(
    request: HttpRequest,
    active: bool | None = True,
    source_type: str | None = None,
    product: int | None = None,
    location: int | None = None,
) -> Any:
    """Stock holds, newest first (by default the active ones)."""
    qs = selectors.holds(
        active=active, source_type=source_type, product_id=product, location_id=location
    )
    return [hold_body(h) for h in qs]


@router.get("/holds/{hold_id}", response={200: HoldDetailOut, **ERRORS})
@require_perm("inventory.view_stockhold")
def get_hold(request: HttpRequest, hold_id: int) -> Any:
    return hold_detail_body(_hold(hold_id))


@router.post("/holds/{hold_id}/release", response={200: HoldDetailOut, **ERRORS})
@require_perm("inventory.release_stockhold")
def release_hold(request: HttpRequest, hold_id: int, payload: SignIn) -> Any:
    """QA releases held stock after evaluation, by signature (meaning "released"); ``reason``
    (the disposition) is required. The stock is available again."""
    return _signed(
        request,
        {"step": "release", "reason": payload.reason},
        lambda b, e: run_idempotent(request, b, e),
        lambda actor, **kw: services.release_hold(
            actor,
            hold_id,
            password=payload.password,
            totp=payload.totp,
            reason=payload.reason,
            **kw,
        ),
        lambda h: _json(HoldDetailOut, hold_detail_body(_hold(h.pk))),
    )


@router.post("/holds/{hold_id}/reject", response={200: HoldDetailOut, **ERRORS})
@require_perm("inventory.release_stockhold")
def reject_hold(request: HttpRequest, hold_id: int, payload: RejectIn) -> Any:
    """QA rejects held stock by signature (meaning "rejected", ``reason`` required): every unit
    the hold covers at its location moves to ``to_location_id`` (a rejected-goods location of
    the same warehouse)."""
    return _signed(
        request,
        {"step": "reject", "reason": payload.reason, "to_location_id": payload.to_location_id},
        lambda b, e: run_idempotent(request, b, e),
        lambda actor, **kw: services.reject_held_stock(
            actor,
            hold_id,
            to_location=payload.to_location_id,
            password=payload.password,
            totp=payload.totp,
            reason=payload.reason,
            **kw,
        ),
        lambda h: _json(HoldDetailOut, hold_detail_body(_hold(h.pk))),
    )
