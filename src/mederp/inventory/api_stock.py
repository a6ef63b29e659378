"""Stock endpoints on the inventory router: lots and serials with their QA decisions, balances,
FEFO availability, moves (read), transfers, reversals, cycle counts, the near-expiry report and
reconcile. docs/ledger.md states the rules behind each.

No ``from __future__ import annotations`` in api modules: django-ninja resolves handler
annotations through the permission wrapper, which needs real types.

Signed steps take the signer's credentials (``SignIn``), never a signature id (ES-04); the
idempotency guard runs inside the re-authentication, so a refused password leaves its
security-log record.
"""

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Query, Schema
from pydantic import Field

from mederp.core import signatures
from mederp.core.actors import Actor
from mederp.core.apiperms import require_perm
from mederp.core.errors import Conflict
from mederp.core.idempotency import answered, run_idempotent
from mederp.core.schemas import ERRORS, SignatureOut, SignIn, StrictIn, TransitionIn, signature_body
from mederp.inventory import quality, reconcile, rules, selectors, services
from mederp.inventory.api import router
from mederp.inventory.models import Balance, CycleCount, ExpiryPolicy, Lot, Move, Serial
from mederp.inventory.services import expiry

# --- schemas ------------------------------------------------------------------------------------


class LotOut(Schema):
    id: int
    product_id: int
    number: str
    manufacture_date: dt.date | None
    expiry_date: dt.date | None
    status: str = Field(
        description="stored status: quarantine, released, rejected, on_hold, recalled"
    )
    effective_status: str = Field(description="the status, or 'expired' past the expiry date")
    inspected_by_id: int | None
    created_at: dt.datetime
    version: int


class BalanceOut(Schema):
    id: int
    product_id: int
    lot_id: int | None
    lot_number: str | None
    serial_id: int | None
    serial_number: str | None
    location_id: int
    location_code: str
    location_kind: str
    expiry_date: dt.date | None
    quantity: Decimal
    reserved: Decimal


class LotDetailOut(LotOut):
    balances: list[BalanceOut]
    signatures: list[SignatureOut]


class SerialOut(Schema):
    id: int
    product_id: int
    serial_number: str
    lot_id: int | None
    manufacture_date: dt.date | None
    expiry_date: dt.date | None
    status: str
    effective_status: str
    inspected_by_id: int | None
    version: int


class StockMoveOut(Schema):
    id: int
    product_id: int
    lot_id: int | None
    serial_id: int | None
    quantity: Decimal
    from_location_id: int
    to_location_id: int
    document_type: str
    document_id: str
    document_line: str
    reverses_id: int | None
    reason: str
    occurred_at: dt.datetime
    actor_name: str


class AvailableOut(Schema):
    balance_id: int
    lot_id: int | None
    lot_number: str | None
    serial_id: int | None
    serial_number: str | None
    location_id: int
    location_code: str
    expiry_date: dt.date | None
    on_hand: Decimal
    reserved: Decimal
    available: Decimal


class TransferIn(StrictIn):
    product_id: int
    quantity: Decimal = Field(description='decimal, > 0, at most 3 places (e.g. "12.5")')
    from_location_id: int
    to_location_id: int
    lot_id: int | None = None
    serial_id: int | None = None
    reason: str = Field(default="", max_length=2000)


class ReverseIn(StrictIn):
    reason: str = Field(min_length=1, max_length=2000)


class CycleCountLineOut(Schema):
    id: int
    product_id: int
    lot_id: int | None
    serial_id: int | None
    expected: Decimal
    counted: Decimal | None
    difference: Decimal | None


class CycleCountOut(Schema):
    id: int
    location_id: int
    status: str
    opened_at: dt.datetime
    counted_at: dt.datetime | None
    counted_by_id: int | None
    decided_at: dt.datetime | None
    decided_by_id: int | None
    signature_id: int | None
    version: int
    lines: list[CycleCountLineOut]


class CountOpenIn(StrictIn):
    location_id: int


class CountedLineIn(StrictIn):
    line_id: int
    counted: Decimal


class FoundLineIn(StrictIn):
    product_id: int
    lot_id: int | None = None
    serial_id: int | None = None
    counted: Decimal


