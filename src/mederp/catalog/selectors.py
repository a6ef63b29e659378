"""Catalog read queries shared by the UI, the API and other apps' services."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils import timezone

from mederp.catalog import rules
from mederp.catalog.models import (
    ApprovalState,
    BillOfMaterials,
    BomState,
    DeviceClass,
    Product,
    ProductStatus,
    Registration,
)
from mederp.core import clock, signatures
from mederp.core.errors import DomainError
from mederp.core.models import AuditEntry
from mederp.core.names import similar_names
from mederp.core.selectors import with_change_items
from mederp.core.signatures import SignatureView


def business_date() -> dt.date:
    """Today in the plant's time zone: a certificate valid until 12-01 still covers 12-01
    in Suzhou even after midnight UTC has passed."""
    return timezone.localdate(clock.now())


def search_products(
    q: str = "", *, tracking: str = "", device_class: str = "", status: str = ""
) -> QuerySet[Product]:
    """Products matching a text search on code, names, GTIN and specification, with filters."""
    qs = Product.objects.select_related("uom").prefetch_related("registrations")
    q = (q or "").strip()
    if q:
        qs = qs.filter(
            Q(code__icontains=q)
            | Q(name_zh__icontains=q)
            | Q(name_en__icontains=q)
            | Q(gtin__contains=q)
            | Q(specification__icontains=q)
        )
    if tracking:
        qs = qs.filter(tracking=tracking)
    if device_class:
        qs = qs.filter(device_class=device_class)
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("code")


@dataclass(frozen=True)
class NearDuplicate:
    id: int
    code: str
    name: str
    score: float


def near_duplicate_products(
    name_zh: str, name_en: str, exclude_id: int | None = None
) -> list[NearDuplicate]:
    """Existing products whose Chinese or English name resembles the given ones (首营品种 review:
    one product entered twice splits its stock and certificate history). Best match first."""
    rows = Product.objects.values_list("id", "code", "name_zh", "name_en")
    if exclude_id is not None:
        rows = rows.exclude(pk=exclude_id)
    products = list(rows)
    codes = {pk: code for pk, code, _zh, _en in products}
    best: dict[int, NearDuplicate] = {}
    by_language = (
        (name_zh, [(pk, zh) for pk, _code, zh, _en in products]),
        (name_en, [(pk, en) for pk, _code, _zh, en in products]),
    )
    for name, candidates in by_language:
        for match in similar_names(name, candidates):
            current = best.get(match.id)
            if current is None or match.score > current.score:
                best[match.id] = NearDuplicate(match.id, codes[match.id], match.name, match.score)
    return sorted(best.values(), key=lambda m: (-m.score, m.code))


def registration_status(
    product: Product, jurisdiction: str, on_date: dt.date | None = None
) -> rules.RegistrationStatus:
    """valid / expiring / expired / missing for one market (invariant 6, CN-04). Uses the
    product's prefetched registrations when there are some."""
    day = on_date or business_date()
    certs = [r for r in product.registrations.all() if r.jurisdiction == jurisdiction]
    return rules.registration_status(certs, day)


def registration_statuses(
    product: Product, on_date: dt.date | None = None
) -> dict[str, rules.RegistrationStatus]:
    """Status per jurisdiction the product has certificates in; a device always shows its
    home market (CN), as ``missing`` when no certificate was entered there."""
    day = on_date or business_date()
    markets = sorted({r.jurisdiction for r in product.registrations.all()})
    if product.device_class != DeviceClass.NONE and rules.HOME_JURISDICTION not in markets:
        markets.insert(0, rules.HOME_JURISDICTION)
    return {m: registration_status(product, m, day) for m in markets}


def product_registrations(product: Product) -> list[Registration]:
    return list(product.registrations.all().order_by("jurisdiction", "-valid_until", "id"))


def product_history(product: Product) -> list[AuditEntry]:
    """The product's audit entries and those of its certificates, newest first (AT-02)."""
    registration_ids = [str(pk) for pk in product.registrations.values_list("pk", flat=True)]
    entries = AuditEntry.objects.filter(
        Q(record_type="catalog.product", record_id=str(product.pk))
        | Q(record_type="catalog.registration", record_id__in=registration_ids)
    ).order_by("-id")
    return with_change_items(entries)


