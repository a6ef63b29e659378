"""Approving an inspection plan by electronic signature (ISO 13485 §7.4.3, §8.2.6: acceptance
criteria are documented and approved; 21 CFR 820.80(a), 11.50, 11.70).

Code, versioned in git (AT-13), registered at start-up (``InspectionsConfig.ready``). The signed
content is the plan as inspections will apply it: product, stage, revision, every characteristic
(kind, limits, unit, critical) and the sampling table. An approved plan is never edited, so its
signature stays valid; a change is a new revision, and approving that revision makes the one
before it obsolete in the same transaction (one approved plan per product and stage).
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from mederp.core import canonical, signatures, workflow
from mederp.quality.inspections import events
from mederp.quality.inspections.models import InspectionPlan, PlanState

PLAN = "inspections.inspectionplan"
APPROVE_PERMISSION = "inspections.approve_inspectionplan"
APPROVED = "approved"
APPROVE, OBSOLETE = "approve", "obsolete"


def _value(value: Any) -> str | None:
    return None if value is None else str(canonical.to_json_value(value))


def plan_content(plan: models.Model) -> dict[str, Any]:
    """What the approval signs: the plan's acceptance criteria and sampling table."""
    assert isinstance(plan, InspectionPlan)
    return {
        "product": plan.product.code,
        "stage": plan.stage,
        "revision": plan.revision,
        "title": plan.title,
        "characteristics": [
            {
                "sequence": c.sequence,
                "name": c.name,
                "kind": c.kind,
                "lower": _value(c.lower_limit),
                "upper": _value(c.upper_limit),
                "unit": c.unit,
                "critical": c.critical,
            }
            for c in plan.characteristics.order_by("sequence")
        ],
        "sampling": [
            {
                "from": _value(r.lot_size_from),
                "to": _value(r.lot_size_to),
                "sample": _value(r.sample_size),
            }
            for r in plan.sampling.order_by("lot_size_from")
        ],
    }


POLICY = signatures.SigningPolicy(
    record_type=PLAN,
    meanings={APPROVED: APPROVE_PERMISSION},
    content=plan_content,
    rules=(),
    description=_(
        "Inspection plans: the characteristics, their limits and the sampling table are signed "
        "when QA approves a revision."
    ),
)

WORKFLOW = workflow.Workflow(
    record_type=PLAN,
    state_field="state",
    states=tuple((s.value, s.label) for s in PlanState),
    initial=PlanState.DRAFT,
    description=_(
        "A plan is drafted, approved by QA's signature (the approved revision is what new "
        "inspections apply) and made obsolete when its next revision is approved."
    ),
    transitions=(
        workflow.Transition(
            name=APPROVE,
            sources=(PlanState.DRAFT,),
            target=PlanState.APPROVED,
            permission=APPROVE_PERMISSION,
            signature=APPROVED,
            label=_("Approve plan"),
            event=events.PLAN_APPROVED,
        ),
        workflow.Transition(
            name=OBSOLETE,
            sources=(PlanState.APPROVED,),
            target=PlanState.OBSOLETE,
            permission=None,
            label=_("Make obsolete"),
            event=events.PLAN_OBSOLETED,
            automatic=True,
        ),
    ),
)


def register() -> None:
    signatures.register(POLICY)
    workflow.register(WORKFLOW)
