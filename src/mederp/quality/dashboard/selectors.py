"""The quality dashboard's figures (ISO 13485 §8.4 analysis of data; §8.2.2 complaints; §8.3
nonconformity; §8.5.2 CAPA): read-only, one function per chart, each returning plain rows that
the page draws and tabulates and the API returns as JSON.

- open NCRs (not closed) by state and by source;
- CAPAs not closed by age since opening (``capa.selectors.capa_aging``);
- regulatory reports of complaints due within ``REPORTS_WITHIN_DAYS`` or overdue
  (``complaints.selectors.reports_due``);
- first-pass yield per product over the last ``YIELD_DAYS`` days: good output / (good + scrap +
  rework) from production outputs, beside the final inspection pass rate of the same window.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Count, Q, Sum

from mederp.catalog.models import Product
from mederp.core import clock
from mederp.production.models import OutputKind, ProductionOutput
from mederp.quality.capa.selectors import capa_aging
from mederp.quality.complaints.selectors import reports_due
from mederp.quality.inspections.models import Inspection
from mederp.quality.nonconformance.models import NcrState, Nonconformance, Source

YIELD_DAYS = 90
REPORTS_WITHIN_DAYS = 30
RATE = Decimal("0.0001")


def _rate(part: Decimal | int, whole: Decimal | int) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) / Decimal(whole)).quantize(RATE, ROUND_HALF_UP)


def open_ncrs() -> dict[str, list[dict[str, Any]]]:
    """NCRs not closed, counted by state (in workflow order) and by source (every source)."""
    qs = Nonconformance.objects.exclude(state=NcrState.CLOSED)
    states = dict(qs.values_list("state").annotate(n=Count("id")).values_list("state", "n"))
    sources = dict(qs.values_list("source").annotate(n=Count("id")).values_list("source", "n"))
    return {
        "by_state": [
            {"key": s.value, "label": str(s.label), "count": states.get(s.value, 0)}
            for s in NcrState
            if s != NcrState.CLOSED
        ],
        "by_source": [
            {"key": s.value, "label": str(s.label), "count": sources.get(s.value, 0)}
            for s in Source
        ],
    }


def capas_by_age(today: dt.date | None = None) -> list[dict[str, Any]]:
    return capa_aging(today)


def complaints_near_deadline(now: dt.datetime | None = None) -> list[dict[str, Any]]:
    """Unsubmitted regulatory reports due within 30 days or overdue, soonest first, with the
    hours left (negative: overdue)."""
    moment = now or clock.now()
    rows = []
    for report in reports_due(moment, REPORTS_WITHIN_DAYS):
        left = report.due_at - moment
        rows.append(
            {
                "report_id": report.pk,
                "complaint_id": report.complaint_id,
                "complaint_number": report.complaint.number,
                "product_code": report.complaint.product.code if report.complaint.product else "",
                "jurisdiction": report.jurisdiction,
                "report": report.rule_label,
                "due_at": report.due_at,
                "hours_left": int(left.total_seconds() // 3600),
                "overdue": left.total_seconds() < 0,
            }
        )
    return rows


@dataclass(frozen=True)
class YieldRow:
    product_id: int
    product_code: str
    product_name: str
    good: Decimal
    scrap: Decimal
    rework: Decimal
    first_pass_yield: Decimal | None
    final_inspections: int
    final_passed: int
    final_pass_rate: Decimal | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "product_id": self.product_id,
            "product_code": self.product_code,
            "product_name": self.product_name,
            "good": str(self.good),
            "scrap": str(self.scrap),
            "rework": str(self.rework),
            "first_pass_yield": None
            if self.first_pass_yield is None
            else str(self.first_pass_yield),
            "final_inspections": self.final_inspections,
            "final_passed": self.final_passed,
            "final_pass_rate": None if self.final_pass_rate is None else str(self.final_pass_rate),
        }


def first_pass_yield(now: dt.datetime | None = None, days: int = YIELD_DAYS) -> list[YieldRow]:
    """Per product made or finally inspected in the last ``days`` days: good / (good + scrap +
    rework) output, and final inspections passed / completed; lowest yield first."""
    since = (now or clock.now()) - dt.timedelta(days=days)
    output: dict[int, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for product_id, kind, total in (
        ProductionOutput.objects.filter(recorded_at__gte=since)
        .values_list("product_id", "kind")
        .annotate(total=Sum("quantity"))
        .values_list("product_id", "kind", "total")
    ):
        output[product_id][kind] += total or Decimal(0)
    finals: dict[int, tuple[int, int]] = {}
    for row in (
        Inspection.objects.filter(stage="final", state="completed", completed_at__gte=since)
        .values("product_id")
        .annotate(n=Count("id"), passed=Count("id", filter=Q(result="pass")))
    ):
        finals[row["product_id"]] = (row["n"], row["passed"])
    products = Product.objects.in_bulk(set(output) | set(finals))
    rows = []
    for pk, product in products.items():
        kinds = output.get(pk, {})
        good = kinds.get(OutputKind.GOOD, Decimal(0))
        scrap = kinds.get(OutputKind.SCRAP, Decimal(0))
        rework = kinds.get(OutputKind.REWORK, Decimal(0))
        n, passed = finals.get(pk, (0, 0))
        rows.append(
            YieldRow(
                pk,
                product.code,
                product.name_zh,
                good,
                scrap,
                rework,
                _rate(good, good + scrap + rework),
                n,
                passed,
                _rate(passed, n),
            )
        )
    rows.sort(key=lambda r: (r.first_pass_yield is None, r.first_pass_yield or 0, r.product_code))
    return rows


def dashboard(now: dt.datetime | None = None) -> dict[str, Any]:
    """Every figure of the dashboard, JSON-ready (the API's body)."""
    moment = now or clock.now()
    return {
        "generated_at": moment,
        "ncrs": open_ncrs(),
        "capa_aging": capas_by_age(),
        "reports_due": complaints_near_deadline(moment),
        "yield_days": YIELD_DAYS,
        "first_pass_yield": [r.as_dict() for r in first_pass_yield(moment)],
    }
