"""The CAPA aging chart as an inline SVG drawn on the server (no JavaScript, no chart library):
one stacked bar per age bucket (0–30, 31–60, 61–90, over 90 days since opening), a segment per
state, the overdue count above each bar, and a legend. Input is :func:`selectors.capa_aging`'s
rows, so the quality dashboard can draw the same chart from the same figures. Every text is
XML-escaped.
"""

from __future__ import annotations

from html import escape
from typing import Any

from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from mederp.quality.capa.models import ACTIVE_STATES, CapaState

W, H = 560, 240
LEFT, BOTTOM, TOP = 40, 40, 28
BAR_W = 70
FILLS = {
    CapaState.OPEN: "#ffe8cc",
    CapaState.INVESTIGATING: "#ffd8a8",
    CapaState.IMPLEMENTING: "#a5d8ff",
    CapaState.VERIFYING: "#b2f2bb",
}


def aging_svg(rows: list[dict[str, Any]]) -> SafeString:
    """A stacked bar chart of ``rows`` (``bucket``, ``label``, ``count``, ``overdue``,
    ``by_state``)."""
    top = max([r["count"] for r in rows] + [1])
    plot_h = H - BOTTOM - TOP
    step = (W - LEFT - 150) // max(len(rows), 1)
    parts = [
        f'<svg class="capa-aging" role="img" width="100%" viewBox="0 0 {W} {H}" '
        f'aria-label="{escape(_("Open CAPAs by age and state"))}">',
        f'<line x1="{LEFT}" y1="{H - BOTTOM}" x2="{W - 150}" y2="{H - BOTTOM}" stroke="#868e96"/>',
        f'<text x="{LEFT - 6}" y="{TOP + 4}" font-size="11" text-anchor="end">{top}</text>',
        f'<text x="{LEFT - 6}" y="{H - BOTTOM}" font-size="11" text-anchor="end">0</text>',
    ]
    for i, row in enumerate(rows):
        x = LEFT + 10 + i * step
        y = H - BOTTOM
        for state in ACTIVE_STATES:
            n = int(row.get("by_state", {}).get(str(state), 0))
            if not n:
                continue
            h = round(plot_h * n / top)
            y -= h
            label = escape(f"{row['label']} · {CapaState(state).label}: {n}")
            parts.append(
                f'<rect x="{x}" y="{y}" width="{BAR_W}" height="{h}" fill="{FILLS[state]}" '
                f'stroke="#495057" stroke-width="0.5" data-state="{state}"><title>{label}</title>'
                "</rect>"
            )
        parts.append(
            f'<text x="{x + BAR_W // 2}" y="{y - 6}" font-size="12" text-anchor="middle" '
            f'data-bucket="{escape(row["bucket"])}" data-count="{row["count"]}">{row["count"]}'
            + (
                f' <tspan fill="#c92a2a">({escape(_("%(n)s overdue") % {"n": row["overdue"]})})'
                "</tspan>"
                if row["overdue"]
                else ""
            )
            + "</text>"
        )
        parts.append(
            f'<text x="{x + BAR_W // 2}" y="{H - BOTTOM + 16}" font-size="11" '
            f'text-anchor="middle">{escape(str(row["label"]))}</text>'
        )
    for j, state in enumerate(ACTIVE_STATES):
        ly = TOP + j * 20
        parts.append(
            f'<rect x="{W - 130}" y="{ly}" width="12" height="12" fill="{FILLS[state]}" '
            'stroke="#495057" stroke-width="0.5"/>'
            f'<text x="{W - 112}" y="{ly + 10}" font-size="11">'
            f"{escape(str(CapaState(state).label))}</text>"
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped
