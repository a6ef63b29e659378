"""Pure decisions of the complaint part, no database (STYLE rule 1).

Deadline arithmetic (QE-04..QE-06): the clock starts at awareness. Hours and calendar days are
added as elapsed time; working days are counted in the plant's calendar (``TIME_ZONE``),
skipping Saturdays and Sundays and keeping the time of day: aware on Friday 10:00, 5 working
days are due the next Friday 10:00; aware on Saturday, counting starts on Monday. Public
holidays (China's 法定节假日, US federal holidays) are not modelled yet. Keeping the time of
day rather than running to the end of the last day errs on the early side.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

HOURS, CALENDAR_DAYS, WORKING_DAYS = "hours", "calendar_days", "working_days"
UNITS = (HOURS, CALENDAR_DAYS, WORKING_DAYS)
SATURDAY = 5


def add_working_days(start: dt.datetime, days: int) -> dt.datetime:
    """``start`` moved on by ``days`` days that are neither Saturday nor Sunday (local)."""
    moment = start
    counted = 0
    while counted < days:
        moment = moment + dt.timedelta(days=1)
        if moment.weekday() < SATURDAY:
            counted += 1
    return moment


def due_at(start: dt.datetime, amount: int, unit: str, *, tz: str = "UTC") -> dt.datetime:
    """When a report whose clock started at ``start`` (aware UTC) is due, in UTC."""
    if start.tzinfo is None:
        raise ValueError("due_at() needs an aware datetime")
    if unit == HOURS:
        return start + dt.timedelta(hours=amount)
    local = start.astimezone(ZoneInfo(tz))
    if unit == CALENDAR_DAYS:
        due = local + dt.timedelta(days=amount)
    elif unit == WORKING_DAYS:
        due = add_working_days(local, amount)
    else:
        raise ValueError(f"unknown deadline unit {unit}")
    return due.astimezone(dt.UTC)


@dataclass(frozen=True)
class RuleTerms:
    """What a rule says, as the assessment needs it."""

    id: int
    jurisdiction: str
    code: str
    condition: str
    amount: int
    unit: str


@dataclass(frozen=True)
class Obligation:
    """One report owed to one jurisdiction: the strictest matching rule and all that matched."""

    jurisdiction: str
    rule: RuleTerms
    due_at: dt.datetime
    matched: tuple[str, ...]


def obligations(
    rules: Iterable[RuleTerms],
    *,
    event_classes: Sequence[str],
    jurisdictions: Sequence[str],
    start: dt.datetime,
    tz: str = "UTC",
) -> list[Obligation]:
    """One report per jurisdiction, due by the earliest deadline among the rules whose event
    class the complaint has: a death in the US that also needs remedial action is one 5-day
    report (803.53), a death in the EU one 10-day report (Art. 87(4)), not two reports each.
    Jurisdictions without a matching rule owe nothing."""
    classes = set(event_classes)
    found: list[Obligation] = []
    for j in sorted(set(jurisdictions)):
        matching = [r for r in rules if r.jurisdiction == j and r.condition in classes]
        if not matching:
            continue
        timed = sorted(
            ((due_at(start, r.amount, r.unit, tz=tz), r.code, r) for r in matching),
            key=lambda t: (t[0], t[1]),
        )
        first_due, _code, first = timed[0]
        found.append(Obligation(j, first, first_due, tuple(sorted(r.code for r in matching))))
    return found


def time_left(due: dt.datetime, now: dt.datetime) -> dt.timedelta:
    return due - now


def urgency(due: dt.datetime, now: dt.datetime) -> str:
    """``overdue``, ``due_soon`` (within 2 days), ``upcoming`` (within 7) or ``later``."""
    left = due - now
    if left <= dt.timedelta(0):
        return "overdue"
    if left <= dt.timedelta(days=2):
        return "due_soon"
    if left <= dt.timedelta(days=7):
        return "upcoming"
    return "later"


def describe_left(left: dt.timedelta) -> tuple[int, int]:
    """(days, hours) of a time left, both negative when overdue."""
    sign = -1 if left < dt.timedelta(0) else 1
    total_hours = int(abs(left).total_seconds() // 3600)
    return sign * (total_hours // 24), sign * (total_hours % 24)
