"""Supplier scorecards: the figures of a period read from procurement receipts (验收), incoming
inspections and NCRs (ISO 13485 §7.4.1; CN-21; 生产办法 第三十一条). Read-only.

On-time delivery: procurement orders carry one expected delivery date (``PurchaseOrder.
expected_date``) and no promised date per line, so a delivery is one receipt against an order
that names an expected date, on time when the receipt's local date is not after it. Receipts
against orders without an expected date do not count either way.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from mederp.catalog.selectors import business_date
from mederp.partners.models import Partner
from mederp.procurement.models import AcceptanceResult, Receipt, ReceiptLine
from mederp.quality.inspections.models import Inspection
from mederp.quality.nonconformance.models import Nonconformance
from mederp.quality.suppliers import rules
from mederp.quality.suppliers.models import EvaluationState, SupplierEvaluation

DEFAULT_PERIOD_DAYS = 365


def scoring() -> rules.Config:
    """The scoring configuration: ``settings.MEDERP_SUPPLIER_SCORE`` over the defaults."""
    return rules.config(getattr(settings, "MEDERP_SUPPLIER_SCORE", None))


def default_period(today: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """The last 12 months, today included."""
    end = today or business_date()
    return end - dt.timedelta(days=DEFAULT_PERIOD_DAYS - 1), end


def _bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The period's local days as UTC instants [from, until)."""
    tz = timezone.get_default_timezone()
    lo = dt.datetime.combine(start, dt.time.min, tzinfo=tz)
    hi = dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    return lo, hi


def figures_by_supplier(
    start: dt.date, end: dt.date, supplier_ids: Iterable[int] | None = None
) -> dict[int, rules.Figures]:
    """Each supplier's figures over [start, end] (local days), one grouped query per source."""
    lo, hi = _bounds(start, end)
    only = None if supplier_ids is None else list(supplier_ids)
    acc: dict[int, dict[str, Any]] = defaultdict(dict)

    lines = ReceiptLine.objects.filter(receipt__received_at__gte=lo, receipt__received_at__lt=hi)
    if only is not None:
        lines = lines.filter(receipt__supplier_id__in=only)
    for row in lines.values("receipt__supplier_id").annotate(
        n=Count("id"),
        received=Sum("quantity_received"),
        accepted=Sum("quantity_accepted"),
        rejected=Count("id", filter=~Q(result=AcceptanceResult.ACCEPTED)),
    ):
        acc[row["receipt__supplier_id"]].update(
            receipt_lines=row["n"],
            quantity_received=row["received"] or Decimal(0),
            quantity_accepted=row["accepted"] or Decimal(0),
            lines_rejected=row["rejected"],
        )

    inspections = Inspection.objects.filter(
        stage="incoming",
        state="completed",
        receipt__isnull=False,
        receipt__received_at__gte=lo,
        receipt__received_at__lt=hi,
    )
    if only is not None:
        inspections = inspections.filter(receipt__supplier_id__in=only)
    for irow in inspections.values("receipt__supplier_id").annotate(
        n=Count("id"), passed=Count("id", filter=Q(result="pass"))
    ):
        acc[irow["receipt__supplier_id"]].update(
            inspections=irow["n"], inspections_passed=irow["passed"]
        )

    ncrs = Nonconformance.objects.filter(
        supplier__isnull=False, opened_at__gte=lo, opened_at__lt=hi
    )
    if only is not None:
        ncrs = ncrs.filter(supplier_id__in=only)
    for nrow in ncrs.values("supplier_id").annotate(n=Count("id")):
        acc[nrow["supplier_id"]]["ncrs"] = nrow["n"]

    receipts = Receipt.objects.filter(
        received_at__gte=lo, received_at__lt=hi, order__expected_date__isnull=False
    )
    if only is not None:
        receipts = receipts.filter(supplier_id__in=only)
    tz = timezone.get_default_timezone()
    for supplier_id, received_at, expected in receipts.values_list(
        "supplier_id", "received_at", "order__expected_date"
    ):
        drow = acc[supplier_id]
        drow["deliveries"] = drow.get("deliveries", 0) + 1
        on_time = expected is not None and received_at.astimezone(tz).date() <= expected
        drow["deliveries_on_time"] = drow.get("deliveries_on_time", 0) + int(on_time)

    return {pk: rules.Figures(**values) for pk, values in acc.items()}


def figures_of(supplier_id: int, start: dt.date, end: dt.date) -> rules.Figures:
    return figures_by_supplier(start, end, [supplier_id]).get(supplier_id, rules.Figures())


@dataclass(frozen=True)
class Scorecard:
    supplier: Partner
    figures: rules.Figures
    components: dict[str, Decimal | None]
    score: Decimal | None
    suggested_status: str
    last_evaluation: SupplierEvaluation | None


def scorecards(
    start: dt.date, end: dt.date, *, q: str = "", cfg: rules.Config | None = None
) -> list[Scorecard]:
    """A scorecard for every supplier (best score first, unscored last)."""
    cfg = cfg or scoring()
    suppliers = Partner.objects.filter(is_supplier=True)
    q = (q or "").strip()
    if q:
        suppliers = suppliers.filter(Q(code__icontains=q) | Q(name__icontains=q))
    suppliers_list = list(suppliers.order_by("code"))
    ids = [s.pk for s in suppliers_list]
    figures = figures_by_supplier(start, end, ids)
    latest: dict[int, SupplierEvaluation] = {}
    for ev in SupplierEvaluation.objects.filter(
        supplier_id__in=ids, state=EvaluationState.APPROVED
    ).order_by("supplier_id", "-approved_at", "-id"):
        latest.setdefault(ev.supplier_id, ev)
    cards = []
    for supplier in suppliers_list:
        f = figures.get(supplier.pk, rules.Figures())
        parts = rules.components(f, cfg)
        value = rules.score(parts, cfg)
        cards.append(
            Scorecard(supplier, f, parts, value, rules.suggest(value, cfg), latest.get(supplier.pk))
        )
    cards.sort(key=lambda c: (c.score is None, -(c.score or 0), c.supplier.code))
    return cards


def evaluations(*, supplier_id: int | None = None, state: str = "") -> QuerySet[SupplierEvaluation]:
    qs = SupplierEvaluation.objects.select_related("supplier")
    if supplier_id is not None:
        qs = qs.filter(supplier_id=supplier_id)
    if state:
        qs = qs.filter(state=state)
    return qs.order_by("-id")


def components_of(ev: SupplierEvaluation) -> dict[str, Decimal | None]:
    return {
        "acceptance": ev.acceptance_rate,
        "inspection": ev.inspection_rate,
        "ncr": ev.ncr_rate,
        "delivery": ev.delivery_rate,
    }
