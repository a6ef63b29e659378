"""The master-data gates of a sale (invariant 6; CN-03, CN-04, CN-05; 经营办法 第三十八、四十五条;
条例 第五十五条), judged at confirmation and again at shipment.

A sale is refused unless:

- the customer is a customer, not blocked, and qualified (购货者资质 approved by a QA signature
  still covering its data and documents; ``partners.selectors.is_qualified``);
- a business licence on file, if any, is in force, and a device distribution licence or filing
  in force covers each product's category (``partners.rules.licence_verdict``);
- each product is active and approved for use (首营品种; ``catalog.selectors.is_approved_for_use``);
- each device has a registration certificate or filing in force for the order's market.

Each refusal names what blocks: the document's kind, number and last valid day, or the product.
:func:`problems` lists them all (the order page shows them); :func:`check` raises the first with
the others in its details.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from mederp.catalog import selectors as catalog_selectors
from mederp.catalog.models import Product
from mederp.core.errors import DomainError
from mederp.partners import rules as partner_rules
from mederp.partners import selectors as partner_selectors
from mederp.partners.models import Partner, QualificationDocument
from mederp.sales import errors

PRODUCT_REFUSALS = catalog_selectors.TradeRefusals(
    inactive=errors.ProductInactive,
    not_approved=errors.ProductNotApproved,
    registration_expired=errors.RegistrationExpired,
    registration_missing=errors.RegistrationMissing,
)


def business_date() -> dt.date:
    """Today in the plant's time zone: a licence valid until 12-01 still covers 12-01 there."""
    return catalog_selectors.business_date()


def _date(day: dt.date | None) -> str:
    return day.isoformat() if day is not None else "—"


def _kind(doc: QualificationDocument) -> str:
    return str(doc.get_kind_display())


def customer_problems(
    customer: Partner, products: Iterable[Product], on_date: dt.date
) -> list[DomainError]:
    """What blocks selling ``products`` to ``customer`` on ``on_date``."""
    label = str(customer)
    found: list[DomainError] = []
    if not customer.is_customer:
        found.append(errors.NotACustomer(customer=label, field="customer"))
    if customer.status == Partner.Status.BLOCKED:
        found.append(errors.CustomerBlocked(customer=label, field="customer"))
    if not partner_selectors.is_qualified(customer):
        state = Partner.QualificationState(customer.qualification_state).label
        found.append(
            errors.CustomerNotQualified(customer=label, state=str(state), field="customer")
        )
    documents = list(customer.documents.all())
    lapsed = partner_rules.lapsed_business_licence(documents, on_date)
    if lapsed is not None:
        found.append(
            errors.CustomerBusinessLicenceExpired(
                customer=label,
                kind=_kind(lapsed),
                number=lapsed.number,
                valid_until=_date(lapsed.valid_until),
                document_id=lapsed.pk,
            )
        )
    seen: set[str] = set()
    for product in products:
        if product.category_code in seen:
            continue
        seen.add(product.category_code)
        verdict = partner_rules.licence_verdict(documents, product.category_code, on_date)
        if verdict is not None:
            found.append(_licence_error(verdict, customer, documents, product, on_date))
    return found


def _licence_error(
    verdict: partner_rules.LicenceVerdict,
    customer: Partner,
    documents: list[QualificationDocument],
    product: Product,
    on_date: dt.date,
) -> DomainError:
    common = {"customer": str(customer), "product": product.code, "category": product.category_code}
    doc = verdict.document
    if verdict.problem == partner_rules.LicenceProblem.EXPIRED:
        return errors.CustomerLicenceExpired(
            **common,
            kind=_kind(doc),
            number=doc.number,
            valid_until=_date(doc.valid_until),
            document_id=doc.pk,
        )
    if verdict.problem == partner_rules.LicenceProblem.NOT_YET_VALID:
        return errors.CustomerLicenceNotYetValid(
            **common,
            kind=_kind(doc),
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
        return errors.CustomerScopeNotCovered(**common, licences="; ".join(in_force) or "—")
    return errors.CustomerLicenceMissing(**common)


def product_problems(product: Product, market: str, on_date: dt.date) -> list[DomainError]:
    """What blocks selling ``product`` in ``market`` on ``on_date`` (CN-05)."""
    return catalog_selectors.trade_problems(product, market, on_date, PRODUCT_REFUSALS)


def problems(
    customer: Partner, products: Iterable[Product], market: str, on_date: dt.date | None = None
) -> list[DomainError]:
    day = on_date or business_date()
    items = list(products)
    found = customer_problems(customer, items, day)
    seen: set[int] = set()
    for product in items:
        if product.pk not in seen:
            seen.add(product.pk)
            found.extend(product_problems(product, market, day))
    return found


def check(
    customer: Partner, products: Iterable[Product], market: str, on_date: dt.date | None = None
) -> None:
    """Raise the first gate refusal; the others travel in its ``details["problems"]``."""
    found = problems(customer, products, market, on_date)
    if not found:
        return
    first = found[0]
    if len(found) > 1:
        first.details["problems"] = [{"code": p.code, "message": p.render_message()} for p in found]
    raise first


def registration_in_force(product: Product, market: str, on_date: dt.date) -> tuple[str, str]:
    """(number, holder) of the certificate covering ``product`` in ``market`` now: what the
    sales record names (CN-09); empty for components that need none."""
    usable = [
        r
        for r in product.registrations.all()
        if r.jurisdiction == market
        and (r.valid_from is None or r.valid_from <= on_date)
        and r.valid_until >= on_date
    ]
    best = max(usable, key=lambda r: r.valid_until, default=None)
    return (best.number, best.holder) if best is not None else ("", "")


def customer_licence_number(customer: Partner, product: Product, on_date: dt.date) -> str:
    """The buyer's licence or filing number that covers the product (经营办法 第三十八条)."""
    doc = partner_rules.covering_licence(
        list(customer.documents.all()), product.category_code, on_date
    )
    return str(getattr(doc, "number", "")) if doc is not None else ""
