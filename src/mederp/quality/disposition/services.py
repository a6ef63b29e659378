"""Deviations: requested, approved by QA's signature, closed or cancelled (ISO 13485 §8.2.6,
§8.3; 21 CFR 820.80(d); 21 CFR 11.50, 11.70; ES-12).

Each service is one transaction: the deviation, its audit entries, its signature and its events
commit together or not at all. A refusal writes nothing (a refused signature leaves only its
security-log record, ES-13). Numbers are ``DV-YYYY-NNNNN`` (``core.numbering``, prefix ``DV``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import transaction

from mederp.core import audit, clock, outbox, signatures, workflow
from mederp.core.actors import Actor
from mederp.core.numbering import next_number
from mederp.core.services import authorize
from mederp.inventory.models import Lot, Serial
from mederp.quality.disposition import approval, errors, events, rules, selectors
from mederp.quality.disposition.locks import lock_deviation
from mederp.quality.disposition.models import DEVIATION_PREFIX, Deviation
from mederp.quality.inspections.models import Inspection

Around = Callable[[Callable[[], Deviation]], Any]


def _item(lot_id: int | None, serial_id: int | None) -> Lot | Serial:
    if (lot_id is None) == (serial_id is None):
        raise errors.DeviationItemMissing(field="lot_id")
    if serial_id is not None:
        serial = Serial.objects.select_related("product", "lot").filter(pk=serial_id).first()
        if serial is None:
            raise errors.DeviationItemUnknown(kind="serial", item=serial_id, field="serial_id")
        return serial
    lot = Lot.objects.select_related("product").filter(pk=int(lot_id or 0)).first()
    if lot is None:
        raise errors.DeviationItemUnknown(kind="lot", item=lot_id, field="lot_id")
    return lot


def _inspection(item: Lot | Serial, inspection_id: int) -> Inspection:
    inspection = Inspection.objects.filter(pk=inspection_id).first()
    if inspection is None:
        raise errors.DeviationInspectionUnknown(inspection=inspection_id, field="inspection_id")
    if inspection.pk not in {i.pk for i in selectors.gate_inspections(item)}:
        raise errors.DeviationInspectionElsewhere(
            inspection=inspection.number,
            item=selectors.item_label(item),
            field="inspection_id",
        )
    if inspection.state == rules.COMPLETED or inspection.result == rules.FAIL:
        raise errors.DeviationInspectionCompleted(
            inspection=inspection.number,
            result=inspection.get_result_display(),
            field="inspection_id",
        )
    return inspection


def request_deviation(
    actor: Actor,
    *,
    lot_id: int | None = None,
    serial_id: int | None = None,
    inspection_id: int | None = None,
    stage: str = "",
    reason: str,
    justification: str,
    risk_assessment: str,
) -> Deviation:
    """Record a draft deviation for a lot or serial (one of them) that waives one inspection
    of it (``inspection_id``, not completed yet) or every inspection of a ``stage``, with what
    deviates, why, and the risk assessment. Refused, with nothing written: no item, an unknown
    one, no target, an unknown stage, an inspection of something else or already completed,
    a missing text (``disposition.deviation_*``)."""
    authorize(actor, approval.REQUEST_PERMISSION)
    item = _item(lot_id, serial_id)
    stage = (stage or "").strip()
    if inspection_id is None and not stage:
        raise errors.DeviationTargetMissing(field="inspection_id")
    if stage and stage not in rules.STAGES:
        raise errors.DeviationStageUnknown(stage=stage, field="stage")
    texts = [(reason or "").strip(), (justification or "").strip(), (risk_assessment or "").strip()]
    if not all(texts):
        names = ("reason", "justification", "risk_assessment")
        missing = [n for n, t in zip(names, texts, strict=True) if not t]
        raise errors.DeviationTextMissing(field=missing[0], missing=missing)
    inspection = _inspection(item, inspection_id) if inspection_id is not None else None
    if inspection is not None and stage and stage != inspection.stage:
        stage = inspection.stage
    with transaction.atomic():
        deviation = Deviation(
            number=next_number(DEVIATION_PREFIX),
            product=item.product,
            lot=item if isinstance(item, Lot) else None,
            serial=item if isinstance(item, Serial) else None,
            inspection_id=inspection.pk if inspection is not None else None,
            inspection_number=inspection.number if inspection is not None else "",
            stage=inspection.stage if inspection is not None else stage,
            reason=texts[0],
            justification=texts[1],
            risk_assessment=texts[2],
            requested_at=clock.now(),
            requested_by=actor.user,
            requested_by_name=actor.name[:200],
        )
        deviation.save(force_insert=True)
        audit.record_create(actor, deviation)
        outbox.emit(
            actor,
            events.DEVIATION_REQUESTED,
            aggregate_type=approval.DEVIATION,
            aggregate_id=deviation.pk,
            payload=requested_payload(deviation),
        )
        return deviation


def requested_payload(d: Deviation) -> dict[str, Any]:
    return {
        "id": d.pk,
        "number": d.number,
        "product_code": d.product.code,
        "lot_id": d.lot_id,
        "lot_number": d.lot.number if d.lot is not None else None,
        "serial_id": d.serial_id,
        "serial_number": d.serial.serial_number if d.serial is not None else None,
        "inspection_id": d.inspection_id,
        "inspection_number": d.inspection_number,
        "stage": d.stage,
        "reason": d.reason,
        "justification": d.justification,
        "risk_assessment": d.risk_assessment,
        "requested_by": d.requested_by_name,
    }


def _load(pk: int) -> Deviation:
    found = Deviation.objects.select_related("product", "lot", "serial").filter(pk=pk).first()
    if found is None:
        raise errors.DeviationUnknown(deviation=pk)
    return found


def _approvable(actor: Actor, deviation: Deviation) -> None:
    workflow.check(actor, deviation, approval.APPROVE)


def approve_deviation(
    actor: Actor,
    deviation_id: int,
    *,
    password: str,
    totp: str | None = None,
    reason: str = "",
    session_key: str | None = None,
    around: Around | None = None,
) -> Any:
    """QA approves a draft deviation by signature (meaning ``approved``; not the requester:
    ``signatures.sod_author_cannot_approve``). From then on the gate passes over the
    inspection it waives. Returns the deviation, or what ``around`` returned."""
    found = _load(deviation_id)
    signer = signatures.authenticate(
        found,
        approval.APPROVED,
        actor.user,
        password,
        totp,
        reason=reason,
        session_key=session_key,
        also=lambda: _approvable(actor, found),
    )

    def work() -> Deviation:
        with transaction.atomic():
            deviation = lock_deviation(deviation_id)
            sig = workflow.transition(
                actor, deviation, approval.APPROVE, reason=reason, signer=signer
            )
            deviation.approved_at = clock.now()
            deviation.approved_by_name = actor.name[:200]
            deviation.approval_signature = sig
            deviation.save(update_fields=["approved_at", "approved_by_name", "approval_signature"])
            # The transition's own stamp, not an authoring change: the approver does not become
            # an author of the content they signed (segregation of duties reads authors).
            audit.record(
                actor,
                action=workflow.TRANSITION,
                instance=deviation,
                changes={
                    "approved_at": [None, deviation.approved_at.isoformat()],
                    "approved_by_name": ["", deviation.approved_by_name],
                    "approval_signature": [None, sig.pk if sig else None],
                },
                require_reason=False,
            )
            return deviation

    step: Callable[[], Any] = work if around is None else (lambda: around(work))
    with signatures.refusals_recorded(found, approval.APPROVED, actor.user):
        return step()


def end_deviation(
    actor: Actor,
    deviation_id: int,
    name: str,
    *,
    reason: str,
    around: Around | None = None,
) -> Any:
    """Close (``name="close"``: it served its purpose) or cancel (``"cancel"``) a deviation,
    with a reason; either ends its waiver. Returns the deviation, or what ``around`` returned."""
    _load(deviation_id)
    if name not in (approval.CLOSE, approval.CANCEL):
        raise workflow.UnknownTransition(record_type=approval.DEVIATION, transition=name)

    def work() -> Deviation:
        with transaction.atomic():
            deviation = lock_deviation(deviation_id)
            workflow.transition(actor, deviation, name, reason=reason)
            deviation.ended_at = clock.now()
            deviation.ended_by_name = actor.name[:200]
            deviation.end_reason = reason.strip()
            deviation.save(update_fields=["ended_at", "ended_by_name", "end_reason"])
            audit.record(
                actor,
                action=workflow.TRANSITION,
                instance=deviation,
                changes={
                    "ended_at": [None, deviation.ended_at.isoformat()],
                    "ended_by_name": ["", deviation.ended_by_name],
                    "end_reason": ["", deviation.end_reason],
                },
                reason=reason,
            )
            return deviation

    return work() if around is None else around(work)
