"""Approving a supplier evaluation by electronic signature (ISO 13485 §7.4.1; CN-21; 21 CFR
11.50, 11.70; ES-12).

Code, versioned in git (AT-13), registered at start-up (``SupplierQualityConfig.ready``). The
signed content is the decision: number, supplier, period, the scorecard figures, score, proposed
status and rationale. Its author may not sign it (segregation of duties).
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from mederp.core import canonical, signatures, workflow
from mederp.core.signing_rules import AuthorCannotSign
from mederp.quality.suppliers import events
from mederp.quality.suppliers.models import EvaluationState, SupplierEvaluation

EVALUATION = "supplier_quality.supplierevaluation"
APPROVE_PERMISSION = "supplier_quality.approve_supplierevaluation"
APPROVED = "approved"
APPROVE = "approve"

CONTENT_FIELDS = (
    "number",
    "period_start",
    "period_end",
    "receipt_lines",
    "quantity_received",
    "quantity_accepted",
    "lines_rejected",
    "inspections",
    "inspections_passed",
    "ncrs",
    "deliveries",
    "deliveries_on_time",
    "acceptance_rate",
    "inspection_rate",
    "ncr_rate",
    "delivery_rate",
    "scoring",
    "score",
    "suggested_status",
    "proposed_status",
    "rationale",
)


def evaluation_content(record: models.Model) -> dict[str, Any]:
    assert isinstance(record, SupplierEvaluation)
    content = canonical.snapshot(record, fields=list(CONTENT_FIELDS))
    content["supplier"] = record.supplier.code
    return content


POLICY = signatures.SigningPolicy(
    record_type=EVALUATION,
    meanings={APPROVED: APPROVE_PERMISSION},
    content=evaluation_content,
    rules=(AuthorCannotSign(meanings=frozenset({APPROVED})),),
    description=_(
        "Supplier evaluation (供应商评价): the scorecard of the period, the score and the proposed "
        "status with its rationale; signing it sets the supplier's status."
    ),
)

WORKFLOW = workflow.Workflow(
    record_type=EVALUATION,
    state_field="state",
    states=tuple((s.value, s.label) for s in EvaluationState),
    initial=EvaluationState.DRAFT,
    description=_(
        "A supplier evaluation is drafted from the scorecard, then approved by a QA signature "
        "by someone other than its author; approval makes its proposed status (approved, "
        "conditional, disqualified) the supplier's status, which the purchase gate reads."
    ),
    transitions=(
        workflow.Transition(
            name=APPROVE,
            sources=(EvaluationState.DRAFT,),
            target=EvaluationState.APPROVED,
            permission=APPROVE_PERMISSION,
            signature=APPROVED,
            label=_("Approve evaluation"),
            event=events.SUPPLIER_EVALUATED,
        ),
    ),
)


def register() -> None:
    signatures.register(POLICY)
    workflow.register(WORKFLOW)
