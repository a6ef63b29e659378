"""Supplier evaluation use cases: draft an evaluation from the scorecard, approve it by a QA
signature that sets the supplier's status (ISO 13485 §7.4.1; CN-21; 生产办法 第三十一条;
21 CFR 11.50, 11.70).

Each is one transaction: the evaluation, its audit entries and events, and on approval the
partner's status change (audited, ``supplier.status.changed``) commit together or not at all.
Approval re-authenticates the signer before the transaction opens, so a refusal leaves only its
security-log record (ES-13).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.db import transaction

from mederp.catalog.selectors import business_date
from mederp.core import audit, clock, numbering, signatures, workflow
from mederp.core.actors import Actor
from mederp.core.errors import NotFound
from mederp.core.services import authorize, created
from mederp.partners import services as partners
from mederp.partners.models import Partner
from mederp.quality.suppliers import events, rules, selectors
from mederp.quality.suppliers.approval import APPROVE, APPROVED
from mederp.quality.suppliers.errors import (
    NotASupplier,
    NothingToEvaluate,
    PeriodInFuture,
    PeriodInvalid,
    RationaleRequired,
    StatusInvalid,
)
from mederp.quality.suppliers.locks import lock_evaluation
from mederp.quality.suppliers.models import SupplierEvaluation

PREFIX = "SE"
ADD_PERMISSION = "supplier_quality.add_supplierevaluation"
STATUS_PERMISSION = "partners.set_supplier_status"

Around = Callable[[Callable[[], SupplierEvaluation]], Any]


def _supplier(supplier: Partner | int) -> Partner:
    pk = supplier.pk if isinstance(supplier, Partner) else supplier
    found = Partner.objects.filter(pk=pk).first()
    if found is None:
        raise NotFound(record_type="Partner", record_id=pk)
    if not found.is_supplier:
        raise NotASupplier(partner=str(found), field="supplier")
    return found


def period(start: dt.date | None, end: dt.date | None) -> tuple[dt.date, dt.date]:
    today = business_date()
    default_start, default_end = selectors.default_period(today)
    end = end or default_end
    start = start or (end - (default_end - default_start))
    if start > end:
        raise PeriodInvalid(start=start.isoformat(), end=end.isoformat(), field="period_start")
    if end > today:
        raise PeriodInFuture(end=end.isoformat(), today=today.isoformat(), field="period_end")
    return start, end


def create_evaluation(
    actor: Actor,
    *,
    supplier: Partner | int,
    proposed_status: str,
    rationale: str,
    period_start: dt.date | None = None,
    period_end: dt.date | None = None,
) -> SupplierEvaluation:
    """Draft an evaluation (SE-YYYY-NNNNN) of ``supplier`` over the period (default: the last
    12 months): the scorecard's figures, rates, score and suggested status are snapshotted
    beside QA's ``proposed_status`` (approved | conditional | disqualified) and ``rationale``.

    Refused, writing nothing: not a supplier, a period backwards or ending after today, a
    period with no receipts, inspections or NCRs, an unknown status, no rationale."""
    authorize(actor, ADD_PERMISSION)
    found = _supplier(supplier)
    start, end = period(period_start, period_end)
    status = (proposed_status or "").strip()
    if status not in rules.STATUSES:
        raise StatusInvalid(value=status, field="proposed_status")
    text = (rationale or "").strip()
    if not text:
        raise RationaleRequired(field="rationale")
    cfg = selectors.scoring()
    with transaction.atomic():
        f = selectors.figures_of(found.pk, start, end)
        if f.empty:
            raise NothingToEvaluate(
                supplier=str(found), start=start.isoformat(), end=end.isoformat()
            )
        parts = rules.components(f, cfg)
        score = rules.score(parts, cfg)
        ev = SupplierEvaluation.objects.create(
            number=numbering.next_number(PREFIX),
            supplier=found,
            period_start=start,
            period_end=end,
            receipt_lines=f.receipt_lines,
            quantity_received=f.quantity_received,
            quantity_accepted=f.quantity_accepted,
            lines_rejected=f.lines_rejected,
            inspections=f.inspections,
            inspections_passed=f.inspections_passed,
            ncrs=f.ncrs,
            deliveries=f.deliveries,
            deliveries_on_time=f.deliveries_on_time,
            acceptance_rate=parts["acceptance"],
            inspection_rate=parts["inspection"],
            ncr_rate=parts["ncr"],
            delivery_rate=parts["delivery"],
            scoring=cfg.as_dict(),
            score=score,
            suggested_status=rules.suggest(score, cfg),
            proposed_status=status,
            rationale=text,
            created_at=clock.now(),
            created_by=actor.user,
            created_by_name=actor.name[:200],
        )
        created(
            actor,
            ev,
            events.EVALUATION_DRAFTED,
            {
                "id": ev.pk,
                "number": ev.number,
                "supplier_id": found.pk,
                "supplier_code": found.code,
                "period_start": start.isoformat(),
                "period_end": end.isoformat(),
                "score": None if score is None else str(score),
                "suggested_status": ev.suggested_status,
                "proposed_status": status,
            },
        )
        return ev


def _load(evaluation_id: int) -> SupplierEvaluation:
    found = SupplierEvaluation.objects.select_related("supplier").filter(pk=evaluation_id).first()
    if found is None:
        raise NotFound(record_type="SupplierEvaluation", record_id=evaluation_id)
    return found


def _approvable(actor: Actor, ev: SupplierEvaluation) -> None:
    workflow.check(actor, ev, APPROVE)
    authorize(actor, STATUS_PERMISSION)


def approve_evaluation(
    actor: Actor,
    evaluation_id: int,
    *,
    password: str,
    totp: str | None = None,
    reason: str = "",
    session_key: str | None = None,
    around: Around | None = None,
) -> Any:
    """Approve a draft evaluation, signed ``approved`` (permission
    ``supplier_quality.approve_supplierevaluation`` and ``partners.set_supplier_status``) by
    someone other than its author; in the same transaction the supplier's status becomes the
    proposed one (disqualified is stored ``blocked``; the purchase gate then refuses it, naming
    this evaluation). Returns the evaluation, or what ``around`` returned."""
    found = _load(evaluation_id)
    signer = signatures.authenticate(
        found,
        APPROVED,
        actor.user,
        password,
        totp,
        reason=reason,
        session_key=session_key,
        also=lambda: _approvable(actor, found),
    )

    def work() -> SupplierEvaluation:
        with transaction.atomic():
            ev = lock_evaluation(evaluation_id)
            _approvable(actor, ev)
            workflow.transition(actor, ev, APPROVE, reason=reason, signer=signer)
            ev.approved_at = clock.now()
            ev.save(update_fields=["approved_at"])
            # Part of the approval, not an edit of the content: audited as the transition's,
            # so the approver does not count as an author of the evaluation afterwards.
            audit.record(
                actor,
                action=workflow.TRANSITION,
                instance=ev,
                changes={"approved_at": [None, ev.approved_at.isoformat()]},
                reason=reason,
                require_reason=False,
            )
            partners.set_supplier_status(
                actor,
                ev.supplier_id,
                ev.proposed_status,
                reason=f"{ev.number}: {ev.rationale}",
                evaluation_ref=ev.number,
            )
            return SupplierEvaluation.objects.select_related("supplier").get(pk=ev.pk)

    with signatures.refusals_recorded(found, APPROVED, actor.user):
        return work() if around is None else around(work)
