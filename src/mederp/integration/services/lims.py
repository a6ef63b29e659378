"""Inbound LIMS results: each one calls the inspection service a person at the screen would
(invariant 1; :func:`mederp.quality.inspections.services.record_results` with ``source="lims"``)
and is stored once with its answer, exactly like an MES event (:mod:`.mes`).

Deduplicated by the LIMS's result id (invariant 5): deliveries of one id are serialised by a
transaction-scoped lock; the first records the result and stores an
:class:`~mederp.integration.models.InboundEvent` (source ``lims``; ``work_order_number`` holds
the inspection number) in the same transaction; a redelivery with the same body gets that
response back, one with another body (another value) is refused with
``integration.event_id_reused`` (409) and writes nothing. The result row carries the id too
(``InspectionResult.external_id``, unique per source), which backs the lock up.

Out of order (docs/integration.md): the result that counts for a characteristic is the latest
recorded, so a result measured *before* the one already recorded for its characteristic (a
correction that overtook its original) is refused, ``integration.result_out_of_order`` (409),
and writes nothing: recorded after it, it would silently replace the later measurement. A
result for an inspection not open yet (the lot not received, the work order not released) is
refused ``integration.unknown_inspection`` and may be sent again later under the same id.

ISO 13485 §7.5.1, §8.2.6 (records of inspection from the lab, who and which system);
21 CFR 11.10(e) (inputs from systems are traceable).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from mederp.core.actors import Actor
from mederp.core.services import authorize
from mederp.integration.errors import (
    AmbiguousInspection,
    InspectionNotNamed,
    ResultOutOfOrder,
    UnknownInspection,
)
from mederp.integration.models import EventSource, InboundEvent, InboundEventStatus
from mederp.integration.services.inbound import Received, receive_once
from mederp.quality.inspections import services as inspections
from mederp.quality.inspections.locks import lock_inspection
from mederp.quality.inspections.models import Inspection, InspectionResult, InspectionState

LIMS = EventSource.LIMS
PERMISSION = "integration.post_lims_result"
EVENT_TYPE = "lims_result"


def find_inspection(
    *, number: str = "", lot: str = "", product: str = "", stage: str = ""
) -> Inspection:
    """The inspection a result belongs to: by number, or the open inspection of that lot,
    product and stage (exactly one)."""
    if number:
        found = Inspection.objects.filter(number=number).first()
        if found is None:
            raise UnknownInspection(inspection=number, field="inspection")
        return found
    if not (lot and product and stage):
        raise InspectionNotNamed(field="inspection")
    label = f"{product} {lot} {stage}"
    matches = list(
        Inspection.objects.filter(
            lot__number=lot, product__code=product, stage=stage, state=InspectionState.OPEN
        ).order_by("pk")[:5]
    )
    if not matches:
        raise UnknownInspection(inspection=label, field="lot")
    if len(matches) > 1:
        raise AmbiguousInspection(
            inspection=label, numbers=", ".join(i.number for i in matches), field="lot"
        )
    return matches[0]


def measured_at(result: InspectionResult) -> dt.datetime:
    """When a recorded result was measured: the LIMS's ``occurred_at`` for a LIMS result, the
    time it was entered for one typed at the screen."""
    if result.source == LIMS and result.external_id:
        stored = (
            InboundEvent.objects.filter(source=LIMS, event_id=result.external_id)
            .values_list("occurred_at", flat=True)
            .first()
        )
        if stored is not None:
            return stored
    return result.recorded_at


def check_in_order(
    target: Inspection, characteristic: str, occurred_at: dt.datetime, result_id: str
) -> None:
    """Refuse a result measured before the latest one recorded for its characteristic."""
    name = characteristic.strip().casefold()
    latest = next(
        (
            r
            for r in InspectionResult.objects.filter(inspection=target)
            .select_related("characteristic")
            .order_by("-id")
            if r.characteristic.name.casefold() == name
        ),
        None,
    )
    if latest is None:
        return
    later = measured_at(latest)
    if occurred_at < later:
        raise ResultOutOfOrder(
            result_id=result_id,
            characteristic=latest.characteristic.name,
            inspection=target.number,
            recorded=latest.external_id or str(latest.pk),
            recorded_at=later.isoformat(),
            occurred_at=occurred_at.isoformat(),
            field="occurred_at",
        )


def receive_lims_result(
    actor: Actor,
    *,
    result_id: str,
    occurred_at: dt.datetime,
    characteristic: str,
    value: Any = None,
    passed: bool | None = None,
    text: str = "",
    count_tested: int | None = None,
    reason: str = "",
    inspection: str = "",
    lot: str = "",
    product: str = "",
    stage: str = "",
    body: dict[str, Any],
) -> Received:
    """Record one LIMS result once; ``body`` is the whole request as JSON (hashed and stored).
    Refusals raise the coded error of whoever refused (integration, inspections, NCR) and write
    nothing."""
    authorize(actor, PERMISSION)

    def effect() -> tuple[str, dict[str, Any]]:
        target = find_inspection(number=inspection, lot=lot, product=product, stage=stage)
        if target.state == InspectionState.OPEN:
            # Under the inspection's row lock (record_results takes it again): two results of
            # one characteristic are judged one after the other.
            lock_inspection(target.pk)
            check_in_order(target, characteristic, occurred_at, result_id)
        inspections.record_results(
            actor,
            target.pk,
            [
                inspections.ResultInput(
                    characteristic=characteristic,
                    value=value,
                    passed=passed,
                    text=text,
                    count_tested=count_tested,
                    external_id=result_id,
                    reason=reason,
                )
            ],
            source="lims",
        )
        target.refresh_from_db()
        recorded = target.results.get(source="lims", external_id=result_id)
        return target.number, {
            "result_id": result_id,
            "status": InboundEventStatus.PROCESSED.value,
            "inspection": target.number,
            "inspection_id": target.pk,
            "inspection_state": target.state,
            "inspection_result": target.result,
            "ncr_id": target.ncr_id,
            "characteristic": recorded.characteristic.name,
            "passed": recorded.passed,
        }

    return receive_once(
        actor,
        source=LIMS,
        event_id=result_id,
        event_type=EVENT_TYPE,
        occurred_at=occurred_at,
        body=body,
        effect=effect,
        id_field="result_id",
    )
