"""The genealogy of a trace drawn as an inline SVG on the server: no JavaScript, no library
(TR-01: the chain from supplier lot to consignee shown where it is queried).

Lots and serials are boxes in columns by their distance from the roots (the depth the report
already computed from the edges it read): product code, lot or serial number, and a fill by
status. Arrows go from what was consumed to what was made, labelled with the work order. In a
forward trace the consignees are the leaves: one box per customer with the quantity shipped to
it from the nodes that point at it. A backward trace is drawn mirrored, roots on the right, so
arrows still run from component to product. Past ``cap`` boxes the rest is left to the tables
and the drawing says how many. Every text is XML-escaped.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from html import escape

from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from mederp.compliance.trace import BackwardTrace, ForwardTrace, Node, TracedItem
from mederp.inventory.rules import normal

BOX_W, BOX_H = 176, 46
GAP_X, GAP_Y = 96, 14
PAD = 12

#: Fill per status (TR-04): released green, quarantine amber, the blocking ones red.
FILLS = {
    "released": "#d8f3dc",
    "quarantine": "#fff3bf",
    "on_hold": "#ffd8a8",
    "rejected": "#ffc9c9",
    "recalled": "#f3c4fb",
    "expired": "#dee2e6",
    "consignee": "#dbe4ff",
}


@dataclass(frozen=True)
class Drawing:
    svg: SafeString
    drawn: int
    hidden: int

    def __str__(self) -> str:
        return str(self.svg)


@dataclass(frozen=True)
class _Box:
    key: object
    column: int
    lines: tuple[str, str]
    fill: str
    title: str


def _text(value: object) -> str:
    return escape(str(value), quote=True)


def _qty(value: Decimal) -> str:
    return f"{normal(value):f}"


def _item_box(item: TracedItem, column: int) -> _Box:
    number = (
        _("SN %(number)s") % {"number": item.serial_number}
        if item.kind == "serial"
        else _("lot %(number)s") % {"number": item.lot_number}
    )
    status = "expired" if item.expired else item.status
    title = f"{item.product_code} {item.product_name} · {number} · {status}"
    return _Box(item.node, column, (item.product_code, number), FILLS.get(status, "#ffffff"), title)


def _boxes(report: ForwardTrace | BackwardTrace, cap: int) -> tuple[list[_Box], int]:
    items = list(report.items)
    width = max((i.depth for i in items), default=0)
    mirrored = isinstance(report, BackwardTrace)
    boxes = [_item_box(i, width - i.depth if mirrored else i.depth) for i in items[:cap]]
    hidden = max(len(items) - cap, 0)
    if isinstance(report, ForwardTrace):
        consignees = report.consignees
        room = max(cap - len(boxes), 0)
        for c in consignees[:room]:
            label = _("%(quantity)s shipped") % {"quantity": _qty(c.quantity)}
            boxes.append(
                _Box(
                    ("customer", c.customer_id),
                    width + 1,
                    (c.customer_code, label),
                    FILLS["consignee"],
                    f"{c.customer_name} · {c.customer_address}",
                )
            )
        hidden += max(len(consignees) - room, 0)
    return boxes, hidden


def _arrows(report: ForwardTrace | BackwardTrace) -> list[tuple[object, object, str]]:
    """(from box, to box, label): the edges, and in a forward trace each node's shipments
    summed per customer."""
    found: list[tuple[object, object, str]] = [
        (e.consumed, e.produced, e.work_order_number) for e in report.edges
    ]
    if isinstance(report, ForwardTrace):
        shipped: dict[tuple[Node, int], Decimal] = defaultdict(Decimal)
        for r in report.records:
            shipped[(r.node, r.customer_id)] += r.quantity
        found += [
            (node, ("customer", customer), _qty(qty))
            for (node, customer), qty in sorted(shipped.items())
        ]
    return found


def draw(report: ForwardTrace | BackwardTrace, *, cap: int = 200) -> Drawing:
    """The report's genealogy as ``<svg>`` markup, at most ``cap`` boxes."""
    boxes, hidden = _boxes(report, cap)
    rows: dict[int, int] = defaultdict(int)
    where: dict[object, tuple[int, int]] = {}
    for box in boxes:
        x = PAD + box.column * (BOX_W + GAP_X)
        y = PAD + rows[box.column] * (BOX_H + GAP_Y)
        rows[box.column] += 1
        where[box.key] = (x, y)
    columns = max((b.column for b in boxes), default=0) + 1
    width = 2 * PAD + columns * BOX_W + (columns - 1) * GAP_X
    height = (
        2 * PAD + max(rows.values(), default=1) * (BOX_H + GAP_Y) - GAP_Y + (24 if hidden else 0)
    )
    label = _("Genealogy of the trace")
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="trace-graph" role="img" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'aria-label="{_text(label)}">',
        f"<title>{_text(label)}</title>",
        '<defs><marker id="trace-arrow" viewBox="0 0 10 10" refX="10" refY="5" '
        'markerWidth="7" markerHeight="7" orient="auto-start-reverse">'
        '<path d="M 0 0 L 10 5 L 0 10 z" fill="#495057"/></marker></defs>',
    ]
    for start, end, text in _arrows(report):
        if start not in where or end not in where:
            continue
        (x1, y1), (x2, y2) = where[start], where[end]
        ax, ay = x1 + BOX_W, y1 + BOX_H // 2
        bx, by = x2, y2 + BOX_H // 2
        parts.append(
            f'<g class="trace-edge"><line x1="{ax}" y1="{ay}" x2="{bx}" y2="{by}" '
            'stroke="#495057" stroke-width="1.2" marker-end="url(#trace-arrow)"/>'
            f'<text x="{(ax + bx) // 2}" y="{(ay + by) // 2 - 4}" font-size="10" '
            f'text-anchor="middle" fill="#343a40">{_text(text)}</text></g>'
        )
    for box in boxes:
        x, y = where[box.key]
        parts.append(
            f'<g class="trace-node"><title>{_text(box.title)}</title>'
            f'<rect x="{x}" y="{y}" width="{BOX_W}" height="{BOX_H}" rx="6" '
            f'fill="{box.fill}" stroke="#495057"/>'
            f'<text x="{x + 8}" y="{y + 18}" font-size="12" font-weight="bold">'
            f"{_text(box.lines[0])}</text>"
            f'<text x="{x + 8}" y="{y + 36}" font-size="11">{_text(box.lines[1])}</text></g>'
        )
    if hidden:
        note = ngettext("%(count)s more in the table", "%(count)s more in the table", hidden) % {
            "count": hidden
        }
        parts.append(
            f'<text class="trace-more" x="{PAD}" y="{height - 8}" font-size="12">'
            f"{_text(note)}</text>"
        )
    parts.append("</svg>")
    return Drawing(mark_safe("".join(parts)), len(boxes), hidden)  # noqa: S308 (escaped above)
