"""Recording inspection results, by hand or from a LIMS, and completing the inspection
(ISO 13485 §8.2.6: evidence of conformity with the acceptance criteria, who released; §8.3:
nonconforming product is identified and controlled; 21 CFR 820.80(e)).

Results are append-only: this module only inserts :class:`InspectionResult` rows; a second
result for a characteristic corrects the first and needs a reason; the latest counts. When
every characteristic of the plan has a result the inspection completes: ``pass`` if all
passed, else ``fail``, and a failed inspection opens a nonconformance (``open_ncr``, which
holds the affected lot or serial) in the same transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Sum

from mederp.core import audit, canonical, clock, outbox
from mederp.core.actors import Actor
from mederp.core.services import authorize
from mederp.inventory.models import Balance
from mederp.inventory.rules import normal
from mederp.quality.inspections import events, rules
from mederp.quality.inspections.errors import (
    CharacteristicNotInPlan,
    CharacteristicUnknown,
    CorrectionReasonRequired,
    InspectionCompleted,
    InspectionUnknown,
    ResultIdTaken,
    ResultsRequired,
    TextRequired,
    ValueInvalid,
    ValueRequired,
    VerdictRequired,
)
from mederp.quality.inspections.locks import lock_inspection
from mederp.quality.inspections.models import (
    Characteristic,
    CharacteristicKind,
    Inspection,
    InspectionOutcome,
    InspectionResult,
    InspectionState,
    ResultSource,
    Stage,
)
from mederp.quality.inspections.services.creation import INSPECTION

PERMISSION = "inspections.record_result"
NCR_PERMISSION = "nonconformance.add_nonconformance"


@dataclass(frozen=True)
class ResultInput:
    """One result as typed or sent: the characteristic by id or by name (within the plan)."""

    characteristic_id: int | None = None
    characteristic: str = ""
    value: Any = None
    passed: bool | None = None
    text: str = ""
    count_tested: int | None = None
    external_id: str = ""
    reason: str = ""

    @classmethod
    def of(cls, item: ResultInput | Mapping[str, Any]) -> ResultInput:
        if isinstance(item, ResultInput):
            return item
        return cls(**{k: item[k] for k in cls.__dataclass_fields__ if k in item})


@dataclass(frozen=True)
class _Checked:
    characteristic: Characteristic
    value: Decimal | None
    passed: bool
    item: ResultInput


def _label(c: Characteristic) -> str:
    return f"{c.sequence}. {c.name}"


def _characteristic(
    inspection: Inspection, plan_chars: dict[int, Characteristic], item: ResultInput, row: int
) -> Characteristic:
    field = f"results.{row}.characteristic"
    if item.characteristic_id is not None:
        found = plan_chars.get(item.characteristic_id)
        if found is not None:
            return found
        if Characteristic.objects.filter(pk=item.characteristic_id).exists():
            raise CharacteristicNotInPlan(
                characteristic=item.characteristic_id, inspection=inspection.number, field=field
            )
        raise CharacteristicUnknown(
            characteristic=item.characteristic_id, inspection=inspection.number, field=field
        )
    name = (item.characteristic or "").strip().casefold()
    for c in plan_chars.values():
        if name and c.name.casefold() == name:
            return c
    raise CharacteristicUnknown(
        characteristic=item.characteristic or "—", inspection=inspection.number, field=field
    )


def _check_one(
    inspection: Inspection,
    plan_chars: dict[int, Characteristic],
    recorded: set[int],
    item: ResultInput,
    row: int,
) -> _Checked:
    c = _characteristic(inspection, plan_chars, item, row)
    value: Decimal | None = None
    if c.kind == CharacteristicKind.NUMERIC:
        if item.value is None or item.value == "":
            raise ValueRequired(characteristic=c.name, field=f"results.{row}.value")
        value = rules.parse_value(item.value)
        if value is None:
            raise ValueInvalid(
                characteristic=c.name, value=item.value, field=f"results.{row}.value"
            )
    elif c.kind == CharacteristicKind.PASS_FAIL:
        if not isinstance(item.passed, bool):
            raise VerdictRequired(characteristic=c.name, field=f"results.{row}.passed")
    elif not (item.text or "").strip():
        raise TextRequired(characteristic=c.name, field=f"results.{row}.text")
    if c.pk in recorded and not (item.reason or "").strip():
        raise CorrectionReasonRequired(characteristic=c.name, field=f"results.{row}.reason")
    passed = rules.judge(
        c.kind, value=value, passed=item.passed, lower=c.lower_limit, upper=c.upper_limit
    )
    return _Checked(c, value, passed, item)


def record_results(
    actor: Actor,
    inspection_id: int,
    results: Iterable[ResultInput | Mapping[str, Any]],
    *,
    source: str = ResultSource.HAND,
) -> Inspection:
    """Record results on an open inspection; complete it when every characteristic has one.

    Refused, writing nothing: an unknown inspection (``inspections.unknown_inspection``); a
    completed one (``inspections.inspection_completed``); no results; a characteristic unknown
    or of another plan; a numeric result without an exact number, a pass/fail one without a
    verdict, a text one without text; a correction without a reason; an external result id
    already recorded."""
    authorize(actor, PERMISSION)
    items = [ResultInput.of(r) for r in results]
    if not items:
        raise ResultsRequired(field="results")
    source = ResultSource(source).value
    with transaction.atomic():
        inspection = lock_inspection(inspection_id)
        if inspection is None:
            raise InspectionUnknown(inspection=inspection_id)
        if inspection.state == InspectionState.COMPLETED:
            raise InspectionCompleted(
                inspection=inspection.number, result=inspection.get_result_display()
            )
        plan_chars = {c.pk: c for c in inspection.plan.characteristics.order_by("sequence")}
        recorded = set(
            InspectionResult.objects.filter(inspection=inspection).values_list(
                "characteristic_id", flat=True
            )
        )
        checked: list[_Checked] = []
        for row, item in enumerate(items):
            one = _check_one(inspection, plan_chars, recorded, item, row)
            recorded.add(one.characteristic.pk)
            checked.append(one)
        for one in checked:
            ext = (one.item.external_id or "").strip()
            if ext and InspectionResult.objects.filter(source=source, external_id=ext).exists():
                raise ResultIdTaken(source=source, external_id=ext, field="external_id")
        now = clock.now()
        user = actor.user if actor.kind in ("user", "client") else None
        written = []
        for one in checked:
            result = InspectionResult.objects.create(
                inspection=inspection,
                characteristic=one.characteristic,
                numeric_value=one.value,
                text_value=(one.item.text or "").strip(),
                passed=one.passed,
                count_tested=one.item.count_tested,
                source=source,
                external_id=(one.item.external_id or "").strip(),
                reason=(one.item.reason or "").strip(),
                recorded_at=now,
                recorded_by=user,
                recorded_by_name=actor.name[:200],
            )
            audit.record_create(actor, result, reason=result.reason)
            written.append(result)
        outbox.emit(
            actor,
            events.RESULT_RECORDED,
            aggregate_type=INSPECTION,
            aggregate_id=inspection.pk,
            payload={
                "id": inspection.pk,
                "number": inspection.number,
                "source": source,
                "results": [result_payload(r) for r in written],
            },
        )
        if set(plan_chars) <= recorded:
            _complete(actor, inspection, plan_chars)
        return inspection


def result_payload(r: InspectionResult) -> dict[str, Any]:
    return {
        "result_id": r.pk,
        "characteristic_id": r.characteristic_id,
        "characteristic": r.characteristic.name,
        "value": canonical.to_json_value(r.numeric_value),
        "text": r.text_value,
        "passed": r.passed,
        "external_id": r.external_id,
    }


def latest_results(inspection: Inspection) -> dict[int, InspectionResult]:
    """The result that counts per characteristic: the latest recorded."""
    latest: dict[int, InspectionResult] = {}
    for r in InspectionResult.objects.filter(inspection=inspection).order_by("id"):
        latest[r.characteristic_id] = r
    return latest


def _failure_text(c: Characteristic, r: InspectionResult) -> str:
    if c.kind == CharacteristicKind.NUMERIC and r.numeric_value is not None:
        unit = f" {c.unit}" if c.unit else ""
        return (
            f"{c.name}: {r.numeric_value.normalize():f}{unit} outside "
            f"{rules.limits_text(c.lower_limit, c.upper_limit, c.unit)}"
        )
    if c.kind == CharacteristicKind.TEXT:
        return f"{c.name}: failed ({r.text_value})"
    return f"{c.name}: failed"


def _complete(actor: Actor, inspection: Inspection, plan_chars: dict[int, Characteristic]) -> None:
    latest = latest_results(inspection)
    failed = [(plan_chars[cid], r) for cid, r in latest.items() if not r.passed]
    before = canonical.snapshot(inspection)
    inspection.state = InspectionState.COMPLETED
    inspection.result = rules.outcome(r.passed for r in latest.values())
    inspection.completed_at = clock.now()
    inspection.completed_by = actor.user if actor.kind in ("user", "client") else None
    inspection.completed_by_name = actor.name[:200]
    if failed:
        inspection.ncr_id = _open_ncr(actor, inspection, failed)
    inspection.version += 1
    inspection.save()
    audit.record_update(actor, inspection, before, reason="all characteristics recorded")
    outbox.emit(
        actor,
        events.INSPECTION_COMPLETED,
        aggregate_type=INSPECTION,
        aggregate_id=inspection.pk,
        payload={
            "id": inspection.pk,
            "number": inspection.number,
            "stage": inspection.stage,
            "product_code": inspection.product.code,
            "lot_id": inspection.lot_id,
            "serial_id": inspection.serial_id,
            "result": inspection.result,
            "failed": [c.name for c, _r in failed],
            "ncr_id": inspection.ncr_id,
        },
    )
    assert inspection.result in InspectionOutcome.values


def _on_hand(inspection: Inspection) -> Decimal:
    stock = Balance.objects.filter(product_id=inspection.product_id, quantity__gt=0)
    if inspection.serial_id is not None:
        stock = stock.filter(serial_id=inspection.serial_id)
    elif inspection.lot_id is not None:
        stock = stock.filter(lot_id=inspection.lot_id)
    else:
        return Decimal(0)
    return stock.aggregate(s=Sum("quantity"))["s"] or Decimal(0)


def _ncr_actor(actor: Actor, inspection: Inspection) -> Actor:
    """A failed inspection must open its NCR (ISO 13485 §8.3): when the recorder may not raise
    NCRs by hand (a LIMS client), the system raises it on the inspection's behalf, in the
    recorder's request, and the audit entry names both."""
    if actor.has_perm(NCR_PERMISSION):
        return actor
    return Actor(
        kind="system",
        id=None,
        name=f"inspection {inspection.number} ({actor.name})"[:200],
        request_id=actor.request_id,
        ip=actor.ip,
    )


def _open_ncr(
    actor: Actor, inspection: Inspection, failed: list[tuple[Characteristic, InspectionResult]]
) -> int:
    """Open the nonconformance of a failed inspection (QE-01) in this transaction: the lot or
    serial inspected (as much of it as is still on hand, at most the inspected quantity) is
    held by ``open_ncr``; the supplier is the receipt's for an incoming inspection. An
    in-process inspection names the work order in its description and no stock."""
    from mederp.quality.nonconformance.services import AffectedItem, open_ncr

    ordered = sorted(failed, key=lambda x: x[0].sequence)
    lines = "; ".join(_failure_text(c, r) for c, r in ordered)
    subject = f", work order {inspection.work_order.number}" if inspection.work_order else ""
    description = (
        f"Inspection {inspection.number} ({inspection.get_stage_display()}{subject}) "
        f"failed: {lines}"
    )
    items = []
    if inspection.lot_id is not None or inspection.serial_id is not None:
        quantity = min(inspection.lot_size, _on_hand(inspection))
        if quantity > 0:
            items.append(AffectedItem(inspection.lot_id, inspection.serial_id, normal(quantity)))
    supplier = (
        inspection.receipt.supplier
        if inspection.stage == Stage.INCOMING and inspection.receipt is not None
        else None
    )
    ncr = open_ncr(
        _ncr_actor(actor, inspection),
        source="inspection",
        source_id=inspection.pk,
        source_ref=inspection.number,
        product=inspection.product,
        description=description,
        items=items,
        supplier=supplier,
    )
    return int(ncr.pk)
