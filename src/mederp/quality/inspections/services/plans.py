"""Inspection plans: drafted, edited while draft, approved by signature, revised (ISO 13485
§7.4.3, §8.2.6; 21 CFR 820.80(a)). See :mod:`mederp.quality.inspections.approval`.

A draft's characteristics and sampling table are replaced as a whole by :func:`save_plan`
(nothing inspects a draft). An approved plan is never edited: :func:`revise_plan` copies it
into a new draft revision.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Max

from mederp.catalog.models import Product
from mederp.core import audit, canonical, clock, outbox, workflow
from mederp.core.actors import Actor
from mederp.core.services import authorize
from mederp.inventory.errors import QuantityInvalid, QuantityNotPositive
from mederp.inventory.rules import parse_quantity
from mederp.quality.inspections import approval, events, rules
from mederp.quality.inspections.errors import (
    CharacteristicInvalid,
    CharacteristicRepeated,
    LimitsRequired,
    LimitsReversed,
    NewRevisionExists,
    PlanEmpty,
    PlanNotDraft,
    PlanUnknown,
    ProductUnknown,
    SamplingInvalid,
    SamplingOverlap,
    StageUnknown,
    ValueInvalid,
)
from mederp.quality.inspections.locks import lock_plan
from mederp.quality.inspections.models import (
    Characteristic,
    CharacteristicKind,
    InspectionPlan,
    PlanState,
    SamplingRule,
    Stage,
)

ADD_PERMISSION = "inspections.add_inspectionplan"
CHANGE_PERMISSION = "inspections.change_inspectionplan"


@dataclass(frozen=True)
class CharacteristicInput:
    name: str
    kind: str
    lower_limit: Decimal | None = None
    upper_limit: Decimal | None = None
    unit: str = ""
    critical: bool = False

    @classmethod
    def of(cls, item: CharacteristicInput | Mapping[str, Any]) -> CharacteristicInput:
        if isinstance(item, CharacteristicInput):
            return item
        name = str(item.get("name") or "").strip()
        return cls(
            name=name,
            kind=str(item.get("kind") or ""),
            lower_limit=_limit(item.get("lower_limit"), name),
            upper_limit=_limit(item.get("upper_limit"), name),
            unit=str(item.get("unit") or "").strip(),
            critical=bool(item.get("critical")),
        )


@dataclass(frozen=True)
class SamplingInput:
    lot_size_from: Decimal
    lot_size_to: Decimal | None
    sample_size: Decimal

    @classmethod
    def of(cls, item: SamplingInput | Mapping[str, Any], row: int) -> SamplingInput:
        if isinstance(item, SamplingInput):
            return item
        try:
            start = _size(item.get("lot_size_from", 0))
            end = item.get("lot_size_to")
            return cls(
                lot_size_from=start,
                lot_size_to=None if end in (None, "") else _size(end),
                sample_size=parse_quantity(item.get("sample_size"), "sample_size"),
            )
        except (QuantityInvalid, QuantityNotPositive) as exc:
            raise SamplingInvalid(
                row=row,
                lot_from=item.get("lot_size_from"),
                lot_to=item.get("lot_size_to") or "∞",
                field=f"sampling.{row - 1}",
            ) from exc


def _size(raw: Any) -> Decimal:
    if raw in (0, "0") or (isinstance(raw, Decimal) and raw == 0):
        return Decimal(0)
    return parse_quantity(raw, "lot_size")


def _limit(raw: Any, name: str) -> Decimal | None:
    if raw in (None, ""):
        return None
    value = rules.parse_value(raw)
    if value is None:
        raise ValueInvalid(characteristic=name, value=raw, field="characteristics")
    return value


def _check(characteristics: list[CharacteristicInput], sampling: list[SamplingInput]) -> None:
    if not characteristics:
        raise PlanEmpty(field="characteristics")
    seen: set[str] = set()
    for row, c in enumerate(characteristics, start=1):
        if not c.name or c.kind not in CharacteristicKind.values:
            raise CharacteristicInvalid(
                row=row, name=c.name, kind=c.kind, field=f"characteristics.{row - 1}"
            )
        key = c.name.casefold()
        if key in seen:
            raise CharacteristicRepeated(characteristic=c.name, field="characteristics")
        seen.add(key)
        if c.kind == CharacteristicKind.NUMERIC:
            if c.lower_limit is None and c.upper_limit is None:
                raise LimitsRequired(characteristic=c.name, field="characteristics")
            if (
                c.lower_limit is not None
                and c.upper_limit is not None
                and c.lower_limit > c.upper_limit
            ):
                raise LimitsReversed(
                    characteristic=c.name,
                    lower=c.lower_limit,
                    upper=c.upper_limit,
                    field="characteristics",
                )
    for row, s in enumerate(sampling, start=1):
        if s.lot_size_to is not None and s.lot_size_to < s.lot_size_from:
            raise SamplingInvalid(
                row=row, lot_from=s.lot_size_from, lot_to=s.lot_size_to, field="sampling"
            )
    ranges = [rules.Range(s.lot_size_from, s.lot_size_to, s.sample_size) for s in sampling]
    clash = rules.overlapping(ranges)
    if clash is not None:
        first, second = clash
        raise SamplingOverlap(
            first=f"{first.lot_from}–{first.lot_to or '∞'}",
            second=f"{second.lot_from}–{second.lot_to or '∞'}",
            field="sampling",
        )


def _write_children(
    actor: Actor,
    plan: InspectionPlan,
    characteristics: list[CharacteristicInput],
    sampling: list[SamplingInput],
) -> None:
    for seq, c in enumerate(characteristics, start=1):
        row = Characteristic.objects.create(
            plan=plan,
            sequence=seq,
            name=c.name,
            kind=c.kind,
            lower_limit=c.lower_limit if c.kind == CharacteristicKind.NUMERIC else None,
            upper_limit=c.upper_limit if c.kind == CharacteristicKind.NUMERIC else None,
            unit=c.unit,
            critical=c.critical,
        )
        audit.record_create(actor, row)
    for s in sampling:
        rule = SamplingRule.objects.create(
            plan=plan,
            lot_size_from=s.lot_size_from,
            lot_size_to=s.lot_size_to,
            sample_size=s.sample_size,
        )
        audit.record_create(actor, rule)


def create_plan(
    actor: Actor,
    *,
    product_id: int,
    stage: str,
    characteristics: Iterable[CharacteristicInput | Mapping[str, Any]],
    sampling: Iterable[SamplingInput | Mapping[str, Any]] = (),
    title: str = "",
    notes: str = "",
) -> InspectionPlan:
    """A new draft plan (the next revision of the product and stage)."""
    authorize(actor, ADD_PERMISSION)
    if stage not in Stage.values:
        raise StageUnknown(stage=stage, field="stage")
    chars = [CharacteristicInput.of(c) for c in characteristics]
    rows = [SamplingInput.of(s, n) for n, s in enumerate(sampling, start=1)]
    _check(chars, rows)
    with transaction.atomic():
        product = Product.objects.filter(pk=product_id).first()
        if product is None:
            raise ProductUnknown(product=product_id, field="product_id")
        top = InspectionPlan.objects.filter(product=product, stage=stage).aggregate(
            top=Max("revision")
        )["top"]
        plan = InspectionPlan.objects.create(
            product=product,
            stage=stage,
            revision=(top or 0) + 1,
            state=PlanState.DRAFT,
            title=(title or "").strip()[:200],
            notes=(notes or "").strip(),
            created_at=clock.now(),
            created_by_name=actor.name[:200],
        )
        audit.record_create(actor, plan)
        _write_children(actor, plan, chars, rows)
        outbox.emit(
            actor,
            events.PLAN_CREATED,
            aggregate_type=approval.PLAN,
            aggregate_id=plan.pk,
            payload={
                "id": plan.pk,
                "product_code": product.code,
                "stage": stage,
                "revision": plan.revision,
            },
        )
        return plan


def save_plan(
    actor: Actor,
    plan_id: int,
    *,
    characteristics: Iterable[CharacteristicInput | Mapping[str, Any]],
    sampling: Iterable[SamplingInput | Mapping[str, Any]] = (),
    title: str | None = None,
    notes: str | None = None,
    reason: str = "edited draft",
) -> InspectionPlan:
    """Replace a draft's characteristics and sampling table (refused once approved)."""
    authorize(actor, CHANGE_PERMISSION)
    chars = [CharacteristicInput.of(c) for c in characteristics]
    rows = [SamplingInput.of(s, n) for n, s in enumerate(sampling, start=1)]
    _check(chars, rows)
    with transaction.atomic():
        plan = lock_plan(plan_id)
        if plan is None:
            raise PlanUnknown(plan=plan_id)
        if plan.state != PlanState.DRAFT:
            raise PlanNotDraft(revision=plan.revision, state=plan.get_state_display())
        before = canonical.snapshot(plan)
        for old in list(plan.characteristics.all()):
            audit.record(actor, action="delete", instance=old, reason=reason)
            old.delete()
        for old_rule in list(plan.sampling.all()):
            audit.record(actor, action="delete", instance=old_rule, reason=reason)
            old_rule.delete()
        _write_children(actor, plan, chars, rows)
        if title is not None:
            plan.title = title.strip()[:200]
        if notes is not None:
            plan.notes = notes.strip()
        plan.version += 1
        plan.save()
        audit.record_update(actor, plan, before, reason=reason)
        outbox.emit(
            actor,
            events.PLAN_CHANGED,
            aggregate_type=approval.PLAN,
            aggregate_id=plan.pk,
            payload={"id": plan.pk, "revision": plan.revision, "changed": ["characteristics"]},
        )
        return plan