class CountRecordIn(StrictIn):
    lines: list[CountedLineIn] = Field(default_factory=list)
    found: list[FoundLineIn] = Field(default_factory=list)


class NearExpiryOut(Schema):
    lot_id: int
    product_id: int
    product_code: str
    lot_number: str
    expiry_date: dt.date
    days_left: int
    quantity: Decimal
    window_days: int


class DifferenceOut(Schema):
    product_id: int
    lot_id: int | None
    serial_id: int | None
    location_id: int
    field: str
    ledger: Decimal
    balance: Decimal


class ReconcileOut(Schema):
    ok: bool
    differences: list[DifferenceOut]


# --- bodies -------------------------------------------------------------------------------------


def lot_body(lot: Lot) -> dict[str, Any]:
    return {
        "id": lot.pk,
        "product_id": lot.product_id,
        "number": lot.number,
        "manufacture_date": lot.manufacture_date,
        "expiry_date": lot.expiry_date,
        "status": lot.status,
        "effective_status": selectors.effective_status(lot),
        "inspected_by_id": lot.inspected_by_id,
        "created_at": lot.created_at,
        "version": lot.version,
    }


def balance_body(b: Balance) -> dict[str, Any]:
    return {
        "id": b.pk,
        "product_id": b.product_id,
        "lot_id": b.lot_id,
        "lot_number": b.lot.number if b.lot is not None else None,
        "serial_id": b.serial_id,
        "serial_number": b.serial.serial_number if b.serial is not None else None,
        "location_id": b.location_id,
        "location_code": b.location.code,
        "location_kind": b.location.kind,
        "expiry_date": b.expiry_date,
        "quantity": rules.normal(b.quantity),
        "reserved": rules.normal(b.reserved),
    }


def lot_detail_body(lot: Lot) -> dict[str, Any]:
    balances = selectors.stock_on_hand(lot.product_id).filter(lot_id=lot.pk)
    return {
        **lot_body(lot),
        "balances": [balance_body(b) for b in balances],
        "signatures": [signature_body(v) for v in signatures.signatures_for(lot)],
    }


def serial_body(s: Serial) -> dict[str, Any]:
    return {
        "id": s.pk,
        "product_id": s.product_id,
        "serial_number": s.serial_number,
        "lot_id": s.lot_id,
        "manufacture_date": s.manufacture_date,
        "expiry_date": s.expiry_date,
        "status": s.status,
        "effective_status": selectors.effective_status(s),
        "inspected_by_id": s.inspected_by_id,
        "version": s.version,
    }


def move_body(m: Move) -> dict[str, Any]:
    return {
        "id": m.pk,
        "product_id": m.product_id,
        "lot_id": m.lot_id,
        "serial_id": m.serial_id,
        "quantity": rules.normal(m.quantity),
        "from_location_id": m.from_location_id,
        "to_location_id": m.to_location_id,
        "document_type": m.document_type,
        "document_id": m.document_id,
        "document_line": m.document_line,
        "reverses_id": m.reverses_id,
        "reason": m.reason,
        "occurred_at": m.occurred_at,
        "actor_name": m.actor_name,
    }


def count_body(count: CycleCount) -> dict[str, Any]:
    return {
        "id": count.pk,
        "location_id": count.location_id,
        "status": count.status,
        "opened_at": count.opened_at,
        "counted_at": count.counted_at,
        "counted_by_id": count.counted_by_id,
        "decided_at": count.decided_at,
        "decided_by_id": count.decided_by_id,
        "signature_id": count.signature_id,
        "version": count.version,
        "lines": [
            {
                "id": line.pk,
                "product_id": line.product_id,
                "lot_id": line.lot_id,
                "serial_id": line.serial_id,
                "expected": rules.normal(line.expected),
                "counted": None if line.counted is None else rules.normal(line.counted),
                "difference": None if line.difference is None else rules.normal(line.difference),
            }
            for line in count.lines.order_by("id")
        ],
    }


def _json(schema: type[Schema], body: dict[str, Any]) -> Any:
    return schema.model_validate(body).model_dump(mode="json")


