"""The quality dashboard page (质量看板; ISO 13485 §8.4): server-side SVG charts of open NCRs,
CAPAs by age, complaint reports near their deadline and first-pass yield per product, each with
a small table beneath (the accessible reading of the chart)."""

from __future__ import annotations

from decimal import Decimal

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from mederp.core.viewperms import requires
from mederp.quality.dashboard import selectors
from mederp.quality.dashboard.charts import AMBER, BLUE, GREEN, RED, Bar, bar_chart

VIEW = "nonconformance.view_nonconformance"
CHART_ROWS = 20


def _percent(rate: Decimal | None) -> str:
    return "—" if rate is None else f"{(rate * 100).quantize(Decimal('0.1'))}%"


def _yield_color(rate: Decimal | None) -> str:
    if rate is None or rate >= Decimal("0.98"):
        return GREEN
    return AMBER if rate >= Decimal("0.90") else RED


def _hours(hours: int) -> str:
    if hours < 0:
        return _("overdue %(days)s d %(hours)s h") % {"days": -hours // 24, "hours": -hours % 24}
    return _("%(days)s d %(hours)s h") % {"days": hours // 24, "hours": hours % 24}


@requires(VIEW)
def dashboard(request: HttpRequest) -> HttpResponse:
    data = selectors.dashboard()
    ncrs = data["ncrs"]
    aging = data["capa_aging"]
    reports = data["reports_due"]
    for r in reports:
        r["left"] = _hours(r["hours_left"])
    yields = selectors.first_pass_yield()
    top_hours = max((r["hours_left"] for r in reports), default=0)
    charts = {
        "ncr_state": bar_chart(
            [Bar(r["label"], r["count"], color=AMBER) for r in ncrs["by_state"]],
            label=_("Open NCRs by state"),
        ),
        "ncr_source": bar_chart(
            [Bar(r["label"], r["count"], color=BLUE) for r in ncrs["by_source"]],
            label=_("Open NCRs by source"),
        ),
        "capa_aging": bar_chart(
            [
                Bar(
                    r["label"],
                    r["count"],
                    text=f"{r['count']} ({r['overdue']} {_('overdue')})",
                    color=RED if r["overdue"] else BLUE,
                )
                for r in aging
            ],
            label=_("CAPAs not closed, by age"),
        ),
        "reports_due": bar_chart(
            [
                Bar(
                    f"{r['complaint_number']} {r['jurisdiction']}",
                    max(r["hours_left"], 0) if not r["overdue"] else top_hours or 1,
                    text=r["left"],
                    color=RED if r["overdue"] else (AMBER if r["hours_left"] < 72 else GREEN),
                    title=f"{r['report']}: {r['left']}",
                )
                for r in reports[:CHART_ROWS]
            ],
            label=_("Regulatory reports due, time left"),
        ),
        "yield": bar_chart(
            [
                Bar(
                    f"{y.product_code} {y.product_name}",
                    y.first_pass_yield * 100 if y.first_pass_yield is not None else None,
                    text=_percent(y.first_pass_yield),
                    color=_yield_color(y.first_pass_yield),
                )
                for y in yields[:CHART_ROWS]
            ],
            label=_("First-pass yield per product"),
            max_value=100,
        ),
    }
    return render(
        request,
        "quality_dashboard/dashboard.html",
        {
            "ncrs": ncrs,
            "ncr_open_total": sum(r["count"] for r in ncrs["by_state"]),
            "aging": aging,
            "reports": reports,
            "yields": [
                {
                    "row": y,
                    "fpy": _percent(y.first_pass_yield),
                    "final": _percent(y.final_pass_rate),
                }
                for y in yields
            ],
            "yield_days": selectors.YIELD_DAYS,
            "charts": charts,
        },
    )
