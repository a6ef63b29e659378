"""Server-side SVG bar charts for the quality pages (no JavaScript chart library): a horizontal
bar per row, its label on the left and its value on the right. Every chart is drawn from the
same rows the table beneath it shows, so the table is the accessible reading of the chart."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

ROW_H = 26
LABEL_W = 220
BAR_W = 360
VALUE_W = 70
WIDTH = LABEL_W + BAR_W + VALUE_W
PAD = 6

GREEN, AMBER, RED, BLUE, GREY = "#2e7d32", "#f9a825", "#c62828", "#1565c0", "#eceff1"


@dataclass(frozen=True)
class Bar:
    label: str
    value: Decimal | int | None
    text: str = ""  # what the value column says (default: the value)
    color: str = BLUE
    title: str = ""  # a tooltip


def bar_chart(
    bars: Sequence[Bar], *, label: str, max_value: Decimal | int | None = None, css: str = ""
) -> SafeString:
    """``<svg>`` markup of ``bars`` scaled to ``max_value`` (default: the largest value); a
    ``None`` value draws no bar and "—". Empty ``bars``: an empty string."""
    if not bars:
        return mark_safe("")
    values = [Decimal(b.value) for b in bars if b.value is not None]
    top = Decimal(max_value) if max_value is not None else max(values, default=Decimal(0))
    height = PAD * 2 + ROW_H * len(bars)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="quality-chart {escape(css)}" '
        f'role="img" width="100%" height="{height}" viewBox="0 0 {WIDTH} {height}" '
        f'aria-label="{escape(label)}"><title>{escape(label)}</title>'
    ]
    for i, bar in enumerate(bars):
        y = PAD + i * ROW_H
        width = 0
        if bar.value is not None and top > 0:
            width = int(min(Decimal(1), Decimal(bar.value) / top) * BAR_W)
        shown = bar.text or ("—" if bar.value is None else str(bar.value))
        title = escape(bar.title or f"{bar.label}: {shown}")
        parts.append(
            f'<g class="bar"><title>{title}</title>'
            f'<text x="0" y="{y + 17}" font-size="12">{escape(_clip(bar.label))}</text>'
            f'<rect x="{LABEL_W}" y="{y + 4}" width="{BAR_W}" height="18" fill="{GREY}"/>'
            f'<rect x="{LABEL_W}" y="{y + 4}" width="{width}" height="18" '
            f'fill="{escape(bar.color)}"/>'
            f'<text x="{LABEL_W + BAR_W + 6}" y="{y + 17}" font-size="12">{escape(shown)}</text>'
            "</g>"
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 (every text escaped above)


def _clip(text: str, width: int = 30) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"
