"""首营品种: product master-data approval by electronic signature (经营质量管理规范 第六十一条;
ES-12; 21 CFR 11.50, 11.70).

The signing policy and the workflow are code, versioned in git (AT-13), registered at start-up
(``CatalogConfig.ready``). The signed content is the product's regulated facts and its
registration certificates: a changed GTIN, class, storage range or certificate invalidates the
approval. The usage flag (active/inactive), the approval state and the version counter are not
content: they do not change what was approved.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from mederp.catalog import events
from mederp.catalog.models import ApprovalState, Product
from mederp.core import canonical, signatures, workflow
from mederp.core.signing_rules import AuthorCannotSign

PRODUCT = "catalog.product"
REGISTRATION = "catalog.registration"
APPROVE_PERMISSION = "catalog.approve_product"

CONTENT_FIELDS = (
    "code",
    "name_zh",
    "name_en",
    "specification",
    "gtin",
    "tracking",
    "shelf_life_days",
    "storage_min_c",
    "storage_max_c",
    "device_class",
    "category_code",
    "manufacturer",
    "hibc_di",
)
REGISTRATION_FIELDS = (
    "jurisdiction",
    "kind",
    "number",
    "scope",
    "valid_from",
    "valid_until",
    "holder",
)

SUBMIT, APPROVE, REJECT, OBSOLETE, REOPEN = "submit", "approve", "reject", "obsolete", "reopen"


def _scaled(value: Any) -> Any:
    # One decimal place, as stored: the same temperature always hashes the same.
    return None if value is None else str(Decimal(value).quantize(Decimal("0.1")))


def product_content(product: models.Model) -> dict[str, Any]:
    """What a 首营品种 approval signs: the product's facts and its certificates."""
    assert isinstance(product, Product)
    content = canonical.snapshot(product, fields=list(CONTENT_FIELDS))
    content["storage_min_c"] = _scaled(product.storage_min_c)
    content["storage_max_c"] = _scaled(product.storage_max_c)
    content["uom"] = product.uom.code
    content["registrations"] = sorted(
        (
            canonical.snapshot(r, fields=list(REGISTRATION_FIELDS))
            for r in product.registrations.all()
        ),
        key=lambda r: (r["jurisdiction"], r["number"]),
    )
    return content


def product_parts(product: models.Model) -> Iterable[tuple[str, Any]]:
    """The records whose authors count as the content's authors (segregation of duties)."""
    assert isinstance(product, Product)
    yield PRODUCT, product.pk
    for pk in product.registrations.values_list("pk", flat=True):
        yield REGISTRATION, pk


POLICY = signatures.SigningPolicy(
    record_type=PRODUCT,
    meanings={
        "approved": APPROVE_PERMISSION,
        "rejected": APPROVE_PERMISSION,
        "obsoleted": APPROVE_PERMISSION,
    },
    content=product_content,
    parts=product_parts,
    rules=(AuthorCannotSign(meanings=frozenset({"approved"})),),
    description=_("Product master data and registration certificates (首营品种)."),
)

WORKFLOW = workflow.Workflow(
    record_type=PRODUCT,
    state_field="approval_state",
    states=tuple((s.value, s.label) for s in ApprovalState),
    initial=ApprovalState.DRAFT,
    description=_(
        "首营品种: a product is usable for purchase and sale only while approved by a QA "
        "signature on its current content. Editing an approved product sends it back to review."
    ),
    transitions=(
        workflow.Transition(
            name=SUBMIT,
            sources=(ApprovalState.DRAFT,),
            target=ApprovalState.IN_REVIEW,
            permission="catalog.change_product",
            label=_("Submit for approval"),
            event=events.PRODUCT_SUBMITTED,
        ),
        workflow.Transition(
            name=APPROVE,
            sources=(ApprovalState.IN_REVIEW,),
            target=ApprovalState.APPROVED,
            permission=APPROVE_PERMISSION,
            signature="approved",
            label=_("Approve"),
            event=events.PRODUCT_APPROVED,
        ),
        workflow.Transition(
            name=REJECT,
            sources=(ApprovalState.IN_REVIEW,),
            target=ApprovalState.DRAFT,
            permission=APPROVE_PERMISSION,
            signature="rejected",
            reason_required=True,
            label=_("Reject"),
            event=events.PRODUCT_REJECTED,
        ),
        workflow.Transition(
            name=OBSOLETE,
            sources=(ApprovalState.APPROVED,),
            target=ApprovalState.OBSOLETE,
            permission=APPROVE_PERMISSION,
            signature="obsoleted",
            reason_required=True,
            label=_("Make obsolete"),
            event=events.PRODUCT_OBSOLETED,
        ),
        workflow.Transition(
            name=REOPEN,
            sources=(ApprovalState.APPROVED,),
            target=ApprovalState.IN_REVIEW,
            permission=None,
            label=_("Changed after approval: back to review"),
            event=events.PRODUCT_REOPENED,
            automatic=True,
        ),
    ),
)


def register() -> None:
    signatures.register(POLICY)
    workflow.register(WORKFLOW)
