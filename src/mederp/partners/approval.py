"""首营企业 / 购货者资质: partner qualification approval by electronic signature (经营质量管理规范
第六十一、六十二条; ISO 13485 §7.4.1; ES-12; 21 CFR 11.50, 11.70).

The signing policy and the workflow are code, versioned in git (AT-13), registered at start-up
(``PartnersConfig.ready``). The signed content is the partner's identity (code, names, roles,
unified social credit code, country, address) and every qualification document on file: a
changed or added licence invalidates the approval. Contact person, phone and e-mail (personal
data, kept out of events too), the trading status and the version counter are not content.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from mederp.core import canonical, signatures, workflow
from mederp.core.signing_rules import AuthorCannotSign
from mederp.partners import events
from mederp.partners.models import Partner

PARTNER = "partners.partner"
DOCUMENT = "partners.qualificationdocument"
APPROVE_PERMISSION = "partners.approve_partner"
State = Partner.QualificationState

CONTENT_FIELDS = (
    "code",
    "name",
    "name_en",
    "is_supplier",
    "is_customer",
    "uscc",
    "country",
    "address",
)
DOCUMENT_FIELDS = (
    "kind",
    "number",
    "authority",
    "scope",
    "valid_from",
    "valid_until",
    "file_sha256",
)

SUBMIT, APPROVE, REJECT, SUSPEND, RESUBMIT, REOPEN = (
    "submit",
    "approve",
    "reject",
    "suspend",
    "resubmit",
    "reopen",
)


def partner_content(partner: models.Model) -> dict[str, Any]:
    """What a 首营企业 approval signs: the partner's identity and its documents."""
    assert isinstance(partner, Partner)
    content = canonical.snapshot(partner, fields=list(CONTENT_FIELDS))
    content["documents"] = sorted(
        (canonical.snapshot(d, fields=list(DOCUMENT_FIELDS)) for d in partner.documents.all()),
        key=lambda d: (d["kind"], d["number"]),
    )
    return content


def partner_parts(partner: models.Model) -> Iterable[tuple[str, Any]]:
    """The records whose authors count as the content's authors (segregation of duties)."""
    assert isinstance(partner, Partner)
    yield PARTNER, partner.pk
    for pk in partner.documents.values_list("pk", flat=True):
        yield DOCUMENT, pk


POLICY = signatures.SigningPolicy(
    record_type=PARTNER,
    meanings={
        "approved": APPROVE_PERMISSION,
        "rejected": APPROVE_PERMISSION,
        "suspended": APPROVE_PERMISSION,
    },
    content=partner_content,
    parts=partner_parts,
    rules=(AuthorCannotSign(meanings=frozenset({"approved"})),),
    description=_("Partner identity and qualification documents (首营企业 / 购货者资质)."),
)

WORKFLOW = workflow.Workflow(
    record_type=PARTNER,
    state_field="qualification_state",
    states=tuple((s.value, s.label) for s in State),
    initial=State.DRAFT,
    description=_(
        "首营企业: a supplier or customer is usable only while its qualification is approved by "
        "a QA signature on its current data and documents. A change sends it back to review."
    ),
    transitions=(
        workflow.Transition(
            name=SUBMIT,
            sources=(State.DRAFT,),
            target=State.IN_REVIEW,
            permission="partners.change_partner",
            label=_("Submit for approval"),
            event=events.QUALIFICATION_SUBMITTED,
        ),
        workflow.Transition(
            name=APPROVE,
            sources=(State.IN_REVIEW,),
            target=State.APPROVED,
            permission=APPROVE_PERMISSION,
            signature="approved",
            label=_("Approve"),
            event=events.QUALIFICATION_APPROVED,
        ),
        workflow.Transition(
            name=REJECT,
            sources=(State.IN_REVIEW,),
            target=State.DRAFT,
            permission=APPROVE_PERMISSION,
            signature="rejected",
            reason_required=True,
            label=_("Reject"),
            event=events.QUALIFICATION_REJECTED,
        ),
        workflow.Transition(
            name=SUSPEND,
            sources=(State.APPROVED,),
            target=State.SUSPENDED,
            permission=APPROVE_PERMISSION,
            signature="suspended",
            reason_required=True,
            label=_("Suspend"),
            event=events.QUALIFICATION_SUSPENDED,
        ),
        workflow.Transition(
            name=RESUBMIT,
            sources=(State.SUSPENDED,),
            target=State.IN_REVIEW,
            permission="partners.change_partner",
            label=_("Resubmit for approval"),
            event=events.QUALIFICATION_RESUBMITTED,
        ),
        workflow.Transition(
            name=REOPEN,
            sources=(State.APPROVED,),
            target=State.IN_REVIEW,
            permission=None,
            label=_("Changed after approval: back to review"),
            event=events.QUALIFICATION_REOPENED,
            automatic=True,
        ),
    ),
)


def register() -> None:
    signatures.register(POLICY)
    workflow.register(WORKFLOW)
