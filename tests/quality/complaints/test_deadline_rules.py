"""Deadline arithmetic as pure rules (QE-04, QE-05, QE-06): hours, calendar days, working days
across a weekend in the plant's calendar, and one report per jurisdiction by the strictest
matching rule."""

from __future__ import annotations

import datetime as dt

import pytest

from mederp.quality.complaints import rules
from mederp.quality.complaints.rules import RuleTerms

SHANGHAI = "Asia/Shanghai"


def utc(year: int, month: int, day: int, hour: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, tzinfo=dt.UTC)


def test_hours_are_elapsed_time():
    """NMPA group event: 12 hours from awareness (QE-05)."""
    assert rules.due_at(utc(2026, 6, 15, 2), 12, "hours", tz=SHANGHAI) == utc(2026, 6, 15, 14)


def test_calendar_days_count_every_day():
    """FDA 30 calendar days (QE-04, 803.50(a))."""
    assert rules.due_at(utc(2026, 6, 15, 2), 30, "calendar_days", tz=SHANGHAI) == utc(
        2026, 7, 15, 2
    )


def test_working_days_skip_the_weekend():
    """FDA 5 work days (QE-04, 803.53): aware Thursday 18 June, due Thursday 25 June."""
    thursday = utc(2026, 6, 18, 2)  # 10:00 in Suzhou
    assert rules.due_at(thursday, 5, "working_days", tz=SHANGHAI) == utc(2026, 6, 25, 2)


def test_working_days_from_a_saturday_start_counting_on_monday():
    saturday = utc(2026, 6, 20, 2)
    assert rules.due_at(saturday, 5, "working_days", tz=SHANGHAI) == utc(2026, 6, 26, 2)


def test_working_days_are_counted_in_the_plants_calendar_not_utc():
    """Friday 17:00 UTC is already Saturday 01:00 in Suzhou: one working day later is Monday
    01:00 local (Sunday 17:00 UTC), not Monday 17:00 UTC."""
    late_friday_utc = utc(2026, 6, 19, 17)
    assert rules.due_at(late_friday_utc, 1, "working_days", tz=SHANGHAI) == utc(2026, 6, 21, 17)
    assert rules.due_at(late_friday_utc, 1, "working_days", tz="UTC") == utc(2026, 6, 22, 17)


def test_an_unknown_unit_is_an_error():
    with pytest.raises(ValueError):
        rules.due_at(utc(2026, 6, 15), 1, "fortnights")


def _rule(i: int, j: str, code: str, condition: str, amount: int, unit: str) -> RuleTerms:
    return RuleTerms(i, j, code, condition, amount, unit)


RULES = [
    _rule(1, "US", "FDA-30-DEATH", "death", 30, "calendar_days"),
    _rule(2, "US", "FDA-5-REMEDIAL", "remedial_action", 5, "working_days"),
    _rule(3, "EU", "EU-DEATH", "death", 10, "calendar_days"),
    _rule(4, "EU", "EU-SERIOUS", "serious_incident", 15, "calendar_days"),
    _rule(5, "CN", "CN-DEATH", "death", 7, "calendar_days"),
]


def test_one_report_per_jurisdiction_due_by_the_strictest_rule():
    found = rules.obligations(
        RULES,
        event_classes=["death", "remedial_action", "serious_incident"],
        jurisdictions=["US", "EU"],
        start=utc(2026, 6, 15, 2),
        tz=SHANGHAI,
    )
    assert [(o.jurisdiction, o.rule.code, o.due_at) for o in found] == [
        ("EU", "EU-DEATH", utc(2026, 6, 25, 2)),
        ("US", "FDA-5-REMEDIAL", utc(2026, 6, 22, 2)),
    ]
    assert found[1].matched == ("FDA-30-DEATH", "FDA-5-REMEDIAL")


def test_a_jurisdiction_without_a_matching_rule_owes_nothing():
    found = rules.obligations(
        RULES, event_classes=["malfunction"], jurisdictions=["CN", "US"], start=utc(2026, 6, 15)
    )
    assert found == []


def test_urgency_bands():
    now = utc(2026, 6, 15, 2)
    assert rules.urgency(now - dt.timedelta(minutes=1), now) == "overdue"
    assert rules.urgency(now + dt.timedelta(days=1), now) == "due_soon"
    assert rules.urgency(now + dt.timedelta(days=5), now) == "upcoming"
    assert rules.urgency(now + dt.timedelta(days=20), now) == "later"
    assert rules.describe_left(dt.timedelta(days=-1, hours=-3)) == (-1, -3)
