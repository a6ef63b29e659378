"""The reports due in the next days drawn as an inline SVG timeline on the server: no
JavaScript, no library. One row per report: a bar from now to its due time on a day axis,
red when overdue (drawn left of "now"), orange within 2 days, amber within 7, green later.
Every text is XML-escaped."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from html import escape

from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from mederp.quality.complaints import rules
from mederp.quality.complaints.models import RegulatoryReport

LABEL_W, PLOT_W, ROW_H, TOP = 220, 560, 24, 28
FILLS = {
    "overdue": "#c92a2a",
    "due_soon": "#e8590c",
    "upcoming": "#f59f00",
    "later": "#2b8a3e",
}


def timeline(
    reports: Sequence[RegulatoryReport], now: dt.datetime, *, days: int = 30
) -> SafeString:
    """The SVG of ``reports`` (due within ``days``; overdue ones shown up to 7 days back)."""
    back = 7
    span = days + back
    scale = PLOT_W / span

    def x_of(moment: dt.datetime) -> float:
        offset = (moment - now).total_seconds() / 86400 + back
        return LABEL_W + max(0.0, min(span, offset)) * scale

    height = TOP + ROW_H * max(1, len(reports)) + 8
    parts = [
        f'<svg class="deadline-chart" role="img" width="100%" height="{height}" '
        f'viewBox="0 0 {LABEL_W + PLOT_W + 10} {height}" '
        f'aria-label="{escape(_("Regulatory reports due in the next 30 days"))}">'
    ]
    for day in range(0, span + 1, 7):
        x = LABEL_W + day * scale
        parts.append(
            f'<line x1="{x:.1f}" y1="{TOP - 6}" x2="{x:.1f}" y2="{height}" stroke="#dee2e6"/>'
            f'<text x="{x:.1f}" y="{TOP - 10}" font-size="10" text-anchor="middle">'
            f"{day - back:+d}d</text>"
        )
    x_now = x_of(now)
    parts.append(
        f'<line x1="{x_now:.1f}" y1="{TOP - 6}" x2="{x_now:.1f}" y2="{height}" stroke="#212529" '
        f'stroke-dasharray="3,2"/><text x="{x_now + 3:.1f}" y="{TOP - 16}" font-size="10">'
        f"{escape(_('now'))}</text>"
    )
    if not reports:
        parts.append(
            f'<text x="{LABEL_W}" y="{TOP + 16}" font-size="12">'
            f"{escape(_('No report due.'))}</text>"
        )
    for i, r in enumerate(reports):
        y = TOP + i * ROW_H
        kind = rules.urgency(r.due_at, now)
        x_due = x_of(r.due_at)
        left, right = sorted((x_now, x_due))
        label = f"{r.complaint.number} {r.jurisdiction} {r.rule_code}"
        title = f"{label}: {r.due_at.isoformat(timespec='minutes')}"
        parts.append(
            f'<g class="report {kind}"><text x="0" y="{y + 16}" font-size="11">'
            f"{escape(label[:34])}</text>"
            f'<rect x="{left:.1f}" y="{y + 4}" width="{max(2.0, right - left):.1f}" height="16" '
            f'fill="{FILLS[kind]}"><title>{escape(title)}</title></rect></g>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped
