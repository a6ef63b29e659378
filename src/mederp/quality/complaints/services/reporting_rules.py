"""QA's reporting rules (QE-04..QE-06): created and changed with audit, never deleted (a rule
that no longer applies is made inactive). A change never alters a report already assessed:
reports carry their own copy of the terms and their due time."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from mederp.core import audit, canonical, outbox
from mederp.core.actors import Actor
from mederp.core.errors import field_errors
from mederp.core.services import authorize, check_version
from mederp.quality.complaints import errors, events
from mederp.quality.complaints.locks import lock_rule
from mederp.quality.complaints.models import (
    DeadlineUnit,
    EventClass,
    Jurisdiction,
    ReportingRule,
)

RULE = "complaints.reportingrule"
FIELDS = (
    "jurisdiction",
    "code",
    "label",
    "condition",
    "deadline_amount",
    "deadline_unit",
    "regulation",
    "active",
)


def _validate(values: dict[str, Any]) -> None:
    problems: dict[str, list[str]] = {}
    choices = {
        "jurisdiction": Jurisdiction,
        "condition": EventClass,
        "deadline_unit": DeadlineUnit,
    }
    for name, kind in choices.items():
        if values.get(name) not in kind.values:
            problems[name] = [_("Choose one of: %s.") % ", ".join(kind.values)]
    for name in ("code", "label", "regulation"):
        if not str(values.get(name) or "").strip():
            problems[name] = [_("This field is required.")]
    amount = values.get("deadline_amount")
    if not isinstance(amount, int) or isinstance(amount, bool) or not 1 <= amount <= 10_000:
        problems["deadline_amount"] = [_("Give a whole number from 1 to 10000.")]
    if problems:
        exc = field_errors(problems)
        raise errors.RuleInvalid(fields=exc.details["fields"])


def _payload(rule: ReportingRule) -> dict[str, Any]:
    return {
        "id": rule.pk,
        "code": rule.code,
        "jurisdiction": rule.jurisdiction,
        "condition": rule.condition,
        "deadline_amount": rule.deadline_amount,
        "deadline_unit": rule.deadline_unit,
        "active": rule.active,
    }


def create_rule(actor: Actor, *, reason: str = "", **values: Any) -> ReportingRule:
    """A new reporting rule (permission ``complaints.add_reportingrule``). Refused: a field
    missing or not valid (``complaints.rule_invalid``), a code in use (409)."""
    authorize(actor, "complaints.add_reportingrule")
    unknown = sorted(set(values) - set(FIELDS))
    if unknown:
        raise field_errors({k: [_("Unknown field.")] for k in unknown})
    values = {"active": True, **values}
    for name in ("code", "label", "regulation"):
        values[name] = str(values.get(name) or "").strip()
    _validate(values)
    with transaction.atomic():
        if ReportingRule.objects.filter(code=values["code"]).exists():
            raise errors.RuleCodeTaken(code=values["code"], field="code")
        rule = ReportingRule.objects.create(**values)
        audit.record_create(actor, rule, reason=reason)
        outbox.emit(
            actor,
            events.RULE_CREATED,
            aggregate_type=RULE,
            aggregate_id=rule.pk,
            payload=_payload(rule),
        )
    return rule


def change_rule(
    actor: Actor,
    rule_id: int,
    changes: dict[str, Any],
    *,
    reason: str,
    expected_version: int | None = None,
) -> ReportingRule:
    """Change a reporting rule (permission ``complaints.change_reportingrule``), with a reason
    (AT-04). Deadlines already computed stay as they are. Refused: no reason, an invalid value,
    a stale version (409), a code in use."""
    authorize(actor, "complaints.change_reportingrule")
    unknown = sorted(set(changes) - set(FIELDS))
    if unknown:
        raise field_errors({k: [_("Unknown field.")] for k in unknown})
    if not (reason or "").strip():
        raise errors.RuleInvalid(fields={"reason": [_("Give a reason for the change.")]})
    with transaction.atomic():
        rule = lock_rule(rule_id)
        check_version(rule, expected_version)
        before = canonical.snapshot(rule)
        merged = {**{f: getattr(rule, f) for f in FIELDS}, **changes}
        for name in ("code", "label", "regulation"):
            merged[name] = str(merged.get(name) or "").strip()
        _validate(merged)
        if (
            merged["code"] != rule.code
            and ReportingRule.objects.filter(code=merged["code"]).exists()
        ):
            raise errors.RuleCodeTaken(code=merged["code"], field="code")
        for name, value in merged.items():
            setattr(rule, name, value)
        changed = canonical.diff(before, canonical.snapshot(rule))
        if not changed:
            return rule
        rule.version += 1
        rule.save()
        audit.record_update(actor, rule, before, reason=reason)
        outbox.emit(
            actor,
            events.RULE_CHANGED,
            aggregate_type=RULE,
            aggregate_id=rule.pk,
            payload={**_payload(rule), "changed": sorted(changed)},
        )
    return rule
