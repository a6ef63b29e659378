"""Reading the quality charts' SVG as a browser lays it out, roughly: every text's extent from
an independent, conservative width estimate (a CJK or ambiguous-width character is one em, any
other 0.6 em), so a test can prove that no label runs over its bar and no value past the
drawing's right edge."""

from __future__ import annotations

import re
import unicodedata
import xml.etree.ElementTree as ET
from dataclasses import dataclass

NS = "{http://www.w3.org/2000/svg}"
FONT = 12


def width_of(text: str, size: int = FONT) -> float:
    return sum(
        size if unicodedata.east_asian_width(c) in ("W", "F", "A") else size * 0.6 for c in text
    )


def own_text(el: ET.Element) -> str:
    """The text an element draws (its ``<title>`` child is a tooltip, not drawn)."""
    return (el.text or "") + "".join(child.tail or "" for child in el)


@dataclass
class Row:
    label: str
    label_right: float
    bar_left: float
    value: str
    value_right: float
    titles: list[str]


@dataclass
class Chart:
    width: float
    rows: list[Row]


def charts_in(page: str) -> list[Chart]:
    return [parse(m) for m in re.findall(r"<svg[^>]*quality-chart.*?</svg>", page, re.S)]


def parse(svg: str) -> Chart:
    root = ET.fromstring(svg)
    width = float(root.attrib["viewBox"].split()[2])
    rows = []
    for g in root.iter(f"{NS}g"):
        label, value = [t for t in g.iter(f"{NS}text")]
        rect = next(g.iter(f"{NS}rect"))
        rows.append(
            Row(
                label=own_text(label),
                label_right=float(label.attrib["x"]) + width_of(own_text(label)),
                bar_left=float(rect.attrib["x"]),
                value=own_text(value),
                value_right=float(value.attrib["x"]) + width_of(own_text(value)),
                titles=[t.text or "" for t in g.iter(f"{NS}title")],
            )
        )
    return Chart(width, rows)


def assert_fits(chart: Chart) -> None:
    assert chart.rows
    for row in chart.rows:
        assert row.label_right <= row.bar_left, f"label {row.label!r} runs over the bar"
        assert row.value_right <= chart.width, f"value {row.value!r} is cut off"
