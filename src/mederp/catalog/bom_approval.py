"""Bill-of-materials versions approved and retired by electronic signature (ISO 13485 §4.2.4,
§7.5.1; 21 CFR 820.181 device master record, 11.50, 11.70; CM-01, CM-05; ES-12).

Code, versioned in git (AT-13), registered at start-up (``CatalogConfig.ready``). The signed
content is what a work order will build: the finished device's code, the version, the day it
takes effect and every component's code, GTIN, quantity per unit and unit. A component whose
code or GTIN changes afterwards invalidates the approval (the version then cites a part that no
longer exists as approved), and the version is no longer usable for production. Notes, line
numbers and the timestamps of the approval are not content.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from mederp.catalog import bom_rules, events
from mederp.catalog.models import BillOfMaterials, BomComponent, BomState
from mederp.core import signatures, workflow
from mederp.core.models import AuditEntry
from mederp.core.signing_rules import AuthorCannotSign

BOM = "catalog.billofmaterials"
COMPONENT = "catalog.bomcomponent"
APPROVE_PERMISSION = "catalog.approve_billofmaterials"

APPROVE, OBSOLETE = "approve", "obsolete"


def bom_content(bom: models.Model) -> dict[str, Any]:
    """What a BOM approval signs; components in code order (line numbers are presentation)."""
    assert isinstance(bom, BillOfMaterials)
    lines = BomComponent.objects.filter(bom_id=bom.pk).select_related("component", "uom")
    return {
        "product": bom.product.code,
        "revision": bom.revision,
        "effective_from": bom.effective_from.isoformat() if bom.effective_from else None,
        "components": sorted(
            (
                {
                    "component": line.component.code,
                    "gtin": line.component.gtin,
                    "quantity_per_unit": bom_rules.quantity_text(line.quantity_per_unit),
                    "uom": line.uom.code,
                }
                for line in lines
            ),
            key=lambda c: c["component"],
        ),
    }


def component_line_ids(bom_id: int) -> list[int]:
    """Every component line the version ever had, removed ones too (from their audit entries):
    whoever added, changed or removed a line authored what is approved."""
    needle = f'"bom":[null,{int(bom_id)}]'
    ever = AuditEntry.objects.filter(
        record_type=COMPONENT, action="create", changes__contains=needle
    ).values_list("record_id", flat=True)
    ids = {int(pk) for pk in ever}
    ids.update(BomComponent.objects.filter(bom_id=bom_id).values_list("pk", flat=True))
    return sorted(ids)


def bom_parts(bom: models.Model) -> Iterable[tuple[str, Any]]:
    yield BOM, bom.pk
    for pk in component_line_ids(bom.pk):
        yield COMPONENT, pk


POLICY = signatures.SigningPolicy(
    record_type=BOM,
    meanings={"approved": APPROVE_PERMISSION, "obsoleted": APPROVE_PERMISSION},
    content=bom_content,
    parts=bom_parts,
    rules=(AuthorCannotSign(meanings=frozenset({"approved"})),),
    description=_(
        "Bill-of-materials versions: the finished device, the version, its effective date and "
        "every component's code, GTIN, quantity per unit and unit."
    ),
)

WORKFLOW = workflow.Workflow(
    record_type=BOM,
    state_field="state",
    states=tuple((s.value, s.label) for s in BomState),
    initial=BomState.DRAFT,
    description=_(
        "A bill-of-materials version is drafted, approved by a QA signature on its content and "
        "takes effect on its effective date; work orders cite the approved version in effect. "
        "An approved version is never edited: a change is a new version. Retiring a version "
        "(obsolete) is signed with a reason."
    ),
    transitions=(
        workflow.Transition(
            name=APPROVE,
            sources=(BomState.DRAFT,),
            target=BomState.APPROVED,
            permission=APPROVE_PERMISSION,
            signature="approved",
            label=_("Approve"),
            event=events.BOM_APPROVED,
        ),
        workflow.Transition(
            name=OBSOLETE,
            sources=(BomState.APPROVED,),
            target=BomState.OBSOLETE,
            permission=APPROVE_PERMISSION,
            signature="obsoleted",
            reason_required=True,
            label=_("Make obsolete"),
            event=events.BOM_OBSOLETED,
        ),
    ),
)


def register() -> None:
    signatures.register(POLICY)
    workflow.register(WORKFLOW)
