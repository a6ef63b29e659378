"""Assessing reportability with deadlines from the seeded rules (QE-04, QE-05, QE-06), the
refusals, and recording submissions."""

from __future__ import annotations

import datetime as dt

import pytest

from mederp.core.actors import Actor
from mederp.core.errors import DomainError
from mederp.core.models import OutboxEvent
from mederp.quality.complaints import services
from mederp.quality.complaints.models import RegulatoryReport, ReportingRule

from .conftest import START, TABLES

pytestmark = pytest.mark.django_db


def utc(year: int, month: int, day: int, hour: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, tzinfo=dt.UTC)


# Aware Monday 15 June 2026, 10:00 in Suzhou (02:00 UTC).
SEEDED = [
    ("US", "death", "FDA-MDR-30D-DEATH", utc(2026, 7, 15, 2)),
    ("US", "serious_injury", "FDA-MDR-30D-INJURY", utc(2026, 7, 15, 2)),
    ("US", "malfunction", "FDA-MDR-30D-MALFUNCTION", utc(2026, 7, 15, 2)),
    ("US", "remedial_action", "FDA-MDR-5D-REMEDIAL", utc(2026, 6, 22, 2)),
    ("US", "fda_request", "FDA-MDR-5D-REQUEST", utc(2026, 6, 22, 2)),
    ("CN", "death", "NMPA-AE-DEATH", utc(2026, 6, 22, 2)),
    ("CN", "serious_injury", "NMPA-AE-SERIOUS", utc(2026, 7, 5, 2)),
    ("CN", "group_event", "NMPA-AE-GROUP", utc(2026, 6, 15, 14)),
    ("EU", "serious_public_health_threat", "MDR-87-PUBLIC-HEALTH", utc(2026, 6, 17, 2)),
    ("EU", "death", "MDR-87-DEATH", utc(2026, 6, 25, 2)),
    ("EU", "unanticipated_serious_deterioration", "MDR-87-DETERIORATION", utc(2026, 6, 25, 2)),
    ("EU", "serious_incident", "MDR-87-SERIOUS-INCIDENT", utc(2026, 6, 30, 2)),
]


def test_the_data_migration_seeds_every_rule_of_the_brief():
    assert set(ReportingRule.objects.values_list("code", flat=True)) >= {s[2] for s in SEEDED}


@pytest.mark.parametrize("jurisdiction,event_class,code,due", SEEDED, ids=[s[2] for s in SEEDED])
def test_each_seeded_rule_gives_its_deadline(desk, jurisdiction, event_class, code, due):
    """QE-04/05/06: the deadline counts from awareness by the rule's unit."""
    c = desk.assess(desk.receive(), event_classes=[event_class], jurisdictions=[jurisdiction])
    report = RegulatoryReport.objects.get(complaint=c)
    assert (report.rule_code, report.clock_start, report.due_at) == (code, START, due)
    assert c.state == "assessed" and c.reportable is True


def test_working_days_deadline_crosses_the_weekend(desk):
    """QE-04: aware Thursday 18 June 10:00, the 5-day report is due Thursday 25 June."""
    c = desk.receive(received_at=utc(2026, 6, 11, 2))  # Thursday 11 June
    desk.assess(c, event_classes=["remedial_action"], jurisdictions=["US"])
    assert RegulatoryReport.objects.get(complaint=c).due_at == utc(2026, 6, 18, 2)


def test_assessment_writes_one_report_per_jurisdiction_and_its_event(desk):
    c = desk.assess(
        desk.receive(),
        event_classes=["death", "serious_incident"],
        jurisdictions=["CN", "EU", "US"],
    )
    reports = {r.jurisdiction: r.rule_code for r in RegulatoryReport.objects.filter(complaint=c)}
    assert reports == {"CN": "NMPA-AE-DEATH", "EU": "MDR-87-DEATH", "US": "FDA-MDR-30D-DEATH"}
    event = OutboxEvent.objects.filter(event_type="complaint.assessed").get()
    assert len(event.payload["reports"]) == 3


