"""The deadline dashboard (报告时限): every open regulatory report with its deadline and the
time left, overdue in red, soonest first; a timeline of the next 30 days; the complaints still
waiting for their assessment, whose clocks already run (QE-04..QE-06)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from mederp.core import clock
from mederp.core.viewperms import requires
from mederp.quality.complaints import deadline_svg, rules, selectors


@requires("complaints.view_complaint")
def deadlines(request: HttpRequest) -> HttpResponse:
    now = clock.now()
    open_reports = selectors.reports_due(now, within_days=None)
    rows = [
        {
            "report": r,
            "urgency": rules.urgency(r.due_at, now),
            "left": rules.describe_left(r.due_at - now),
        }
        for r in open_reports
    ]
    soon = selectors.reports_due(now, within_days=30)
    return render(
        request,
        "complaints/deadlines.html",
        {
            "rows": rows,
            "overdue": sum(1 for r in rows if r["urgency"] == "overdue"),
            "chart": deadline_svg.timeline(soon, now),
            "waiting": selectors.awaiting_assessment()[:100],
            "now": now,
        },
    )
