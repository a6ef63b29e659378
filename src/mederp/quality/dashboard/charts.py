"""Server-side SVG bar charts for the quality pages (no JavaScript chart library): a horizontal
bar per row, its label on the left and its value on the right. Every chart is drawn from the
same rows the table beneath it shows, so the table is the accessible reading of the chart.

The label column and the value column are sized from their texts (:func:`text_width`, which
counts a CJK character as a full em, a Latin one as 0.62 em), so a long value ("1 (0 overdue)")
or a Chinese company name never runs past the drawing or over the bars. A label wider than
``LABEL_MAX`` is cut with "…" and keeps its full text in a ``<title>`` (the tooltip)."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

ROW_H = 26
FONT = 12
BAR_W = 360
LABEL_MAX = 300  # the widest label column; longer labels are cut with "…"
GAP = 8  # between the label column and the bar, and between the bar and its value
PAD = 6

GREEN, AMBER, RED, BLUE, GREY = "#2e7d32", "#f9a825", "#c62828", "#1565c0", "#eceff1"

ELLIPSIS = "…"


@dataclass(frozen=True)
class Bar:
    label: str
    value: Decimal | int | None
    text: str = ""  # what the value column says (default: the value)
    color: str = BLUE
    title: str = ""  # a tooltip


def char_width(char: str, size: int = FONT) -> float:
    """A generous estimate of one character's advance at ``size`` px: a wide (CJK, full-width)
    character (and an ambiguous one such as "…", full width in CJK fonts) takes a full em, a
    combining mark nothing, anything else 0.62 em (wider than the average Latin glyph of the
    usual sans-serif fonts, so the estimate errs on the roomy side)."""
    if unicodedata.combining(char):
        return 0.0
    if unicodedata.east_asian_width(char) in ("W", "F", "A"):
        return float(size)
    return size * 0.62


def text_width(text: str, size: int = FONT) -> float:
    """The estimated width in px of ``text`` drawn at ``size`` px."""
    return sum(char_width(c, size) for c in text)


def fit(text: str, width: float, size: int = FONT) -> str:
    """``text`` itself when it fits in ``width`` px, else its longest head that fits with "…"."""
    if text_width(text, size) <= width:
        return text
    room = width - char_width(ELLIPSIS, size)
    used = 0.0
    head = []
    for char in text:
        used += char_width(char, size)
        if used > room:
            break
        head.append(char)
    return "".join(head).rstrip() + ELLIPSIS


def bar_chart(
    bars: Sequence[Bar], *, label: str, max_value: Decimal | int | None = None, css: str = ""
) -> SafeString:
    """``<svg>`` markup of ``bars`` scaled to ``max_value`` (default: the largest value); a
    ``None`` value draws no bar and "—". Empty ``bars``: an empty string.

    The drawing is as wide as its texts need (label column + bar + value column) and shrinks
    with the page (``max-width: 100%``), never cutting a text off."""
    if not bars:
        return mark_safe("")
    values = [Decimal(b.value) for b in bars if b.value is not None]
    top = Decimal(max_value) if max_value is not None else max(values, default=Decimal(0))
    shown = [b.text or ("—" if b.value is None else str(b.value)) for b in bars]
    label_w = min(LABEL_MAX, max(text_width(b.label) for b in bars))
    bar_x = int(label_w + 0.999) + GAP
    value_x = bar_x + BAR_W + GAP
    width = value_x + int(max(text_width(s) for s in shown) + 0.999) + PAD
    height = PAD * 2 + ROW_H * len(bars)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="quality-chart {escape(css)}" '
        f'role="img" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'style="max-width:100%;height:auto" font-size="{FONT}" '
        f'aria-label="{escape(label)}"><title>{escape(label)}</title>'
    ]
    for i, (bar, value_text) in enumerate(zip(bars, shown, strict=True)):
        y = PAD + i * ROW_H
        filled = 0
        if bar.value is not None and top > 0:
            filled = int(min(Decimal(1), Decimal(bar.value) / top) * BAR_W)
        title = escape(bar.title or f"{bar.label}: {value_text}")
        name = fit(bar.label, label_w)
        cut = f"<title>{escape(bar.label)}</title>" if name != bar.label else ""
        parts.append(
            f'<g class="bar"><title>{title}</title>'
            f'<text class="label" x="0" y="{y + 17}">{cut}{escape(name)}</text>'
            f'<rect x="{bar_x}" y="{y + 4}" width="{BAR_W}" height="18" fill="{GREY}"/>'
            f'<rect x="{bar_x}" y="{y + 4}" width="{filled}" height="18" '
            f'fill="{escape(bar.color)}"/>'
            f'<text class="value" x="{value_x}" y="{y + 17}">{escape(value_text)}</text>'
            "</g>"
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 (every text escaped above)