def test_a_rule_change_never_moves_a_computed_deadline(desk):
    """QE-05: rules are data QA edits; reports keep what assessment computed."""
    c = desk.assess(desk.receive())
    report = RegulatoryReport.objects.get(complaint=c)
    rule = ReportingRule.objects.get(code="NMPA-AE-SERIOUS")
    services.change_rule(
        desk.actor(), rule.pk, {"deadline_amount": 15}, reason="Stricter internal target"
    )
    report.refresh_from_db()
    assert report.due_at == utc(2026, 7, 5, 2) and report.deadline_amount == 20
    later = desk.assess(desk.receive())
    assert RegulatoryReport.objects.get(complaint=later).due_at == utc(2026, 6, 30, 2)


def test_an_inactive_rule_is_not_applied(desk):
    rule = ReportingRule.objects.get(code="NMPA-AE-SERIOUS")
    services.change_rule(desk.actor(), rule.pk, {"active": False}, reason="Withdrawn")
    c = desk.receive()
    with pytest.raises(DomainError) as exc:
        desk.assess(c)
    assert exc.value.code == "complaints.no_rule_matches"


def test_not_reportable_needs_a_rationale_and_owes_no_report(desk, unchanged):
    c = desk.receive()
    with unchanged(*TABLES), pytest.raises(DomainError) as exc:
        desk.assess(c, reportable=False, rationale="  ")
    assert exc.value.code == "complaints.rationale_missing"
    done = desk.assess(
        c, reportable=False, event_classes=[], jurisdictions=[], rationale="Cosmetic"
    )
    assert done.reportable is False and not RegulatoryReport.objects.filter(complaint=c).exists()


@pytest.mark.parametrize(
    "kw,code",
    [
        ({"event_classes": []}, "complaints.reportability_incomplete"),
        ({"jurisdictions": []}, "complaints.reportability_incomplete"),
        ({"event_classes": ["malfunction"], "jurisdictions": ["EU"]}, "complaints.no_rule_matches"),
        ({"event_classes": ["sneeze"]}, "complaints.choice_unknown"),
        ({"jurisdictions": ["JP"]}, "complaints.choice_unknown"),
    ],
)
def test_bad_assessments_are_refused_and_write_nothing(desk, unchanged, kw, code):
    c = desk.receive()
    with unchanged(*TABLES), pytest.raises(DomainError) as exc:
        desk.assess(c, **kw)
    assert exc.value.code == code
    c.refresh_from_db()
    assert c.state == "open" and c.reportable is None


def test_a_complaint_is_assessed_once(desk, unchanged):
    c = desk.assess(desk.receive())
    with unchanged(*TABLES), pytest.raises(DomainError) as exc:
        desk.assess(c)
    assert exc.value.code == "workflow.wrong_state"


def test_sales_may_not_assess(desk, unchanged):
    c = desk.receive()
    with unchanged(*TABLES), pytest.raises(DomainError) as exc:
        services.assess(Actor.for_user(desk.seller), c, reportable=False, rationale="x")
    assert exc.value.code == "permission_denied"


def test_submission_is_recorded_once_and_flagged_late(desk, unchanged):
    c = desk.assess(desk.receive(), event_classes=["group_event"])  # due in 12 hours
    report = RegulatoryReport.objects.get(complaint=c)
    from mederp.core import clock

    with clock.frozen(START + dt.timedelta(hours=13)):
        done = services.record_submission(
            desk.actor(), c, report.pk, authority_reference="国家监测系统 2026-0001"
        )
        assert done.submitted_at is not None and done.submitted_at > done.due_at
        event = OutboxEvent.objects.filter(event_type="complaint.report.submitted").get()
        assert event.payload["late"] is True
        with unchanged(*TABLES), pytest.raises(DomainError) as exc:
            services.record_submission(desk.actor(), c, report.pk)
        assert exc.value.code == "complaints.report_already_submitted"
        assert exc.value.http_status == 409


def test_submission_of_an_unknown_report_or_in_the_future_is_refused(desk, unchanged):
    c = desk.assess(desk.receive())
    report = RegulatoryReport.objects.get(complaint=c)
    with unchanged(*TABLES), pytest.raises(DomainError) as exc:
        services.record_submission(desk.actor(), c, report.pk + 999)
    assert exc.value.code == "complaints.report_unknown"
    with unchanged(*TABLES), pytest.raises(DomainError) as exc:
        services.record_submission(
            desk.actor(), c, report.pk, submitted_at=START + dt.timedelta(hours=1)
        )
    assert exc.value.code == "complaints.submission_in_future"
