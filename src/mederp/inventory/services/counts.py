"""Cycle counts (ISO 13485 §7.5.11; 经营办法 第三十八条): count a location, then book the
differences as adjusting moves only once someone other than the counter approves them by
signature (ES-12). Adjustments go to or from the warehouse's count-adjustment location, an
external location: the books follow what is physically on the shelf.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal
from typing import Any

from django.db import transaction

from mederp.core import audit, clock, outbox, signatures
from mederp.core.actors import Actor
from mederp.core.errors import NotFound, ValidationFailed
from mederp.core.services import authorize
from mederp.inventory import events, rules
from mederp.inventory.errors import CountIncomplete, CountWrongState, NoAdjustmentLocation
from mederp.inventory.locks import lock_count, lock_location
from mederp.inventory.models import (
    Balance,
    CycleCount,
    CycleCountLine,
    CycleCountStatus,
    Location,
    LocationKind,
    Lot,
    Serial,
)
from mederp.inventory.services.moves import COUNT, ProductModel, _get, _identify, post_move


def count_payload(count: CycleCount) -> dict[str, Any]:
    return {
        "id": count.pk,
        "location_id": count.location_id,
        "status": count.status,
        "lines": [
            {
                "id": line.pk,
                "product_id": line.product_id,
                "lot_id": line.lot_id,
                "serial_id": line.serial_id,
                "expected": str(rules.normal(line.expected)),
                "counted": None if line.counted is None else str(rules.normal(line.counted)),
            }
            for line in count.lines.order_by("id")
        ],
        "signature_id": count.signature_id,
    }


def _record(actor: Actor, count: CycleCount, event: str, changes: dict[str, list[Any]]) -> None:
    audit.record(
        actor,
        action=audit.CREATE if event == events.COUNT_OPENED else "transition",
        instance=count,
        changes=changes,
        require_reason=False,
    )
    outbox.emit(
        actor,
        event,
        aggregate_type="inventory.cyclecount",
        aggregate_id=count.pk,
        payload=count_payload(count),
    )


def _need(count: CycleCount, *statuses: str) -> None:
    if count.status not in statuses:
        raise CountWrongState(
            count=count.pk,
            status=CycleCountStatus(count.status).label,
            needed=" / ".join(str(CycleCountStatus(s).label) for s in statuses),
        )


def open_count(actor: Actor, location_id: int) -> CycleCount:
    """Open a count of one internal location; its lines are the location's positive balances
    now (``expected``)."""
    authorize(actor, "inventory.add_cyclecount")
    with transaction.atomic():
        _warehouse, location = lock_location(location_id)
        if location.is_external:
            raise ValidationFailed(fields={"location": [str(location.code)]})
        count = CycleCount.objects.create(
            location=location, opened_at=clock.now(), opened_by_name=actor.name[:200]
        )
        balances = Balance.objects.filter(location=location, quantity__gt=0).order_by(
            "product_id", "lot_key", "serial_key"
        )
        CycleCountLine.objects.bulk_create(
            CycleCountLine(
                count=count,
                product_id=b.product_id,
                lot_id=b.lot_id,
                serial_id=b.serial_id,
                expected=b.quantity,
            )
            for b in balances
        )
        _record(actor, count, events.COUNT_OPENED, {"status": [None, count.status]})
    return count


def _counted(value: Any) -> Decimal:
    """A counted quantity may be 0 (nothing found); otherwise the ledger's quantity rules."""
    if isinstance(value, int | str | Decimal) and not isinstance(value, bool):
        try:
            if Decimal(str(value).strip()) == 0:
                return Decimal(0)
        except ArithmeticError:
            pass
    return rules.parse_quantity(value, "counted")


