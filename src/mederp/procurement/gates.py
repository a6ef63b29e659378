"""The master-data gates of a purchase (invariant 6; CN-01, CN-02, CN-04, CN-05; 经营办法
第三十一、四十五条; 条例 第四十五、五十五条).

A purchase order is refused at submission, at approval and at every receipt unless:

- the supplier is a supplier, not disqualified (status ``blocked``, set by a signed supplier
  evaluation, SE-..., which the refusal names), and qualified (首营企业: approved by a QA signature
  still covering its data and documents; ``partners.selectors.is_qualified``);
- a business licence on file, if any, is in force, and a device licence or filing in force covers
  each product's category (``partners.rules.scope_covers``);
- each product is active and approved for use (首营品种; ``catalog.selectors.is_approved_for_use``);
- each device has a registration certificate or filing valid for the order's market
  (``catalog.selectors.registration_status``; components that are not devices need none).

Each refusal names what blocks: the document's kind, number and last valid day, or the
product. :func:`problems` lists them all (the order page shows them); :func:`check` raises the
first with the others in its details. A *conditional* supplier is not refused: it is a
warning (:func:`supplier_warnings`) on the order page and in the order's API body.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.utils.translation import gettext as _

from mederp.catalog import selectors as catalog_selectors
from mederp.catalog.models import Product
from mederp.core.errors import DomainError
from mederp.partners import rules as partner_rules
from mederp.partners import selectors as partner_selectors
from mederp.partners.models import Partner, QualificationDocument
from mederp.procurement import errors

PRODUCT_REFUSALS = catalog_selectors.TradeRefusals(
    inactive=errors.ProductInactive,
    not_approved=errors.ProductNotApproved,
    registration_expired=errors.RegistrationExpired,
    registration_missing=errors.RegistrationMissing,
)


def business_date() -> dt.date:
    return catalog_selectors.business_date()


def _kind_label(doc: QualificationDocument) -> str:
    return str(doc.get_kind_display())


def _date(day: dt.date | None) -> str:
    return day.isoformat() if day is not None else "—"


def supplier_problems(
    supplier: Partner, products: Iterable[Product], on_date: dt.date
) -> list[DomainError]:
    """What blocks buying ``products`` from ``supplier`` on ``on_date``."""
    label = str(supplier)
    found: list[DomainError] = []
    if not supplier.is_supplier:
        found.append(errors.NotASupplier(supplier=label, field="supplier"))
    if supplier.status == Partner.Status.BLOCKED:
        if supplier.status_evaluation:
            found.append(
                errors.SupplierDisqualified(
                    supplier=label, evaluation=supplier.status_evaluation, field="supplier"
                )
            )
        else:
            found.append(errors.SupplierBlocked(supplier=label, field="supplier"))
    if not partner_selectors.is_qualified(supplier):
        state = Partner.QualificationState(supplier.qualification_state).label
        found.append(
            errors.SupplierNotQualified(supplier=label, state=str(state), field="supplier")
        )
    documents = list(supplier.documents.all())
    lapsed = partner_rules.lapsed_business_licence(documents, on_date)
    if lapsed is not None:
        found.append(
            errors.SupplierBusinessLicenceExpired(
                supplier=label,
                kind=_kind_label(lapsed),
                number=lapsed.number,
                valid_until=_date(lapsed.valid_until),
                document_id=lapsed.pk,
            )
        )
    seen: set[str] = set()
    for product in products:
        category = product.category_code
        if category in seen:
            continue
        seen.add(category)
        verdict = partner_rules.licence_verdict(documents, category, on_date)
        if verdict is not None:
            found.append(_licence_error(verdict, supplier, documents, product, on_date))
    return found


def _licence_error(
    verdict: partner_rules.LicenceVerdict,
    supplier: Partner,
    documents: list[QualificationDocument],
    product: Product,
    on_date: dt.date,
) -> DomainError:
    common = {"supplier": str(supplier), "product": product.code, "category": product.category_code}
    doc = verdict.document
    if verdict.problem == partner_rules.LicenceProblem.EXPIRED:
        return errors.SupplierLicenceExpired(
            **common,
            kind=_kind_label(doc),
            number=doc.number,
            valid_until=_date(doc.valid_until),
            document_id=doc.pk,
        )
    if verdict.problem == partner_rules.LicenceProblem.NOT_YET_VALID:
        return errors.SupplierLicenceNotYetValid(
            **common,
            kind=_kind_label(doc),
            number=doc.number,
            valid_from=_date(doc.valid_from),
            document_id=doc.pk,
        )
    if verdict.problem == partner_rules.LicenceProblem.SCOPE:
        in_force = [
            f"{d.number} ({', '.join(d.scope) or '—'})"
            for d in documents
            if d.kind in partner_rules.LICENCE_KINDS and partner_rules.is_in_force(d, on_date)
        ]
        return errors.SupplierScopeNotCovered(**common, licences="; ".join(in_force) or "—")
    return errors.SupplierLicenceMissing(**common)


def supplier_warnings(supplier: Partner) -> list[DomainError]:
    """What the buyer should know but does not block (ISO 13485 §7.4.1; CN-21): a supplier
    approved only conditionally, by a supplier evaluation or never evaluated yet. The order
    page and ``GET /procurement/orders/{id}`` show these beside the refusals."""
    if supplier.status != Partner.Status.CONDITIONAL:
        return []
    return [
        errors.SupplierConditional(
            supplier=str(supplier),
            evaluation=supplier.status_evaluation or _("not evaluated yet"),
            field="supplier",
        )
    ]


def product_problems(product: Product, market: str, on_date: dt.date) -> list[DomainError]:
    """What blocks buying ``product`` for ``market`` on ``on_date``."""
    return catalog_selectors.trade_problems(product, market, on_date, PRODUCT_REFUSALS)


def registration_in_force(product: Product, market: str, on_date: dt.date) -> str:
    """The number of the certificate that covers ``product`` in ``market`` now (the receipt
    records it, CN-08); empty for components that need none."""
    usable = [
        r
        for r in product.registrations.all()
        if r.jurisdiction == market
        and (r.valid_from is None or r.valid_from <= on_date)
        and r.valid_until >= on_date
    ]
    best = max(usable, key=lambda r: r.valid_until, default=None)
    return best.number if best is not None else ""


def problems(
    supplier: Partner, products: Iterable[Product], market: str, on_date: dt.date | None = None
) -> list[DomainError]:
    day = on_date or business_date()
    items = list(products)
    found = supplier_problems(supplier, items, day)
    seen: set[int] = set()
    for product in items:
        if product.pk not in seen:
            seen.add(product.pk)
            found.extend(product_problems(product, market, day))
    return found


def check(
    supplier: Partner, products: Iterable[Product], market: str, on_date: dt.date | None = None
) -> None:
    """Raise the first gate refusal; the others travel in its ``details["problems"]``."""
    found = problems(supplier, products, market, on_date)
    if not found:
        return
    first = found[0]
    if len(found) > 1:
        first.details["problems"] = [{"code": p.code, "message": p.render_message()} for p in found]
    raise first
