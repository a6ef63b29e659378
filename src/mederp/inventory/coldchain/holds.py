"""QA's decisions on held stock (TR-04; ISO 13485 §8.3; 21 CFR 11.50): release it after
evaluation (``inventory.services.release_hold``, meaning ``released``) or reject it here.

Rejecting is signed on the hold (meaning ``rejected``, permission
``inventory.release_stockhold``, reason required) and moves every unit the hold covers at its
location to a rejected-goods location of the same warehouse (不合格品区), as ledger moves citing
the hold (``document_type="inventory.hold_rejection"``); the hold then ends, its signature saying
how. Stock promised to a sales order cannot be moved until the reservation is given back
(``inventory.insufficient_stock``). A hold without a location (the whole lot, everywhere) is
decided on the lot itself (``reject_lot``), not here."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import transaction

from mederp.core import audit, clock, outbox, signatures
from mederp.core.actors import Actor
from mederp.core.errors import NotFound
from mederp.inventory.coldchain import events
from mederp.inventory.coldchain.errors import (
    HoldNotLocated,
    NothingHeldHere,
    RejectionLocationRequired,
)
from mederp.inventory.errors import HoldNotActive
from mederp.inventory.locks import BalanceKey, lock_balances, lock_hold
from mederp.inventory.models import Balance, Location, LocationKind, StockHold
from mederp.inventory.services import post_move
from mederp.inventory.services.holds import hold_payload

REJECTED = "rejected"
REJECTION_DOCUMENT = "inventory.hold_rejection"


def covered_stock(hold: StockHold) -> list[Balance]:
    """The positive balances a hold covers at its location (all of them when it has none)."""
    qs = Balance.objects.filter(product_id=hold.product_id, quantity__gt=0)
    if hold.lot_id is not None:
        qs = qs.filter(lot_id=hold.lot_id)
    if hold.serial_id is not None:
        qs = qs.filter(serial_id=hold.serial_id)
    if hold.location_id is not None:
        qs = qs.filter(location_id=hold.location_id)
    return list(
        qs.select_related("lot", "serial", "location").order_by(
            "product_id", "lot_key", "serial_key", "location_id"
        )
    )


def _check(hold: StockHold, target: Location) -> list[Balance]:
    if hold.released_at is not None:
        raise HoldNotActive(hold=hold.pk)
    held_at = hold.location
    if held_at is None:
        raise HoldNotLocated(hold=hold.pk)
    if target.kind != LocationKind.REJECTED or target.warehouse_id != held_at.warehouse_id:
        raise RejectionLocationRequired(
            warehouse=held_at.warehouse.code,
            location=target.code,
            kind=target.kind,
            field="to_location",
        )
    stock = covered_stock(hold)
    if not stock:
        raise NothingHeldHere(hold=hold.pk, location=held_at.code)
    return stock


def _precheck(hold: StockHold, target: Location) -> None:
    _check(hold, target)


def reject_held_stock(
    actor: Actor,
    hold_id: int,
    *,
    to_location: Location | int,
    password: str,
    reason: str,
    totp: str | None = None,
    session_key: str | None = None,
    around: Callable[[Callable[[], StockHold]], Any] | None = None,
) -> Any:
    """Reject the stock a hold covers, by signature, into ``to_location`` (kind ``rejected``).
    Returns the hold, or what ``around`` (the API's idempotency guard) returned."""
    found = StockHold.objects.select_related("location__warehouse").filter(pk=hold_id).first()
    if found is None:
        raise NotFound(record_type="StockHold", record_id=hold_id)
    target_id = to_location.pk if isinstance(to_location, Location) else to_location
    target = Location.objects.filter(pk=target_id).first()
    if target is None:
        raise NotFound(record_type="Location", record_id=target_id, field="to_location")
    signer = signatures.authenticate(
        found,
        REJECTED,
        actor.user,
        password,
        totp,
        reason=reason,
        session_key=session_key,
        also=lambda: _precheck(found, target),
    )

    def work() -> StockHold:
        with transaction.atomic():
            # The ledger's order: the stock's balances (key order), then the hold.
            keys = [
                BalanceKey(b.product_id, b.lot_key, b.serial_key, b.location_id)
                for b in covered_stock(found)
            ]
            lock_balances(keys)
            hold = lock_hold(hold_id)
            stock = _check(hold, target)
            sig = signatures.record(hold, REJECTED, signer, reason=reason)
            for balance in stock:
                post_move(
                    actor,
                    product=balance.product_id,
                    lot=balance.lot,
                    serial=balance.serial,
                    quantity=balance.quantity,
                    from_location=balance.location,
                    to_location=target,
                    document_type=REJECTION_DOCUMENT,
                    document_id=hold.pk,
                    reason=reason.strip(),
                )
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
                    "disposition": [None, REJECTED],
                },
                reason=reason,
                require_reason=False,
            )
            outbox.emit(
                actor,
                events.HOLD_REJECTED,
                aggregate_type="inventory.stockhold",
                aggregate_id=hold.pk,
                payload={**hold_payload(hold), "to_location_id": target.pk},
            )
        return hold

    with signatures.refusals_recorded(found, REJECTED, actor.user):
        return work() if around is None else around(work)