def record_counts(
    actor: Actor,
    count_id: int,
    *,
    counts: Mapping[int, Any],
    found: Iterable[Mapping[str, Any]] = (),
) -> CycleCount:
    """Record what was found: ``counts`` maps line ids to quantities (0 allowed); ``found``
    adds stock nobody expected (``product``, ``lot``, ``serial``, ``counted``). Once every line
    has a quantity the count is ``counted`` and the actor is its counter."""
    authorize(actor, "inventory.change_cyclecount")
    with transaction.atomic():
        count = lock_count(count_id)
        _need(count, CycleCountStatus.OPEN)
        lines = {line.pk: line for line in count.lines.all()}
        for line_id, value in counts.items():
            line = lines.get(int(line_id))
            if line is None:
                raise NotFound(record_type="CycleCountLine", record_id=line_id)
            line.counted = _counted(value)
            line.save(update_fields=["counted"])
        for item in found:
            product = _get(ProductModel, item.get("product"), "Product")
            lot = _get(Lot, item.get("lot"), "Lot")
            serial = _get(Serial, item.get("serial"), "Serial")
            qty = _counted(item.get("counted"))
            lot = _identify(product, lot, serial, qty if serial is None else Decimal(1))
            line = CycleCountLine.objects.create(
                count=count, product=product, lot=lot, serial=serial, expected=0, counted=qty
            )
            lines[line.pk] = line
        missing = sum(1 for line in lines.values() if line.counted is None)
        if missing:
            raise CountIncomplete(count=count.pk, missing=missing)
        count.status = CycleCountStatus.COUNTED
        count.counted_at = clock.now()
        count.counted_by = actor.user
        count.version += 1
        count.save(update_fields=["status", "counted_at", "counted_by", "version"])
        _record(actor, count, events.COUNT_COUNTED, {"status": ["open", count.status]})
    return count


def _adjustment_location(location: Location) -> Location:
    found = Location.objects.filter(
        warehouse_id=location.warehouse_id, kind=LocationKind.ADJUSTMENT, is_active=True
    ).first()
    if found is None:
        raise NoAdjustmentLocation(warehouse=location.warehouse.code)
    return found


def decide_count(
    actor: Actor,
    count_id: int,
    meaning: str,
    *,
    password: str,
    reason: str = "",
    totp: str | None = None,
    session_key: str | None = None,
    around: Callable[[Callable[[], CycleCount]], Any] | None = None,
) -> Any:
    """Approve (``approved``: book every difference) or reject (``rejected``: book nothing;
    the location is counted again) a counted count, by signature; the counter may do neither
    (``signatures.sod_excluded_signer``). ``around`` wraps the transactional step (the API's
    idempotency guard); its result is returned, else the count."""
    loaded = CycleCount.objects.select_related("location").filter(pk=count_id).first()
    if loaded is None:
        raise NotFound(record_type="CycleCount", record_id=count_id)
    signer = signatures.authenticate(
        loaded,
        meaning,
        actor.user,
        password,
        totp,
        reason=reason,
        session_key=session_key,
        also=lambda: _need(loaded, CycleCountStatus.COUNTED),
    )

    def work() -> CycleCount:
        with transaction.atomic():
            count = lock_count(count_id)
            _need(count, CycleCountStatus.COUNTED)
            sig = signatures.record(count, meaning, signer, reason=reason)
            if meaning == "approved":
                adjustment = _adjustment_location(count.location)
                for line in count.lines.order_by("product_id", "lot_id", "serial_id", "id"):
                    diff = line.difference
                    if not diff:
                        continue
                    here, there = count.location, adjustment
                    source, target = (there, here) if diff > 0 else (here, there)
                    post_move(
                        actor,
                        product=line.product_id,
                        lot=line.lot_id,
                        serial=line.serial_id,
                        quantity=abs(diff),
                        from_location=source,
                        to_location=target,
                        document_type=COUNT,
                        document_id=str(count.pk),
                        document_line=str(line.pk),
                        reason=reason,
                        check_status=False,
                    )
            old = count.status
            count.status = (
                CycleCountStatus.APPROVED if meaning == "approved" else CycleCountStatus.REJECTED
            )
            count.decided_at = clock.now()
            count.decided_by = actor.user
            count.signature = sig
            count.version += 1
            count.save(update_fields=["status", "decided_at", "decided_by", "signature", "version"])
            event = events.COUNT_APPROVED if meaning == "approved" else events.COUNT_REJECTED
            _record(actor, count, event, {"status": [old, count.status]})
        return count

    with signatures.refusals_recorded(loaded, meaning, actor.user):
        return work() if around is None else around(work)


def approve_count(
    actor: Actor,
    count_id: int,
    *,
    password: str,
    reason: str = "",
    totp: str | None = None,
    session_key: str | None = None,
) -> CycleCount:
    return decide_count(
        actor,
        count_id,
        "approved",
        password=password,
        reason=reason,
        totp=totp,
        session_key=session_key,
    )


def reject_count(
    actor: Actor,
    count_id: int,
    *,
    password: str,
    reason: str,
    totp: str | None = None,
    session_key: str | None = None,
) -> CycleCount:
    return decide_count(
        actor,
        count_id,
        "rejected",
        password=password,
        reason=reason,
        totp=totp,
        session_key=session_key,
    )