def _session_key(request: HttpRequest) -> str | None:
    return getattr(getattr(request, "session", None), "session_key", None)


def _already_answered() -> tuple[int, Any]:
    raise Conflict()  # only if the stored answer was purged in between: retry


Guard = Callable[[dict[str, Any], Callable[[], tuple[int, Any]]], Any]


def _signed(
    request: HttpRequest,
    step: str,
    payload: SignIn | TransitionIn,
    run: Callable[[Callable[[Callable[[], Any]], Any]], Any],
    body: Callable[[Any], dict[str, Any]],
    guard: Guard,
) -> Any:
    """Run a (possibly signed) step with ``run(around)`` inside the handler's idempotency
    ``guard``; a retry with the same key replays the first answer without signing again."""
    fingerprint = {"step": step, "reason": payload.reason}
    if answered(request):
        return guard(fingerprint, _already_answered)

    def around(work: Callable[[], Any]) -> Any:
        return guard(fingerprint, lambda: (200, body(work())))

    return run(around)


# --- lots and serials ---------------------------------------------------------------------------


@router.get("/lots", response={200: list[LotOut], **ERRORS})
@require_perm("inventory.view_lot")
def list_lots(
    request: HttpRequest,
    product: int | None = None,
    status: str | None = None,
    number: str | None = None,
) -> Any:
    qs = Lot.objects.order_by("product_id", "expiry_date", "number")
    if product is not None:
        qs = qs.filter(product_id=product)
    if status:
        qs = qs.filter(status=status)
    if number:
        qs = qs.filter(number=number)
    return [lot_body(lot) for lot in qs[:500]]


@router.get("/lots/{lot_id}", response={200: LotDetailOut, **ERRORS})
@require_perm("inventory.view_lot", "inventory.view_balance")
def get_lot(request: HttpRequest, lot_id: int) -> Any:
    return lot_detail_body(get_object_or_404(Lot.objects.select_related("product"), pk=lot_id))


def _status_step(
    model: type[Lot] | type[Serial], name: str, render: Callable[[Any], Any]
) -> Callable[..., Any]:
    """A signed status change of a lot or serial (release, reject, hold, recall) as one API
    step: the service call, its idempotency guard and the response body."""

    def handler(request: HttpRequest, record_id: int, payload: Any, guard: Guard) -> Any:
        def run(around: Callable[[Callable[[], Any]], Any]) -> Any:
            return services.change_status(
                Actor.from_request(request),
                model,
                record_id,
                name,
                reason=payload.reason,
                password=getattr(payload, "password", None),
                totp=getattr(payload, "totp", None),
                session_key=_session_key(request),
                around=around,
            )

        return _signed(request, f"{model._meta.model_name}.{name}", payload, run, render, guard)

    return handler


def _lot_step(name: str) -> Callable[..., Any]:
    return _status_step(Lot, name, lambda lot: _json(LotDetailOut, lot_detail_body(lot)))


@router.post("/lots/{lot_id}/release", response={200: LotDetailOut, **ERRORS})
@require_perm(quality.RELEASE_PERMISSION)
def release_lot(request: HttpRequest, lot_id: int, payload: SignIn) -> Any:
    """QA releases a quarantined or held lot, signed "released"; not its receiving inspector
    (403 ``signatures.sod_excluded_signer``). Release changes the status; putaway is a transfer."""
    return _lot_step(quality.RELEASE)(
        request, lot_id, payload, lambda b, e: run_idempotent(request, b, e)
    )


@router.post("/lots/{lot_id}/reject", response={200: LotDetailOut, **ERRORS})
@require_perm(quality.RELEASE_PERMISSION)
def reject_lot(request: HttpRequest, lot_id: int, payload: SignIn) -> Any:
    """QA rejects a quarantined or held lot, signed "rejected"; ``reason`` is required."""
    return _lot_step(quality.REJECT)(
        request, lot_id, payload, lambda b, e: run_idempotent(request, b, e)
    )