def is_approved_for_use(product: Product) -> bool:
    """首营品种 gate for purchase and sale (invariant 6, ES-04): approved, and the approval
    signature still covers the product's current content. An approved product changed since
    (by any path) is not usable until re-approved."""
    return product.approval_state == ApprovalState.APPROVED and signatures.latest_valid(
        product, "approved"
    )


@dataclass(frozen=True)
class Approval:
    """A product's approval picture for its page and the API: state, signatures with their
    validity (the manifestation, 11.50), and whether it needs re-approval."""

    state: str
    state_label: str
    signatures: list[SignatureView]
    approved_for_use: bool
    needs_reapproval: bool


def approval_of(product: Product) -> Approval:
    views = signatures.signatures_for(product)
    approvals = [v for v in views if v.meaning == "approved"]
    latest_valid = bool(approvals) and approvals[-1].valid
    return Approval(
        state=product.approval_state,
        state_label=str(ApprovalState(product.approval_state).label),
        signatures=views,
        approved_for_use=product.approval_state == ApprovalState.APPROVED and latest_valid,
        needs_reapproval=bool(approvals)
        and not latest_valid
        and product.approval_state != ApprovalState.OBSOLETE,
    )


USABLE_REGISTRATION = frozenset({rules.RegistrationStatus.VALID, rules.RegistrationStatus.EXPIRING})


@dataclass(frozen=True)
class TradeRefusals:
    """The coded errors one trading app (procurement, sales) raises for a product it may not
    buy or sell: each app keeps its own codes, the judgement is the same."""

    inactive: type[DomainError]
    not_approved: type[DomainError]
    registration_expired: type[DomainError]
    registration_missing: type[DomainError]


def trade_problems(
    product: Product, market: str, on_date: dt.date, refusals: TradeRefusals
) -> list[DomainError]:
    """What blocks trading ``product`` in ``market`` on ``on_date`` (CN-02, CN-04, CN-05): an
    inactive product, one not approved for use (首营品种), or a device whose registration for the
    market lapsed (naming the certificate) or does not exist."""
    found: list[DomainError] = []
    if product.status != ProductStatus.ACTIVE:
        found.append(refusals.inactive(product=product.code, product_id=product.pk))
    if not is_approved_for_use(product):
        found.append(
            refusals.not_approved(
                product=product.code,
                product_id=product.pk,
                state=str(product.get_approval_state_display()),
            )
        )
    if product.device_class == DeviceClass.NONE:
        return found
    if registration_status(product, market, on_date) in USABLE_REGISTRATION:
        return found
    certs = [r for r in product.registrations.all() if r.jurisdiction == market]
    lapsed = max(
        (r for r in certs if r.valid_until < on_date), key=lambda r: r.valid_until, default=None
    )
    if lapsed is not None:
        found.append(
            refusals.registration_expired(
                product=product.code,
                market=market,
                number=lapsed.number,
                valid_until=lapsed.valid_until.isoformat(),
                registration_id=lapsed.pk,
            )
        )
    else:
        found.append(
            refusals.registration_missing(
                product=product.code, product_id=product.pk, market=market
            )
        )
    return found


def effective_bom(product_id: int, on_date: dt.date) -> BillOfMaterials | None:
    """The BOM version a work order for ``product_id`` starting on ``on_date`` cites: the
    approved version with the latest ``effective_from`` on or before that day (ISO 13485
    §7.5.1; CM-01). Obsolete and draft versions never count (CM-05); when none is in effect,
    None. Whether it may still be used is :func:`bom_is_usable`'s answer."""
    return (
        BillOfMaterials.objects.select_related("product")
        .filter(product_id=product_id, state=BomState.APPROVED, effective_from__lte=on_date)
        .order_by("-effective_from", "-revision")
        .first()
    )


def bom_is_usable(bom: BillOfMaterials, on_date: dt.date) -> bool:
    """Whether production may follow ``bom`` on ``on_date``: approved (not a draft, not
    obsolete: CM-05), in effect by then, and its approval signature still covers its content
    (11.70: a component whose code or GTIN changed since invalidates it)."""
    return (
        bom.state == BomState.APPROVED
        and bom.effective_from is not None
        and bom.effective_from <= on_date
        and signatures.latest_valid(bom, "approved")
    )
