"""Reporting rules under /api/v1/quality/reporting-rules (QE-04..QE-06): data QA edits, with
audit. A change never moves a deadline already computed."""

from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Schema
from pydantic import Field

from mederp.core.actors import Actor
from mederp.core.apiperms import require_perm
from mederp.core.idempotency import run_idempotent
from mederp.core.schemas import ERRORS, StrictIn
from mederp.quality.complaints import services
from mederp.quality.complaints.api.common import router
from mederp.quality.complaints.models import ReportingRule


class RuleOut(Schema):
    id: int
    jurisdiction: str
    code: str
    label: str
    condition: str = Field(description="The event class the rule applies to")
    deadline_amount: int
    deadline_unit: str = Field(description="hours, calendar_days or working_days")
    regulation: str
    active: bool
    version: int


def rule_body(r: ReportingRule) -> dict[str, Any]:
    return RuleOut.model_validate(
        {
            "id": r.pk,
            "jurisdiction": r.jurisdiction,
            "code": r.code,
            "label": r.label,
            "condition": r.condition,
            "deadline_amount": r.deadline_amount,
            "deadline_unit": r.deadline_unit,
            "regulation": r.regulation,
            "active": r.active,
            "version": r.version,
        }
    ).model_dump(mode="json")


@router.get("/reporting-rules", response={200: list[RuleOut], **ERRORS})
@require_perm("complaints.view_reportingrule")
def list_rules(request: HttpRequest) -> Any:
    return [
        rule_body(r) for r in ReportingRule.objects.order_by("jurisdiction", "condition", "code")
    ]


@router.get("/reporting-rules/{rule_id}", response={200: RuleOut, **ERRORS})
@require_perm("complaints.view_reportingrule")
def get_rule(request: HttpRequest, rule_id: int) -> Any:
    return rule_body(get_object_or_404(ReportingRule, pk=rule_id))


class RuleIn(StrictIn):
    jurisdiction: str = Field(max_length=2, description="CN, US or EU")
    code: str = Field(max_length=40)
    label: str = Field(max_length=200)
    condition: str = Field(max_length=40)
    deadline_amount: int
    deadline_unit: str = Field(max_length=16)
    regulation: str = Field(max_length=200)
    active: bool = True
    reason: str = Field(default="", max_length=2000)


@router.post("/reporting-rules", response={201: RuleOut, **ERRORS})
@require_perm("complaints.add_reportingrule")
def create_rule(request: HttpRequest, payload: RuleIn) -> Any:
    """A new reporting rule. Refused: ``complaints.rule_invalid``,
    ``complaints.rule_code_taken`` (409)."""

    def execute() -> tuple[int, Any]:
        values = payload.model_dump(exclude={"reason"})
        rule = services.create_rule(Actor.from_request(request), reason=payload.reason, **values)
        return 201, rule_body(rule)

    return run_idempotent(request, payload.model_dump(mode="json"), execute)


class RulePatch(StrictIn):
    label: str | None = Field(default=None, max_length=200)
    code: str | None = Field(default=None, max_length=40)
    jurisdiction: str | None = Field(default=None, max_length=2)
    condition: str | None = Field(default=None, max_length=40)
    deadline_amount: int | None = None
    deadline_unit: str | None = Field(default=None, max_length=16)
    regulation: str | None = Field(default=None, max_length=200)
    active: bool | None = None
    reason: str = Field(max_length=2000, description="Why the rule changes (AT-04)")
    version: int | None = Field(default=None, description="The version you edited (409 if stale)")


@router.patch("/reporting-rules/{rule_id}", response={200: RuleOut, **ERRORS})
@require_perm("complaints.change_reportingrule")
def change_rule(request: HttpRequest, rule_id: int, payload: RulePatch) -> Any:
    """Change a rule, with a reason. Deadlines already computed do not move."""
    changes = payload.model_dump(exclude={"reason", "version"}, exclude_none=True)
    rule = services.change_rule(
        Actor.from_request(request),
        rule_id,
        changes,
        reason=payload.reason,
        expected_version=payload.version,
    )
    return rule_body(rule)
