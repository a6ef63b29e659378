"""The NCR's disposition, signed by QA, carried out through the inventory services in the same
transaction (QE-01; ISO 13485 §8.3.2, §8.3.4; 21 CFR 820.90(b); 21 CFR 11.50, 11.70).

- ``use_as_is`` (让步接收, concession): the signature is the authorisation QE-01 asks for. The
  stock stays on hold; QA then releases the lot by the normal signed inventory release, and the
  release gate finds this NCR through :func:`~mederp.quality.nonconformance.selectors.
  concession_for`.
- ``rework`` (返工): the stock stays on hold where it is, with the rework instruction as the
  disposition reason. It is not moved to a production location: those are external (no
  balance), so the held stock would leave the books; rework is done against the held lot and
  its result judged by a new inspection and a QA release.
- ``scrap`` (报废): each affected lot/serial is rejected (inventory's signed ``reject``
  transition, the same person signing in the same continuous session) and the named quantity
  moves from where it is to the warehouse's ``scrap`` location.
- ``return_to_supplier`` (退货给供应商): rejected likewise, and moved to the warehouse's
  ``supplier`` location (the reverse of a receipt), with a return reference (the supplier's RMA
  number, or the NCR number).

Signatures: one on the NCR (meaning ``approved``) and, for scrap and return, one per rejected
lot/serial (meaning ``rejected``, inventory's policy: not by the lot's receiving inspector).
Each is re-authenticated before the transaction; in a continuous session (11.200(a)(1)(i)) only
the first needs the TOTP code, later ones the password. Moves are posted with
``document_type="nonconformance.disposition"``, ``document_id`` the NCR id and
``document_line`` the item id.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Model

from mederp.core import audit, clock, outbox, signatures, workflow
from mederp.core.actors import Actor
from mederp.core.errors import NotFound
from mederp.inventory import services as inventory
from mederp.inventory.locks import lock_balances_of, lock_lot, lock_serial
from mederp.inventory.models import Balance, Location, LocationKind, Lot, Serial, StockStatus
from mederp.inventory.quality import REJECT
from mederp.quality.nonconformance import errors, events
from mederp.quality.nonconformance.locks import lock_ncr
from mederp.quality.nonconformance.models import (
    Disposition,
    NcrState,
    Nonconformance,
    NonconformanceItem,
)
from mederp.quality.nonconformance.services.common import item_payload, qty, user_of
from mederp.quality.nonconformance.signing import APPROVED, DISPOSITION, NCR

DOCUMENT = "nonconformance.disposition"
MOVING = {
    Disposition.SCRAP: LocationKind.SCRAP,
    Disposition.RETURN_TO_SUPPLIER: LocationKind.SUPPLIER,
}
REJECTABLE = frozenset({StockStatus.QUARANTINE, StockStatus.ON_HOLD})


def _items(ncr: Nonconformance) -> list[NonconformanceItem]:
    return list(ncr.items.select_related("lot", "serial", "location").order_by("id"))


def _target(item: NonconformanceItem, disposition: str) -> Location:
    kind = MOVING[Disposition(disposition)]
    assert item.location is not None
    found = (
        Location.objects.filter(warehouse_id=item.location.warehouse_id, kind=kind, is_active=True)
        .order_by("code")
        .first()
    )
    if found is None:
        raise errors.NoDispositionLocation(
            warehouse=item.location.warehouse.code, kind=kind, disposition=disposition
        )
    return found


def _label(item: NonconformanceItem) -> str:
    if item.serial is not None:
        return f"serial {item.serial.serial_number}"
    return f"lot {item.lot.number}" if item.lot is not None else str(item.pk)


def _plan(ncr: Nonconformance, disposition: str) -> list[tuple[NonconformanceItem, Location]]:
    """The moves a scrap or return makes, checked against the stock still there."""
    if disposition not in MOVING:
        return []
    if disposition == Disposition.RETURN_TO_SUPPLIER and ncr.supplier_id is None:
        raise errors.SupplierRequired(number=ncr.number, field="disposition")
    plan = []
    for item in _items(ncr):
        if item.location is None:
            continue
        here = (
            Balance.objects.filter(
                product_id=ncr.product_id,
                lot_key=item.lot_id or 0,
                serial_key=item.serial_id or 0,
                location_id=item.location.pk,
            )
            .values_list("quantity", flat=True)
            .first()
        )
        if here is None or here < item.quantity:
            raise errors.StockMovedOn(
                item=_label(item),
                location=item.location.code,
                on_hand=qty(here if here is not None else Decimal(0)),
                quantity=qty(item.quantity),
            )
        plan.append((item, _target(item, disposition)))
    if not plan:
        raise errors.NothingToMove(number=ncr.number, disposition=disposition)
    return plan


def _to_reject(ncr: Nonconformance, disposition: str) -> list[Lot | Serial]:
    """The lots (lot-tracked items) and serials a scrap or return rejects, in pk order."""
    if disposition not in MOVING:
        return []
    lots: dict[int, Lot] = {}
    serials: dict[int, Serial] = {}
    for item in _items(ncr):
        if item.serial is not None:
            serials[item.serial.pk] = item.serial
        elif item.lot is not None:
            lots[item.lot.pk] = item.lot
    records: list[Lot | Serial] = [lots[k] for k in sorted(lots)]
    records += [serials[k] for k in sorted(serials)]
    return [r for r in records if r.status in REJECTABLE]


def _validate(actor: Actor, ncr: Nonconformance, disposition: str, reason: str) -> None:
    workflow.check(actor, ncr, DISPOSITION)
    if disposition not in Disposition.values or not disposition:
        allowed = ", ".join(v for v in Disposition.values if v)
        raise errors.UnknownDisposition(
            disposition=disposition, allowed=allowed, field="disposition"
        )
    if not (reason or "").strip():
        raise errors.DispositionReasonRequired(field="reason")
    _plan(ncr, disposition)


def _reject_precheck(actor: Actor, record: Lot | Serial) -> Callable[[], None]:
    def check() -> None:
        workflow.check(actor, record, REJECT)
        workflow.run_guards(actor, record, REJECT)

    return check


def _reject(actor: Actor, record: Lot | Serial, signer: signatures.Signer, reason: str) -> None:
    if isinstance(record, Serial):
        locked: Model = lock_serial(record.pk)
        lock_balances_of(serial_id=record.pk)
    else:
        locked = lock_lot(record.pk)
        lock_balances_of(lot_id=record.pk)
    workflow.transition(actor, locked, REJECT, reason=reason, signer=signer)


def disposition_ncr(
    actor: Actor,
    ncr_id: int,
    *,
    disposition: str,
    reason: str,
    password: str,
    totp: str | None = None,
    session_key: str | None = None,
    return_reference: str = "",
    around: Callable[[Callable[[], Nonconformance]], Any] | None = None,
) -> Any:
    """Decide the disposition by signature and carry it out (module docstring). Permission
    ``nonconformance.disposition_nonconformance`` (and ``inventory.release_lot`` to reject, for
    scrap and return). Only from ``investigating``. Refusals (nothing written): unknown
    disposition, no reason, a return without supplier, stock no longer where the NCR found it,
    no scrap/supplier location in the warehouse, and every signature refusal. Returns the NCR,
    or what ``around`` returned. Event ``ncr.dispositioned``."""
    found = Nonconformance.objects.select_related("product", "supplier").filter(pk=ncr_id).first()
    if found is None:
        raise NotFound(record_type="Nonconformance", record_id=ncr_id)
    reason = (reason or "").strip()
    signer = signatures.authenticate(
        found,
        APPROVED,
        actor.user,
        password,
        totp,
        reason=reason,
        session_key=session_key,
        also=lambda: _validate(actor, found, disposition, reason),
    )
    rejections: list[tuple[Lot | Serial, signatures.Signer]] = []
    for record in _to_reject(found, disposition):
        rejections.append(
            (
                record,
                signatures.authenticate(
                    record,
                    "rejected",
                    actor.user,
                    password,
                    totp,
                    reason=reason,
                    session_key=session_key,
                    also=_reject_precheck(actor, record),
                ),
            )
        )

    def work() -> Nonconformance:
        with transaction.atomic():
            ncr = lock_ncr(ncr_id)
            _validate(actor, ncr, disposition, reason)
            ncr.disposition = disposition
            ncr.disposition_reason = reason
            if disposition == Disposition.RETURN_TO_SUPPLIER:
                ncr.return_reference = (return_reference or "").strip()[:64] or ncr.number
            sig = signatures.record(ncr, APPROVED, signer, reason=reason)
            rejected: dict[str, list[int]] = {"lots": [], "serials": []}
            for record, record_signer in rejections:
                _reject(actor, record, record_signer, f"NCR {ncr.number}: {reason}")
                rejected["serials" if isinstance(record, Serial) else "lots"].append(record.pk)
            moves = []
            for item, target in _plan(ncr, disposition):
                move = inventory.post_move(
                    actor,
                    product=ncr.product,
                    quantity=item.quantity,
                    from_location=item.location,  # type: ignore[arg-type]
                    to_location=target,
                    lot=item.lot_id,
                    serial=item.serial_id,
                    document_type=DOCUMENT,
                    document_id=str(ncr.pk),
                    document_line=str(item.pk),
                    reason=f"NCR {ncr.number}: {disposition}",
                )
                NonconformanceItem.objects.filter(pk=item.pk).update(disposition_move=move)
                moves.append(
                    {
                        "id": move.pk,
                        "item_id": item.pk,
                        "lot_id": item.lot_id,
                        "serial_id": item.serial_id,
                        "quantity": qty(item.quantity),
                        "from_location_id": item.location_id,
                        "to_location_id": target.pk,
                    }
                )
            ncr.state = NcrState.DISPOSITIONED
            ncr.dispositioned_at = clock.now()
            ncr.dispositioned_by = user_of(actor)
            ncr.dispositioned_by_name = actor.name[:200]
            ncr.disposition_signature = sig
            ncr.version += 1
            ncr.save(
                update_fields=[
                    "state",
                    "disposition",
                    "disposition_reason",
                    "return_reference",
                    "dispositioned_at",
                    "dispositioned_by",
                    "dispositioned_by_name",
                    "disposition_signature",
                    "version",
                ]
            )
            audit.record(
                actor,
                action="transition",
                instance=ncr,
                changes={
                    "state": [NcrState.INVESTIGATING.value, NcrState.DISPOSITIONED.value],
                    "disposition": ["", disposition],
                    "disposition_reason": ["", reason],
                    "return_reference": ["", ncr.return_reference],
                    "disposition_signature": [None, sig.pk],
                    "moves": [None, [m["id"] for m in moves]],
                },
                reason=reason,
                require_reason=False,
            )
            outbox.emit(
                actor,
                events.NCR_DISPOSITIONED,
                aggregate_type=NCR,
                aggregate_id=ncr.pk,
                payload={
                    "id": ncr.pk,
                    "number": ncr.number,
                    "disposition": disposition,
                    "reason": reason,
                    "return_reference": ncr.return_reference,
                    "signature_id": sig.pk,
                    "items": [item_payload(i) for i in _items(ncr)],
                    "moves": moves,
                    "rejected": rejected,
                },
            )
        return ncr

    with signatures.refusals_recorded(found, APPROVED, actor.user):
        return work() if around is None else around(work)
