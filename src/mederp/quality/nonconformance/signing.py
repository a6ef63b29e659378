"""The NCR's workflow and signing policy (QE-01; ISO 13485 §8.3; 21 CFR 11.50, 11.70; ES-12).
Code, versioned in git (AT-13), registered at start-up (``NonconformanceConfig.ready``).

open → investigating (investigation recorded, no signature) → dispositioned (QA signs the
decision, meaning ``approved``; for ``use_as_is`` this is the authorised concession QE-01 asks
for) → closed (signed, meaning ``closed``). Both signatures cover the same content: what was
found, the affected stock, the investigation and the decision.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from mederp.core import canonical, signatures, workflow
from mederp.quality.nonconformance import events
from mederp.quality.nonconformance.models import NcrState, Nonconformance

NCR = "nonconformance.nonconformance"
ADD_PERMISSION = "nonconformance.add_nonconformance"
INVESTIGATE_PERMISSION = "nonconformance.investigate_nonconformance"
DISPOSITION_PERMISSION = "nonconformance.disposition_nonconformance"
CLOSE_PERMISSION = "nonconformance.close_nonconformance"
VIEW_PERMISSION = "nonconformance.view_nonconformance"

APPROVED, CLOSED = "approved", "closed"
INVESTIGATE, DISPOSITION, CLOSE = "investigate", "disposition", "close"


def ncr_content(ncr: models.Model) -> dict[str, Any]:
    """What the disposition and closing signatures sign."""
    assert isinstance(ncr, Nonconformance)
    content = canonical.snapshot(
        ncr,
        fields=[
            "number",
            "source",
            "source_id",
            "source_ref",
            "supplier",
            "description",
            "severity",
            "investigation",
            "root_cause",
            "disposition",
            "disposition_reason",
            "return_reference",
        ],
    )
    content["product"] = ncr.product.code
    content["items"] = (
        [
            {
                "lot": item.lot_id,
                "serial": item.serial_id,
                "quantity": canonical.to_json_value(item.quantity),
                "location": item.location_id,
            }
            for item in ncr.items.order_by("id")
        ]
        if ncr.pk
        else []
    )
    return content


POLICY = signatures.SigningPolicy(
    record_type=NCR,
    meanings={APPROVED: DISPOSITION_PERMISSION, CLOSED: CLOSE_PERMISSION},
    content=ncr_content,
    description=_(
        "Nonconformance reports: QA signs the disposition (use as is = concession, rework, "
        "scrap, return to supplier) and the closure (QE-01)."
    ),
)

WORKFLOW = workflow.Workflow(
    record_type=NCR,
    state_field="state",
    states=tuple((s.value, s.label) for s in NcrState),
    initial=NcrState.OPEN,
    description=_(
        "An NCR opens with the affected stock on hold; QA records the investigation, signs a "
        "disposition that moves the stock through inventory, and closes it by signature."
    ),
    transitions=(
        workflow.Transition(
            name=INVESTIGATE,
            sources=(NcrState.OPEN, NcrState.INVESTIGATING),
            target=NcrState.INVESTIGATING,
            permission=INVESTIGATE_PERMISSION,
            label=_("Record investigation"),
            event=events.NCR_INVESTIGATED,
        ),
        workflow.Transition(
            name=DISPOSITION,
            sources=(NcrState.INVESTIGATING,),
            target=NcrState.DISPOSITIONED,
            permission=DISPOSITION_PERMISSION,
            signature=APPROVED,
            reason_required=True,
            label=_("Decide disposition"),
            event=events.NCR_DISPOSITIONED,
        ),
        workflow.Transition(
            name=CLOSE,
            sources=(NcrState.DISPOSITIONED,),
            target=NcrState.CLOSED,
            permission=CLOSE_PERMISSION,
            signature=CLOSED,
            label=_("Close NCR"),
            event=events.NCR_CLOSED,
        ),
    ),
)


def register() -> None:
    signatures.register(POLICY)
    workflow.register(WORKFLOW)
