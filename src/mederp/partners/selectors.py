"""Read queries over partners that the API, the UI and other apps share."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone

from mederp.core import clock, signatures
from mederp.core.models import AuditEntry
from mederp.core.names import normalise_name, similar_names
from mederp.core.selectors import with_change_items
from mederp.core.signatures import SignatureView
from mederp.partners import rules
from mederp.partners.models import Partner, QualificationDocument

PARTNER_TYPE = "partners.partner"
DOCUMENT_TYPE = "partners.qualificationdocument"


def today() -> dt.date:
    """The business date in the display time zone (Asia/Shanghai by default): a licence valid
    until 2026-12-01 ends with that local day, not with the UTC one."""
    return timezone.localdate(clock.now())


def warn_days() -> int:
    return int(getattr(settings, "MEDERP_QUALIFICATION_WARN_DAYS", 30))


def partners_matching(q: str = "", role: str = "", status: str = "") -> QuerySet[Partner]:
    """Partners filtered by free text (code, names, USCC, normalised name), role and status."""
    qs = Partner.objects.all()
    q = (q or "").strip()
    if q:
        cond = (
            Q(code__icontains=q)
            | Q(name__icontains=q)
            | Q(name_en__icontains=q)
            | Q(uscc__icontains=q)
        )
        key = normalise_name(q)
        if key:
            cond |= Q(name_key__contains=key)
        qs = qs.filter(cond)
    if role == "supplier":
        qs = qs.filter(is_supplier=True)
    elif role == "customer":
        qs = qs.filter(is_customer=True)
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("code")


def near_duplicate_partners(name: str, exclude_id: int | None = None) -> list[dict[str, Any]]:
    """Existing partners whose legal or English name looks like ``name`` (首营 duplicate check).

    Exact matches come from the indexed ``name_key``; close ones from
    :func:`mederp.core.names.similar_names` over every partner's names. Best score first.
    """
    rows = Partner.objects.values_list("id", "code", "name", "name_en", "name_key")
    if exclude_id is not None:
        rows = rows.exclude(pk=exclude_id)
    found: dict[int, dict[str, Any]] = {}
    key = normalise_name(name)
    if key:
        for pk, code, legal, _en, _key in rows.filter(name_key=key):
            found[pk] = {"id": pk, "code": code, "name": legal, "score": 1.0}
    candidates: list[tuple[int, str]] = []
    info: dict[int, tuple[str, str]] = {}
    for pk, code, legal, en, _key in rows:
        info[pk] = (code, legal)
        candidates.append((pk, legal))
        if en:
            candidates.append((pk, en))
    for match in similar_names(name, candidates):
        if match.id not in found or found[match.id]["score"] < match.score:
            code, legal = info[match.id]
            found[match.id] = {"id": match.id, "code": code, "name": legal, "score": match.score}
    return sorted(found.values(), key=lambda m: (-m["score"], m["code"]))


def partner_near_duplicates(partner: Partner) -> list[dict[str, Any]]:
    """Other partners resembling this one's legal or English name (best score per partner)."""
    found = {m["id"]: m for m in near_duplicate_partners(partner.name, exclude_id=partner.pk)}
    if partner.name_en:
        for m in near_duplicate_partners(partner.name_en, exclude_id=partner.pk):
            if m["id"] not in found or found[m["id"]]["score"] < m["score"]:
                found[m["id"]] = m
    return sorted(found.values(), key=lambda m: (-m["score"], m["code"]))


@dataclass(frozen=True)
class Qualification:
    """A partner's qualification picture on one date: per kind, overall, per document."""

    on_date: dt.date
    overall: rules.QualificationState
    kinds: dict[str, rules.QualificationState]
    documents: list[tuple[QualificationDocument, rules.QualificationState]] = field(
        default_factory=list
    )


def qualification_of(
    documents: list[QualificationDocument], on_date: dt.date | None = None
) -> Qualification:
    day = on_date or today()
    days = warn_days()
    kinds = rules.qualification_status(documents, day, days)
    return Qualification(
        on_date=day,
        overall=rules.overall_status(kinds),
        kinds=kinds,
        documents=[(d, rules.document_status(d, day, days)) for d in documents],
    )


def partner_documents(partner: Partner) -> list[QualificationDocument]:
    return list(partner.documents.order_by("kind", "-valid_until", "number"))


def partner_history(partner: Partner) -> list[AuditEntry]:
    """The partner's audit entries and those of its documents, newest first (AT-02, AT-05)."""
    doc_ids = [str(pk) for pk in partner.documents.values_list("pk", flat=True)]
    qs = AuditEntry.objects.filter(
        Q(record_type=PARTNER_TYPE, record_id=str(partner.pk))
        | Q(record_type=DOCUMENT_TYPE, record_id__in=doc_ids)
    ).order_by("-id")
    return with_change_items(qs)


def is_qualified(partner: Partner) -> bool:
    """首营企业 gate (invariant 6, ES-04): the partner's qualification is approved and the
    approval signature still covers its current data and documents. Whether each document is
    in force and covers a product's category is a separate gate (:func:`qualification_of`,
    ``rules.scope_covers``)."""
    return partner.qualification_state == Partner.QualificationState.APPROVED and (
        signatures.latest_valid(partner, "approved")
    )


@dataclass(frozen=True)
class Approval:
    """A partner's qualification approval for its page and the API: state, signatures with
    their validity (the manifestation, 11.50), and whether it needs re-approval."""

    state: str
    state_label: str
    signatures: list[SignatureView]
    qualified: bool
    needs_reapproval: bool


def approval_of(partner: Partner) -> Approval:
    views = signatures.signatures_for(partner)
    approvals = [v for v in views if v.meaning == "approved"]
    latest_valid = bool(approvals) and approvals[-1].valid
    approved = partner.qualification_state == Partner.QualificationState.APPROVED
    return Approval(
        state=partner.qualification_state,
        state_label=str(Partner.QualificationState(partner.qualification_state).label),
        signatures=views,
        qualified=approved and latest_valid,
        needs_reapproval=bool(approvals)
        and not latest_valid
        and partner.qualification_state != Partner.QualificationState.SUSPENDED,
    )