@router.post("/lots/{lot_id}/hold", response={200: LotDetailOut, **ERRORS})
@require_perm(quality.HOLD_PERMISSION)
def hold_lot(request: HttpRequest, lot_id: int, payload: TransitionIn) -> Any:
    """Put a lot on hold (no signature; ``reason`` required)."""
    return _lot_step(quality.HOLD_STOCK)(
        request, lot_id, payload, lambda b, e: run_idempotent(request, b, e)
    )


@router.post("/lots/{lot_id}/recall", response={200: LotDetailOut, **ERRORS})
@require_perm(quality.RECALL_PERMISSION)
def recall_lot(request: HttpRequest, lot_id: int, payload: TransitionIn) -> Any:
    """Mark a lot recalled (``reason`` required): its stock is blocked wherever it is."""
    return _lot_step(quality.RECALL)(
        request, lot_id, payload, lambda b, e: run_idempotent(request, b, e)
    )


@router.get("/serials", response={200: list[SerialOut], **ERRORS})
@require_perm("inventory.view_serial")
def list_serials(
    request: HttpRequest, product: int | None = None, serial_number: str | None = None
) -> Any:
    qs = Serial.objects.order_by("product_id", "serial_number")
    if product is not None:
        qs = qs.filter(product_id=product)
    if serial_number:
        qs = qs.filter(serial_number=serial_number)
    return [serial_body(s) for s in qs[:500]]


def _serial_step(name: str) -> Callable[..., Any]:
    return _status_step(Serial, name, lambda unit: _json(SerialOut, serial_body(unit)))


@router.post("/serials/{serial_id}/release", response={200: SerialOut, **ERRORS})
@require_perm(quality.RELEASE_PERMISSION)
def release_serial(request: HttpRequest, serial_id: int, payload: SignIn) -> Any:
    """QA releases a quarantined or held unit, signed "released" (not its inspector)."""
    return _serial_step(quality.RELEASE)(
        request, serial_id, payload, lambda b, e: run_idempotent(request, b, e)
    )


@router.post("/serials/{serial_id}/reject", response={200: SerialOut, **ERRORS})
@require_perm(quality.RELEASE_PERMISSION)
def reject_serial(request: HttpRequest, serial_id: int, payload: SignIn) -> Any:
    """QA rejects a quarantined or held unit, signed "rejected"; ``reason`` is required."""
    return _serial_step(quality.REJECT)(
        request, serial_id, payload, lambda b, e: run_idempotent(request, b, e)
    )


# --- balances, availability, moves ---------------------------------------------------------------


@router.get("/balances", response={200: list[BalanceOut], **ERRORS})
@require_perm("inventory.view_balance")
def list_balances(
    request: HttpRequest,
    product: int | None = None,
    location: int | None = None,
    lot: int | None = None,
) -> Any:
    """Positive balances (stock on hand), by product, location and/or lot."""
    qs = selectors.stock_on_hand(product, location=location)
    if lot is not None:
        qs = qs.filter(lot_id=lot)
    return [balance_body(b) for b in qs[:1000]]


@router.get("/available", response={200: list[AvailableOut], **ERRORS})
@require_perm("inventory.view_balance")
def available(
    request: HttpRequest,
    product: int,
    # Bounded like a customer's minimum shelf life (partners): a date that far out does not
    # exist, and the arithmetic used to fail with a 500 (found by the contract tests).
    min_remaining_days: int = Query(0, le=36_500),
    on_date: dt.date | None = None,
) -> Any:
    """FEFO: available stock of a product, earliest expiry first (TR-05..07)."""
    rows = selectors.available_lots_fefo(
        product, on_date=on_date, min_remaining_days=min_remaining_days
    )
    return [
        {
            "balance_id": r.balance_id,
            "lot_id": r.lot_id,
            "lot_number": r.lot_number,
            "serial_id": r.serial_id,
            "serial_number": r.serial_number,
            "location_id": r.location_id,
            "location_code": r.location_code,
            "expiry_date": r.expiry_date,
            "on_hand": rules.normal(r.on_hand),
            "reserved": rules.normal(r.reserved),
            "available": rules.normal(r.available),
        }
        for r in rows
    ]


