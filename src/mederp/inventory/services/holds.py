"""Stock holds: stock that must not be used until QA has evaluated it (cold-chain excursions,
complaints, investigations). Placing a hold needs a reason, never a signature (stopping stock is
always allowed); releasing it is QA's signed decision (ES-12)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import transaction

from mederp.core import audit, clock, outbox, signatures
from mederp.core.actors import Actor
from mederp.core.errors import NotFound, ReasonRequired
from mederp.core.services import authorize, created
from mederp.inventory import events
from mederp.inventory.errors import HoldNotActive, WrongProduct
from mederp.inventory.locks import lock_hold
from mederp.inventory.models import Location, Lot, Serial, StockHold
from mederp.inventory.services.moves import ProductModel, _get

HOLD_MEANING = "released"


def hold_payload(hold: StockHold) -> dict[str, Any]:
    return {
        "id": hold.pk,
        "product_id": hold.product_id,
        "lot_id": hold.lot_id,
        "serial_id": hold.serial_id,
        "location_id": hold.location_id,
        "reason": hold.reason,
        "source_type": hold.source_type,
        "source_id": hold.source_id,
        "placed_at": hold.placed_at,
        "released_at": hold.released_at,
        "release_signature_id": hold.release_signature_id,
    }


def place_hold(
    actor: Actor,
    *,
    product: Any,
    reason: str,
    lot: Lot | int | None = None,
    serial: Serial | int | None = None,
    location: Location | int | None = None,
    source_type: str = "",
    source_id: str | int = "",
) -> StockHold:
    """Hold a product's stock: of one lot/serial or all, at one location or everywhere.

    Held stock is not available (FEFO, shipments) until the hold is released. Permission
    ``inventory.add_stockhold`` (the system actor, e.g. the cold-chain ingest, holds all).
    """
    authorize(actor, "inventory.add_stockhold")
    if not (reason or "").strip():
        raise ReasonRequired()
    product_obj = _get(ProductModel, product, "Product")
    lot_obj = _get(Lot, lot, "Lot")
    serial_obj = _get(Serial, serial, "Serial")
    for item, label in ((lot_obj, "lot"), (serial_obj, "serial")):
        if item is not None and item.product_id != product_obj.pk:
            raise WrongProduct(item=label, actual=item.product_id, product=product_obj.code)
    with transaction.atomic():
        hold = StockHold(
            product=product_obj,
            lot=lot_obj,
            serial=serial_obj,
            location=_get(Location, location, "Location"),
            reason=reason.strip(),
            source_type=source_type[:40],
            source_id=str(source_id)[:64],
            placed_at=clock.now(),
            placed_by=actor.user if actor.kind == "user" else None,
            placed_by_name=actor.name[:200],
        )
        hold.save(force_insert=True)
        created(actor, hold, events.STOCK_HELD, hold_payload(hold))
    return hold


def release_hold(
    actor: Actor,
    hold_id: int,
    *,
    password: str,
    reason: str,
    totp: str | None = None,
    session_key: str | None = None,
    around: Callable[[Callable[[], StockHold]], Any] | None = None,
) -> Any:
    """QA releases held stock after evaluation, by signature (meaning ``released``, permission
    ``inventory.release_stockhold``). The reason is the disposition ("stock OK: ...").

    Returns the hold, or what ``around`` returned: ``around`` wraps the transactional step (the
    API's idempotency guard), after the re-authentication, so a refused password still leaves
    its security-log record."""
    if not (reason or "").strip():
        raise ReasonRequired()
    found = StockHold.objects.filter(pk=hold_id).first()
    if found is None:
        raise NotFound(record_type="StockHold", record_id=hold_id)

    def still_active() -> None:
        if found.released_at is not None:
            raise HoldNotActive(hold=found.pk)

    signer = signatures.authenticate(
        found,
        HOLD_MEANING,
        actor.user,
        password,
        totp,
        reason=reason,
        session_key=session_key,
        also=still_active,
    )

    def work() -> StockHold:
        with transaction.atomic():
            hold = lock_hold(hold_id)
            if hold.released_at is not None:
                raise HoldNotActive(hold=hold.pk)
            sig = signatures.record(hold, HOLD_MEANING, signer, reason=reason)
            hold.released_at = clock.now()
            hold.released_by = actor.user
            hold.release_signature = sig
            hold.release_reason = reason.strip()
            hold.version += 1
            hold.save(
                update_fields=[
                    "released_at",
                    "released_by",
                    "release_signature",
                    "release_reason",
                    "version",
                ]
            )
            audit.record(
                actor,
                action="transition",
                instance=hold,
                changes={
                    "released_at": [None, hold.released_at],
                    "release_signature": [None, sig.pk],
                },
                reason=reason,
                require_reason=False,
            )
            outbox.emit(
                actor,
                events.HOLD_RELEASED,
                aggregate_type="inventory.stockhold",
                aggregate_id=hold.pk,
                payload=hold_payload(hold),
            )
        return hold

    with signatures.refusals_recorded(found, HOLD_MEANING, actor.user):
        return work() if around is None else around(work)
