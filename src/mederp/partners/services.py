"""Partner use cases. The only code that writes partner tables (invariant 1).

First-time supplier / customer records (首营, CN-01, CN-03; ISO 13485 §7.4.1): the company's
identity (unified social credit code, GB 32100-2015) and its qualification documents with scope
and validity. Every change is audited with a reason (AT-01..AT-04) and emitted as an event.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from typing import Any

from django.db import IntegrityError, transaction

from mederp.core import canonical
from mederp.core.actors import Actor
from mederp.core.errors import Duplicate
from mederp.core.names import normalise_name
from mederp.core.services import assign, authorize, check_version, created, updated, validate
from mederp.partners import events, rules
from mederp.partners.errors import (
    CountryInvalid,
    DocumentDatesInvalid,
    DocumentExpiryRequired,
    DocumentTaken,
    FileHashInvalid,
    NotASupplierPartner,
    PartnerCodeTaken,
    RoleRequired,
    ScopeInvalid,
    StatusReasonRequired,
    SupplierStatusInvalid,
    UsccInvalid,
    UsccRequired,
    UsccTaken,
)
from mederp.partners.locks import lock_document, lock_partner
from mederp.partners.models import Partner, QualificationDocument
from mederp.partners.qualification import (
    approve_partner,
    reject_partner,
    reopen_if_changed,
    submit_partner,
    suspend_partner,
    transition_partner,
)

__all__ = [
    "add_document",
    "approve_partner",
    "change_document",
    "change_partner",
    "create_partner",
    "reject_partner",
    "set_supplier_status",
    "submit_partner",
    "suspend_partner",
    "transition_partner",
]

PARTNER_FIELDS = (
    "code",
    "name",
    "name_en",
    "is_supplier",
    "is_customer",
    "uscc",
    "country",
    "address",
    "contact",
    "phone",
    "email",
    "status",
    "min_remaining_shelf_life_days",
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


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _partner_payload(p: Partner) -> dict[str, Any]:
    # Contact person, phone and e-mail are personal data (PR-01): kept out of events.
    return {
        "id": p.pk,
        "code": p.code,
        "name": p.name,
        "name_en": p.name_en,
        "is_supplier": p.is_supplier,
        "is_customer": p.is_customer,
        "uscc": p.uscc,
        "country": p.country,
        "status": p.status,
        "min_remaining_shelf_life_days": p.min_remaining_shelf_life_days,
    }


def _document_payload(d: QualificationDocument, action: str) -> dict[str, Any]:
    return {
        "action": action,
        "partner_id": d.partner_id,
        "document_id": d.pk,
        "kind": d.kind,
        "number": d.number,
        "scope": list(d.scope),
        "valid_from": d.valid_from,
        "valid_until": d.valid_until,
    }


def _normalise_partner(p: Partner) -> None:
    p.code = _text(p.code).upper()
    p.name = _text(p.name)
    p.name_en = _text(p.name_en)
    p.uscc = rules.normalise_uscc(_text(p.uscc))
    p.country = _text(p.country).upper()
    for attr in ("address", "contact", "phone", "email", "status"):
        setattr(p, attr, _text(getattr(p, attr)))
    p.name_key = normalise_name(p.name)[:200]


def _check_partner_unique(p: Partner) -> None:
    if Partner.objects.filter(code=p.code).exclude(pk=p.pk).exists():
        raise PartnerCodeTaken(value=p.code, field="code")
    if p.uscc:
        other = Partner.objects.filter(uscc=p.uscc).exclude(pk=p.pk).first()
        if other is not None:
            raise UsccTaken(
                value=p.uscc,
                field="uscc",
                partner_id=other.pk,
                partner_code=other.code,
                partner_name=other.name,
            )


def _check_partner(p: Partner) -> None:
    """Every rule a partner record must satisfy; raises the first refusal."""
    if not (p.is_supplier or p.is_customer):
        raise RoleRequired(field="is_supplier")
    if p.country not in rules.COUNTRY_CODES:
        raise CountryInvalid(value=p.country, field="country")
    if p.uscc:
        if not rules.uscc_is_valid(p.uscc):
            raise UsccInvalid(value=p.uscc, field="uscc")
    elif p.country == "CN":
        raise UsccRequired(field="uscc")
    _check_partner_unique(p)  # before validate(): it would report the constraints uncoded
    validate(p)


def _save(instance: Any, recheck: Callable[[], None]) -> None:
    """Save; a unique index tripped by a concurrent writer becomes the same coded refusal."""
    try:
        with transaction.atomic():
            instance.save()
    except IntegrityError:
        recheck()
        raise Duplicate(record_type=instance._meta.verbose_name, field="", value="") from None


@transaction.atomic
def create_partner(
    actor: Actor,
    *,
    code: str,
    name: str,
    is_supplier: bool,
    is_customer: bool,
    uscc: str = "",
    country: str = "CN",
    name_en: str = "",
    address: str = "",
    contact: str = "",
    phone: str = "",
    email: str = "",
    status: str = Partner.Status.CONDITIONAL,
    min_remaining_shelf_life_days: int = 0,
) -> Partner:
    """Register a supplier and/or customer (首营企业 / 购货者, CN-01, CN-03).

    Near-duplicate names are not refused here; callers show
    :func:`mederp.partners.selectors.near_duplicate_partners` to the person creating it.
    """
    authorize(actor, "partners.add_partner")
    partner = Partner(
        code=code,
        name=name,
        name_en=name_en,
        is_supplier=is_supplier,
        is_customer=is_customer,
        uscc=uscc,
        country=country,
        address=address,
        contact=contact,
        phone=phone,
        email=email,
        status=status,
        min_remaining_shelf_life_days=min_remaining_shelf_life_days,
    )
    _normalise_partner(partner)
    _check_partner(partner)
    _save(partner, lambda: _check_partner_unique(partner))
    created(actor, partner, events.PARTNER_CREATED, _partner_payload(partner))
    return partner


@transaction.atomic
def change_partner(
    actor: Actor,
    partner_id: int,
    *,
    reason: str,
    expected_version: int | None = None,
    **changes: Any,
) -> Partner:
    """Change a partner's facts or status (approved / conditional / blocked) with a reason
    (AT-04). A qualification-approved partner whose signed content changes goes back to review
    (its signature shows invalid); approval itself is a signed workflow step (qualification)."""
    authorize(actor, "partners.change_partner")
    partner = lock_partner(partner_id)
    check_version(partner, expected_version)
    before = canonical.snapshot(partner)
    assign(partner, changes, PARTNER_FIELDS)
    _normalise_partner(partner)
    _check_partner(partner)
    if partner.status != before["status"]:
        # Set by hand now: no longer the decision of a supplier evaluation.
        partner.status_evaluation = ""
    if canonical.diff(before, canonical.snapshot(partner)):
        partner.version += 1
        _save(partner, lambda: _check_partner_unique(partner))
        updated(
            actor, partner, before, events.PARTNER_CHANGED, _partner_payload(partner), reason=reason
        )
        reopen_if_changed(actor, partner, reason=reason)
    return partner


def _normalise_document(d: QualificationDocument) -> None:
    d.kind = _text(d.kind)
    d.number = _text(d.number)
    d.authority = _text(d.authority)
    d.file_sha256 = _text(d.file_sha256).lower()
    raw = d.scope
    d.scope = (
        []
        if raw is None
        else rules.parse_scope(raw if isinstance(raw, str | list | tuple) else [str(raw)])
    )


def _check_document_unique(d: QualificationDocument) -> None:
    other = (
        QualificationDocument.objects.select_related("partner")
        .filter(kind=d.kind, number=d.number)
        .exclude(pk=d.pk)
        .first()
    )
    if other is not None:
        raise DocumentTaken(
            kind=other.get_kind_display(),
            number=d.number,
            field="number",
            partner_id=other.partner_id,
            partner_code=other.partner.code,
            partner_name=other.partner.name,
        )


def _check_document(d: QualificationDocument) -> None:
    if d.file_sha256 and not rules.SHA256_HEX.match(d.file_sha256):
        raise FileHashInvalid(field="file_sha256")
    bad = rules.invalid_scope_codes(d.scope)
    if bad:
        raise ScopeInvalid(codes=", ".join(bad), field="scope")
    _check_document_unique(d)  # before validate(): it would report the constraint uncoded
    validate(d, exclude=["partner"])
    if (
        isinstance(d.valid_from, dt.date)
        and isinstance(d.valid_until, dt.date)
        and d.valid_until < d.valid_from
    ):
        raise DocumentDatesInvalid(
            valid_from=d.valid_from.isoformat(),
            valid_until=d.valid_until.isoformat(),
            field="valid_until",
        )
    if d.kind in rules.EXPIRY_REQUIRED_KINDS and d.valid_until is None:
        raise DocumentExpiryRequired(kind=d.get_kind_display(), field="valid_until")


@transaction.atomic
def add_document(
    actor: Actor,
    partner_id: int,
    *,
    kind: str,
    number: str,
    valid_until: dt.date | None = None,
    valid_from: dt.date | None = None,
    scope: Iterable[str] | str = (),
    authority: str = "",
    file_sha256: str = "",
) -> QualificationDocument:
    """File a licence, filing or certificate for a partner (CN-01, CN-03).

    ``valid_until`` is required for manufacturing and distribution licences and ISO 13485
    certificates; a business licence (长期) and a class II filing may have none.
    """
    authorize(actor, "partners.add_qualificationdocument")
    partner = lock_partner(partner_id)
    doc = QualificationDocument(
        partner=partner,
        kind=kind,
        number=number,
        authority=authority,
        scope=scope if isinstance(scope, str) else list(scope or ()),
        valid_from=valid_from,
        valid_until=valid_until,
        file_sha256=file_sha256,
    )
    _normalise_document(doc)
    _check_document(doc)
    _save(doc, lambda: _check_document_unique(doc))
    created(
        actor, doc, events.QUALIFICATION_CHANGED, _document_payload(doc, "added"), aggregate=partner
    )
    reopen_if_changed(actor, partner, reason="")
    return doc


@transaction.atomic
def change_document(
    actor: Actor,
    document_id: int,
    *,
    reason: str,
    expected_version: int | None = None,
    **changes: Any,
) -> QualificationDocument:
    """Correct or renew a qualification document, with a reason (AT-04)."""
    authorize(actor, "partners.change_qualificationdocument")
    partner, doc = lock_document(document_id)
    check_version(doc, expected_version)
    before = canonical.snapshot(doc)
    assign(doc, changes, DOCUMENT_FIELDS)
    _normalise_document(doc)
    _check_document(doc)
    if canonical.diff(before, canonical.snapshot(doc)):
        doc.version += 1
        _save(doc, lambda: _check_document_unique(doc))
        updated(
            actor,
            doc,
            before,
            events.QUALIFICATION_CHANGED,
            _document_payload(doc, "changed"),
            reason=reason,
            aggregate=partner,
        )
        reopen_if_changed(actor, partner, reason=reason)
    return doc


#: What a supplier evaluation decides (``disqualified``) and the stored status it becomes.
EVALUATION_STATUSES = {
    "approved": Partner.Status.APPROVED,
    "conditional": Partner.Status.CONDITIONAL,
    "disqualified": Partner.Status.BLOCKED,
    Partner.Status.BLOCKED.value: Partner.Status.BLOCKED,
}


@transaction.atomic
def set_supplier_status(
    actor: Actor, partner: Partner | int, status: str, *, reason: str, evaluation_ref: str
) -> Partner:
    """Set a supplier's trading status as a signed supplier evaluation decided it (ISO 13485
    §7.4.1; 生产办法 第三十一条; CN-21): approved, conditional, or disqualified (stored
    ``blocked``, refused by the purchase gate, which names ``evaluation_ref``).

    Runs inside the evaluation's approval transaction (a nested atomic), with an audit entry
    and the ``supplier.status.changed`` event. The status is not part of the 首营 approval's
    signed content, so the qualification stays approved."""
    authorize(actor, "partners.set_supplier_status")
    wanted = EVALUATION_STATUSES.get(_text(status))
    if wanted is None:
        raise SupplierStatusInvalid(value=_text(status), field="status")
    if not _text(reason):
        raise StatusReasonRequired(field="reason")
    locked = lock_partner(partner.pk if isinstance(partner, Partner) else partner)
    if not locked.is_supplier:
        raise NotASupplierPartner(partner=str(locked))
    before = canonical.snapshot(locked)
    old = locked.status
    locked.status = wanted
    locked.status_evaluation = _text(evaluation_ref)[:32]
    if canonical.diff(before, canonical.snapshot(locked)):
        locked.version += 1
        locked.save(update_fields=["status", "status_evaluation", "version"])
        updated(
            actor,
            locked,
            before,
            events.SUPPLIER_STATUS_CHANGED,
            {
                "id": locked.pk,
                "code": locked.code,
                "from": old,
                "to": locked.status,
                "evaluation": locked.status_evaluation,
                "reason": _text(reason),
            },
            reason=_text(reason),
        )
    return locked
