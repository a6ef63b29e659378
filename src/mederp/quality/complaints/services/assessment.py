"""Assessing reportability and recording submissions (QE-04 21 CFR 803.50, 803.53; QE-05
不良事件监测和再评价管理办法; QE-06 MDR Art. 87(3)-(5)).

:func:`assess` decides whether a complaint is reportable, and if so in which jurisdictions and
for which event classes; the active :class:`ReportingRule` rows matching them give one report
per jurisdiction, due by the strictest rule (:func:`mederp.quality.complaints.rules.obligations`)
counted from awareness. The rule's terms and the due time are copied onto the report: changing
a rule later moves no deadline already computed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from mederp.core import audit, canonical, clock, outbox, workflow
from mederp.core.actors import Actor
from mederp.core.services import authorize
from mederp.quality.complaints import errors, events, rules
from mederp.quality.complaints.closure import ASSESS, COMPLAINT
from mederp.quality.complaints.locks import lock_complaint, lock_report
from mederp.quality.complaints.models import (
    Complaint,
    ComplaintState,
    EventClass,
    Jurisdiction,
    RegulatoryReport,
    ReportingRule,
)
from mederp.quality.complaints.services.common import complaint_id, load, not_closed

SUBMIT_PERMISSION = "complaints.submit_report"


def _terms(rule: ReportingRule) -> rules.RuleTerms:
    return rules.RuleTerms(
        id=rule.pk,
        jurisdiction=rule.jurisdiction,
        code=rule.code,
        condition=rule.condition,
        amount=rule.deadline_amount,
        unit=rule.deadline_unit,
    )


def _clean(values: Sequence[str], choices: Any, field: str, label: str) -> list[str]:
    cleaned = sorted({str(v).strip() for v in values or () if str(v).strip()})
    for v in cleaned:
        if v not in choices.values:
            raise errors.ChoiceUnknown(value=v, field_label=label, field=field)
    return cleaned


def plan(
    complaint: Complaint,
    *,
    reportable: bool,
    event_classes: Sequence[str],
    jurisdictions: Sequence[str],
    rationale: str,
) -> tuple[list[str], list[str], list[rules.Obligation]]:
    """The validated decision and the reports it owes; raises the coded refusal."""
    classes = _clean(event_classes, EventClass, "event_classes", _("event class"))
    places = _clean(jurisdictions, Jurisdiction, "jurisdictions", _("jurisdiction"))
    if not reportable:
        if not (rationale or "").strip():
            raise errors.RationaleMissing(field="rationale")
        return classes, places, []
    if not classes or not places:
        raise errors.ReportabilityIncomplete(field="event_classes")
    active = [_terms(r) for r in ReportingRule.objects.filter(active=True, jurisdiction__in=places)]
    owed = rules.obligations(
        active,
        event_classes=classes,
        jurisdictions=places,
        start=complaint.received_at,
        tz=settings.TIME_ZONE,
    )
    if not owed:
        raise errors.NoRuleMatches(jurisdictions=", ".join(places), field="event_classes")
    return classes, places, owed


def _precheck(actor: Actor, complaint: Complaint) -> None:
    not_closed(complaint)
    workflow.check(actor, complaint, ASSESS)


def assess(
    actor: Actor,
    complaint: Complaint | int,
    *,
    reportable: bool,
    event_classes: Sequence[str] = (),
    jurisdictions: Sequence[str] = (),
    rationale: str = "",
) -> Complaint:
    """Decide reportability (可报告性评估) of an open complaint (permission
    ``complaints.assess_complaint``); creates its regulatory reports with their deadlines and
    moves it to ``assessed``.

    Refused with nothing written: a complaint not open (``workflow.wrong_state``), "not
    reportable" without a rationale (``complaints.rationale_missing``), "reportable" without an
    event class or a jurisdiction (``complaints.reportability_incomplete``) or with none that an
    active rule covers (``complaints.no_rule_matches``), an unknown class or jurisdiction."""
    found = load(complaint)
    _precheck(actor, found)
    plan(
        found,
        reportable=reportable,
        event_classes=event_classes,
        jurisdictions=jurisdictions,
        rationale=rationale,
    )
    with transaction.atomic():
        c = lock_complaint(found.pk)
        _precheck(actor, c)
        classes, places, owed = plan(
            c,
            reportable=reportable,
            event_classes=event_classes,
            jurisdictions=jurisdictions,
            rationale=rationale,
        )
        by_id = {r.pk: r for r in ReportingRule.objects.filter(pk__in=[o.rule.id for o in owed])}
        before = canonical.snapshot(c)
        c.state = ComplaintState.ASSESSED
        c.reportable = reportable
        c.event_classes = classes
        c.jurisdictions = places
        c.assessment_rationale = (rationale or "").strip()
        c.assessed_at = clock.now()
        c.assessed_by_name = actor.name[:200]
        c.version += 1
        c.save()
        reports = []
        for o in owed:
            rule = by_id[o.rule.id]
            report = RegulatoryReport.objects.create(
                complaint=c,
                rule=rule,
                jurisdiction=o.jurisdiction,
                rule_code=rule.code,
                rule_label=rule.label,
                regulation=rule.regulation,
                deadline_amount=rule.deadline_amount,
                deadline_unit=rule.deadline_unit,
                matched_rules=", ".join(o.matched)[:300],
                clock_start=c.received_at,
                due_at=o.due_at,
            )
            audit.record_create(actor, report, reason=c.assessment_rationale)
            reports.append(report)
        audit.record(
            actor,
            action=workflow.TRANSITION,
            instance=c,
            changes=canonical.diff(before, canonical.snapshot(c)),
            reason=c.assessment_rationale,
            require_reason=False,
        )
        outbox.emit(
            actor,
            events.COMPLAINT_ASSESSED,
            aggregate_type=COMPLAINT,
            aggregate_id=c.pk,
            payload={
                "id": c.pk,
                "number": c.number,
                "reportable": reportable,
                "event_classes": classes,
                "jurisdictions": places,
                "rationale": c.assessment_rationale,
                "reports": [
                    {
                        "id": r.pk,
                        "jurisdiction": r.jurisdiction,
                        "rule_code": r.rule_code,
                        "due_at": r.due_at,
                    }
                    for r in reports
                ],
            },
        )
    return c


def record_submission(
    actor: Actor,
    complaint: Complaint | int,
    report_id: int,
    *,
    authority_reference: str = "",
    submitted_at: dt.datetime | None = None,
) -> RegulatoryReport:
    """Record that a regulatory report was submitted to its authority (permission
    ``complaints.submit_report``). A late submission is recorded as late, never refused.
    Refused: an unknown report, one already submitted (409), a time in the future, a closed
    complaint."""
    authorize(actor, SUBMIT_PERMISSION)
    cid = complaint_id(complaint)
    now = clock.now()
    when = submitted_at or now
    if when > now:
        raise errors.SubmissionInFuture(field="submitted_at")
    with transaction.atomic():
        c = lock_complaint(cid)
        not_closed(c)
        report = lock_report(c.pk, report_id)
        if report is None:
            raise errors.ReportUnknown(complaint=c.number, report=report_id)
        if report.submitted_at is not None:
            raise errors.ReportAlreadySubmitted(
                report=str(report), submitted_at=report.submitted_at.isoformat()
            )
        before = canonical.snapshot(report)
        report.submitted_at = when
        report.submitted_by = actor.user if actor.kind == "user" else None
        report.submitted_by_name = actor.name[:200]
        report.authority_reference = (authority_reference or "").strip()[:100]
        report.version += 1
        report.save()
        late = when > report.due_at
        audit.record_update(
            actor,
            report,
            before,
            reason=_("Report submitted late") if late else _("Report submitted"),
        )
        outbox.emit(
            actor,
            events.REPORT_SUBMITTED,
            aggregate_type=COMPLAINT,
            aggregate_id=c.pk,
            payload={
                "id": c.pk,
                "number": c.number,
                "report_id": report.pk,
                "jurisdiction": report.jurisdiction,
                "rule_code": report.rule_code,
                "due_at": report.due_at,
                "submitted_at": when,
                "late": late,
                "authority_reference": report.authority_reference,
            },
        )
    return report