@router.get("/moves", response={200: list[StockMoveOut], **ERRORS})
@require_perm("inventory.view_move")
def list_moves(
    request: HttpRequest,
    product: int | None = None,
    lot: int | None = None,
    serial: int | None = None,
    document_type: str | None = None,
    document_id: str | None = None,
    before: int | None = None,
    limit: int = 200,
) -> Any:
    """Moves, newest first; page with ``before`` = the last id seen."""
    qs = Move.objects.order_by("-id")
    if product is not None:
        qs = qs.filter(product_id=product)
    if lot is not None:
        qs = qs.filter(lot_id=lot)
    if serial is not None:
        qs = qs.filter(serial_id=serial)
    if document_type:
        qs = qs.filter(document_type=document_type)
    if document_id:
        qs = qs.filter(document_id=document_id)
    if before is not None:
        qs = qs.filter(id__lt=before)
    return [move_body(m) for m in qs[: max(1, min(limit, 1000))]]


@router.get("/moves/{move_id}", response={200: StockMoveOut, **ERRORS})
@require_perm("inventory.view_move")
def get_move(request: HttpRequest, move_id: int) -> Any:
    return move_body(get_object_or_404(Move, pk=move_id))


@router.post("/transfers", response={201: StockMoveOut, **ERRORS})
@require_perm("inventory.add_move")
def create_transfer(request: HttpRequest, payload: TransferIn) -> Any:
    """Move stock between two internal locations (putaway, replenishment)."""

    def execute() -> tuple[int, Any]:
        move = services.transfer(
            Actor.from_request(request),
            product=payload.product_id,
            quantity=payload.quantity,
            from_location=payload.from_location_id,
            to_location=payload.to_location_id,
            lot=payload.lot_id,
            serial=payload.serial_id,
            reason=payload.reason,
        )
        return 201, _json(StockMoveOut, move_body(move))

    return run_idempotent(request, payload.model_dump(mode="json"), execute)


@router.post("/moves/{move_id}/reverse", response={201: StockMoveOut, **ERRORS})
@require_perm("inventory.reverse_move")
def reverse_move(request: HttpRequest, move_id: int, payload: ReverseIn) -> Any:
    """Correct a move by its mirror image (409 ``inventory.already_reversed`` the second time)."""

    def execute() -> tuple[int, Any]:
        move = services.reverse_move(Actor.from_request(request), move_id, reason=payload.reason)
        return 201, _json(StockMoveOut, move_body(move))

    return run_idempotent(request, {"move": move_id, **payload.model_dump(mode="json")}, execute)


# --- cycle counts -------------------------------------------------------------------------------


@router.get("/counts", response={200: list[CycleCountOut], **ERRORS})
@require_perm("inventory.view_cyclecount")
def list_counts(request: HttpRequest, status: str | None = None) -> Any:
    qs = CycleCount.objects.order_by("-id")
    if status:
        qs = qs.filter(status=status)
    return [count_body(c) for c in qs[:200]]


@router.get("/counts/{count_id}", response={200: CycleCountOut, **ERRORS})
@require_perm("inventory.view_cyclecount")
def get_count(request: HttpRequest, count_id: int) -> Any:
    return count_body(get_object_or_404(CycleCount, pk=count_id))


@router.post("/counts", response={201: CycleCountOut, **ERRORS})
@require_perm("inventory.add_cyclecount")
def open_count(request: HttpRequest, payload: CountOpenIn) -> Any:
    """Open a count of a location: its lines are the location's stock now."""

    def execute() -> tuple[int, Any]:
        count = services.open_count(Actor.from_request(request), payload.location_id)
        return 201, _json(CycleCountOut, count_body(count))

    return run_idempotent(request, payload.model_dump(mode="json"), execute)


@router.post("/counts/{count_id}/record", response={200: CycleCountOut, **ERRORS})
@require_perm("inventory.change_cyclecount")
def record_counts(request: HttpRequest, count_id: int, payload: CountRecordIn) -> Any:
    """Record what was found on every line (and stock nobody expected)."""

    def execute() -> tuple[int, Any]:
        count = services.record_counts(
            Actor.from_request(request),
            count_id,
            counts={line.line_id: line.counted for line in payload.lines},
            found=[
                {
                    "product": f.product_id,
                    "lot": f.lot_id,
                    "serial": f.serial_id,
                    "counted": f.counted,
                }
                for f in payload.found
            ],
        )
        return 200, _json(CycleCountOut, count_body(count))

    return run_idempotent(request, {"count": count_id, **payload.model_dump(mode="json")}, execute)