def revise_plan(actor: Actor, plan_id: int) -> InspectionPlan:
    """A new draft revision copied from an approved or obsolete plan."""
    authorize(actor, ADD_PERMISSION)
    source = InspectionPlan.objects.filter(pk=plan_id).first()
    if source is None:
        raise PlanUnknown(plan=plan_id)
    draft = InspectionPlan.objects.filter(
        product_id=source.product_id, stage=source.stage, state=PlanState.DRAFT
    ).first()
    if draft is not None:
        raise NewRevisionExists(revision=draft.revision)
    return create_plan(
        actor,
        product_id=source.product_id,
        stage=source.stage,
        title=source.title,
        notes=source.notes,
        characteristics=[
            CharacteristicInput(
                name=c.name,
                kind=c.kind,
                lower_limit=c.lower_limit,
                upper_limit=c.upper_limit,
                unit=c.unit,
                critical=c.critical,
            )
            for c in source.characteristics.order_by("sequence")
        ],
        sampling=[
            SamplingInput(r.lot_size_from, r.lot_size_to, r.sample_size)
            for r in source.sampling.order_by("lot_size_from")
        ],
    )


def approve_plan(
    actor: Actor,
    plan_id: int,
    *,
    credentials: workflow.Credentials | None = None,
    reason: str = "",
    around: Callable[[Callable[[], InspectionPlan]], Any] | None = None,
) -> Any:
    """Approve a draft by signature (meaning ``approved``); the approved revision before it, if
    any, becomes obsolete in the same transaction. A wrong password writes only its
    security-log record (ES-13). ``around`` wraps the transactional step (the API's
    idempotency guard) and its result is returned instead of the plan."""

    def load() -> InspectionPlan:
        found = InspectionPlan.objects.select_related("product").filter(pk=plan_id).first()
        if found is None:
            raise PlanUnknown(plan=plan_id)
        return found

    def lock() -> InspectionPlan:
        locked = lock_plan(plan_id)
        if locked is None:
            raise PlanUnknown(plan=plan_id)
        if locked.state != PlanState.DRAFT:
            raise PlanNotDraft(revision=locked.revision, state=locked.get_state_display())
        if not locked.characteristics.exists():
            raise PlanEmpty(field="characteristics")
        previous = (
            InspectionPlan.objects.select_for_update()
            .filter(product_id=locked.product_id, stage=locked.stage, state=PlanState.APPROVED)
            .exclude(pk=locked.pk)
            .order_by("pk")
        )
        for old in previous:
            workflow.transition(
                actor, old, approval.OBSOLETE, reason=f"replaced by revision {locked.revision}"
            )
        before = canonical.snapshot(locked)
        locked.approved_at = clock.now()
        locked.approved_by_name = actor.name[:200]
        locked.save(update_fields=["approved_at", "approved_by_name"])
        audit.record_update(actor, locked, before, reason="approved")
        return locked

    plan = workflow.perform(
        actor,
        approval.APPROVE,
        load=load,
        lock=lock,
        reason=reason,
        credentials=credentials,
        around=around,
    )
    return plan
