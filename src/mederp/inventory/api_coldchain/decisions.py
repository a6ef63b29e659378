"""Excursions and stock holds, with QA's signed decisions (21 CFR 11.50, 11.200; ES-04, ES-11)."""

from typing import Any

from django.http import HttpRequest

from mederp.core.apiperms import require_perm
from mederp.core.idempotency import run_idempotent
from mederp.core.schemas import ERRORS, SignIn
from mederp.inventory.api_coldchain.common import (
    ExcursionDetailOut,
    ExcursionOut,
    HoldDetailOut,
    HoldOut,
    RejectIn,
    as_json,
    excursion_body,
    excursion_detail_body,
    excursion_or_404,
    hold_body,
    hold_detail_body,
    hold_or_404,
    router,
    signed_step,
)
from mederp.inventory.coldchain import selectors, services


@router.get("/excursions", response={200: list[ExcursionOut], **ERRORS})
@require_perm("inventory.view_excursion")
def list_excursions(
    request: HttpRequest, status: str | None = None, location: int | None = None
) -> Any:
    return [excursion_body(e) for e in selectors.excursions(status=status, location_id=location)]


@router.get("/excursions/{excursion_id}", response={200: ExcursionDetailOut, **ERRORS})
@require_perm("inventory.view_excursion", "inventory.view_stockhold")
def get_excursion(request: HttpRequest, excursion_id: int) -> Any:
    return excursion_detail_body(excursion_or_404(excursion_id))


@router.post("/excursions/{excursion_id}/close", response={200: ExcursionDetailOut, **ERRORS})
@require_perm("inventory.close_excursion")
def close_excursion(request: HttpRequest, excursion_id: int, payload: SignIn) -> Any:
    """QA closes the excursion by signature (meaning "closed"); ``reason``, the assessment, is
    required. Refused while a hold it placed awaits a decision (409
    ``inventory.excursion_holds_active``) or the room still reads out of range."""
    return signed_step(
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
        lambda e: as_json(ExcursionDetailOut, excursion_detail_body(excursion_or_404(e.pk))),
    )


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
    return hold_detail_body(hold_or_404(hold_id))


@router.post("/holds/{hold_id}/release", response={200: HoldDetailOut, **ERRORS})
@require_perm("inventory.release_stockhold")
def release_hold(request: HttpRequest, hold_id: int, payload: SignIn) -> Any:
    """QA releases held stock after evaluation, by signature (meaning "released"); ``reason``
    (the disposition) is required. The stock is available again."""
    return signed_step(
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
        lambda h: as_json(HoldDetailOut, hold_detail_body(hold_or_404(h.pk))),
    )


@router.post("/holds/{hold_id}/reject", response={200: HoldDetailOut, **ERRORS})
@require_perm("inventory.release_stockhold")
def reject_hold(request: HttpRequest, hold_id: int, payload: RejectIn) -> Any:
    """QA rejects held stock by signature (meaning "rejected", ``reason`` required): every unit
    the hold covers at its location moves to ``to_location_id`` (a rejected-goods location of
    the same warehouse)."""
    return signed_step(
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
        lambda h: as_json(HoldDetailOut, hold_detail_body(hold_or_404(h.pk))),
    )