def _decide(
    request: HttpRequest, count_id: int, meaning: str, payload: SignIn, guard: Guard
) -> Any:
    def run(around: Callable[[Callable[[], Any]], Any]) -> Any:
        return services.decide_count(
            Actor.from_request(request),
            count_id,
            meaning,
            password=payload.password,
            totp=payload.totp,
            reason=payload.reason,
            session_key=_session_key(request),
            around=around,
        )

    return _signed(
        request,
        f"count.{meaning}",
        payload,
        run,
        lambda c: _json(CycleCountOut, count_body(c)),
        guard,
    )


@router.post("/counts/{count_id}/approve", response={200: CycleCountOut, **ERRORS})
@require_perm(quality.COUNT_APPROVE_PERMISSION)
def approve_count(request: HttpRequest, count_id: int, payload: SignIn) -> Any:
    """Approve the differences, signed "approved" (not by the counter): they are booked as
    adjusting moves against the warehouse's count-adjustment location."""
    return _decide(
        request, count_id, "approved", payload, lambda b, e: run_idempotent(request, b, e)
    )


@router.post("/counts/{count_id}/reject", response={200: CycleCountOut, **ERRORS})
@require_perm(quality.COUNT_APPROVE_PERMISSION)
def reject_count(request: HttpRequest, count_id: int, payload: SignIn) -> Any:
    """Reject the count, signed "rejected" with a reason: nothing is booked."""
    return _decide(
        request, count_id, "rejected", payload, lambda b, e: run_idempotent(request, b, e)
    )


# --- reports ------------------------------------------------------------------------------------


@router.get("/near-expiry", response={200: list[NearExpiryOut], **ERRORS})
@require_perm("inventory.view_lot", "inventory.view_balance")
def near_expiry(request: HttpRequest, on_date: dt.date | None = None) -> Any:
    """Lots in stock inside their near-expiry window or expired (TR-05), soonest first."""
    return [row.as_dict() for row in expiry.report(on_date=on_date)]


@router.get("/reconcile", response={200: ReconcileOut, **ERRORS})
@require_perm("inventory.view_balance", "inventory.view_move")
def reconcile_books(request: HttpRequest) -> Any:
    """Balances recomputed from the moves; every difference named (invariant 4)."""
    differences = reconcile.reconcile()
    return {"ok": not differences, "differences": [d.as_dict() for d in differences]}


class ExpiryWindowsIn(StrictIn):
    product_id: int | None = None
    category_code: str = Field(default="", max_length=32)
    days: list[int] = Field(description="windows in days before expiry, e.g. [180, 90, 30]")
    reason: str = Field(default="", max_length=2000)


class ExpiryWindowOut(Schema):
    product_id: int | None
    category_code: str
    days: int


@router.get("/expiry-windows", response={200: list[ExpiryWindowOut], **ERRORS})
@require_perm("inventory.view_expirypolicy")
def list_expiry_windows(request: HttpRequest) -> Any:
    """Every configured near-expiry window (none: 90 days for every product)."""
    return [
        {"product_id": p.product_id, "category_code": p.category_code, "days": p.days}
        for p in ExpiryPolicy.objects.all()
    ]


@router.post("/expiry-windows", response={200: list[ExpiryWindowOut], **ERRORS})
@require_perm("inventory.change_expirypolicy")
def set_expiry_windows(request: HttpRequest, payload: ExpiryWindowsIn) -> Any:
    """Replace the windows of one scope: a product, a classification code, or all products."""

    def execute() -> tuple[int, Any]:
        rows = expiry.set_windows(
            Actor.from_request(request),
            days=payload.days,
            product=payload.product_id,
            category_code=payload.category_code,
            reason=payload.reason,
        )
        return 200, [
            {"product_id": p.product_id, "category_code": p.category_code, "days": p.days}
            for p in rows
        ]

    return run_idempotent(request, payload.model_dump(mode="json"), execute)
