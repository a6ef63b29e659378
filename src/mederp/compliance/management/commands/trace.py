"""``mederp trace forward|backward LOT [--product CODE] [--json]``: the traceability reports on
the command line (TR-01, TR-02, RC-04).

``LOT`` is a lot number, a serial number or a label's scan (GS1 or HIBC). Text output is the
genealogy as a tree followed by the report's tables; ``--json`` prints exactly one JSON object
(the report's ``as_dict()``, or ``{"error": {...}}``). Exit status 1 when the lot is unknown or
ambiguous, or the scan cannot be read, with the coded message.
"""

from __future__ import annotations

import json
import sys
import unicodedata
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _

from mederp.compliance.templatetags.compliance import stock_status, work_order_state
from mederp.compliance.trace import (
    BackwardTrace,
    ForwardTrace,
    Node,
    roots_for,
    trace_backward,
    trace_forward,
)
from mederp.core.errors import DomainError
from mederp.inventory.rules import normal


def _width(text: str) -> int:
    """Columns a text takes in a terminal: CJK characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> list[str]:
    """Aligned columns, two spaces apart."""
    cells = [[str(c) for c in headers]] + [["" if v is None else str(v) for v in r] for r in rows]
    widths = [max(_width(row[i]) for row in cells) for i in range(len(headers))]
    return [
        "  ".join(_pad(c, w) for c, w in zip(row, widths, strict=True)).rstrip() for row in cells
    ]


def _q(value: Any) -> str:
    return f"{normal(value):f}"


class Command(BaseCommand):
    help = "Trace a lot, serial or scanned label forward to consignees or backward to suppliers."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("direction", choices=["forward", "backward"])
        parser.add_argument("lot", help="lot number, serial number or a GS1/HIBC scan")
        parser.add_argument("--product", default=None, help="product code, when numbers clash")
        parser.add_argument("--json", action="store_true", help="print one JSON object")

    def handle(self, *args: Any, **opts: Any) -> None:
        try:
            roots = roots_for(opts["lot"], product_code=opts["product"])
        except DomainError as exc:
            if opts["json"]:
                error = {"code": exc.code, "message": exc.render_message(), "details": exc.details}
                self.stdout.write(json.dumps({"error": error}, ensure_ascii=False, default=str))
            else:
                self.stderr.write(f"{exc.code}: {exc.render_message()}")
            sys.exit(1)
        report = trace_forward(roots) if opts["direction"] == "forward" else trace_backward(roots)
        if opts["json"]:
            self.stdout.write(json.dumps(report.as_dict(), ensure_ascii=False, sort_keys=True))
            return
        self.stdout.write("\n".join(self.text(opts["lot"], report)))

    def text(self, query: str, report: ForwardTrace | BackwardTrace) -> list[str]:
        forward = isinstance(report, ForwardTrace)
        title = _("Forward trace of %(lot)s") if forward else _("Backward trace of %(lot)s")
        lines = [title % {"lot": query.strip()}, ""]
        lines += [_("Genealogy"), *self.tree(report), ""]
        lines += [_("Lots and serials")]
        lines += table(
            [_("depth"), _("product"), _("lot"), _("serial"), _("expiry"), _("status")],
            [
                (
                    i.depth,
                    i.product_code,
                    i.lot_number,
                    i.serial_number,
                    i.expiry_date or "",
                    stock_status(i.status) + (" (" + _("expired") + ")" if i.expired else ""),
                )
                for i in report.items
            ],
        )
        if report.work_orders:
            lines += ["", _("Work orders")]
            lines += table(
                [_("work order"), _("product"), _("state")],
                [(w.number, w.product_code, work_order_state(w.state)) for w in report.work_orders],
            )
        if isinstance(report, ForwardTrace):
            lines += self.forward_tables(report)
        else:
            lines += self.backward_tables(report)
        return lines

    def forward_tables(self, report: ForwardTrace) -> list[str]:
        lines = ["", _("Consignees")]
        lines += table(
            [_("customer"), _("name"), _("address"), _("contact"), _("shipped"), _("returned")],
            [
                (
                    c.customer_code,
                    c.customer_name,
                    c.customer_address,
                    c.customer_contact,
                    _q(c.quantity),
                    _q(c.returned),
                )
                for c in report.consignees
            ],
        )
        lines += ["", _("Distribution records")]
        lines += table(
            [
                _("shipped"),
                _("customer"),
                _("product"),
                "GTIN",
                _("lot"),
                _("serial"),
                _("quantity"),
                _("returned"),
                _("shipment"),
                _("order"),
            ],
            [
                (
                    r.shipped_on,
                    r.customer_code,
                    r.product_code,
                    r.gtin,
                    r.lot_number,
                    r.serial_number,
                    _q(r.quantity),
                    _q(r.returned),
                    r.shipment_number,
                    r.order_number,
                )
                for r in report.records
            ],
        )
        lines += ["", _("Stock on hand")]
        lines += table(
            [
                _("warehouse"),
                _("location"),
                _("kind"),
                _("product"),
                _("lot"),
                _("serial"),
                _("quantity"),
            ],
            [
                (
                    s.warehouse_code,
                    s.location_code,
                    s.location_kind,
                    s.product_code,
                    s.lot_number,
                    s.serial_number,
                    _q(s.quantity),
                )
                for s in report.stock
            ],
        )
        lines += [
            "",
            _("Shipped %(shipped)s to %(consignees)s consignees; %(on_hand)s on hand.")
            % {
                "shipped": _q(report.shipped),
                "consignees": len(report.consignees),
                "on_hand": _q(report.on_hand),
            },
        ]
        return lines

    def backward_tables(self, report: BackwardTrace) -> list[str]:
        lines = ["", _("Receipts")]
        lines += table(
            [
                _("received"),
                _("receipt"),
                _("supplier"),
                _("product"),
                _("lot"),
                _("serial"),
                _("accepted"),
                _("result"),
                _("inspector"),
                _("registration"),
                _("scan SHA-256"),
            ],
            [
                (
                    r.received_at.date(),
                    r.receipt_number,
                    r.supplier_code,
                    r.product_code,
                    r.lot_number,
                    r.serial_number,
                    _q(r.quantity_accepted),
                    r.result,
                    r.inspector,
                    r.registration_number,
                    r.scan_sha256[:12],
                )
                for r in report.receipts
            ],
        )
        lines += ["", _("Suppliers")]
        lines += table([_("code"), _("name")], [(s.code, s.name) for s in report.suppliers])
        return lines

    def tree(self, report: ForwardTrace | BackwardTrace) -> list[str]:
        """The walk as an indented tree from the roots, each node once (cycle-safe)."""
        forward = isinstance(report, ForwardTrace)
        items = {i.node: i for i in report.items}
        children: dict[Node, list[tuple[Node, str]]] = defaultdict(list)
        for e in report.edges:
            parent, child = (e.consumed, e.produced) if forward else (e.produced, e.consumed)
            children[parent].append((child, f"{e.work_order_number} ×{_q(e.quantity)}"))
        leaves: dict[Node, list[str]] = defaultdict(list)
        if isinstance(report, ForwardTrace):
            for r in report.records:
                leaves[r.node].append(
                    _("shipped %(quantity)s to %(customer)s %(name)s on %(date)s (%(shipment)s)")
                    % {
                        "quantity": _q(r.quantity),
                        "customer": r.customer_code,
                        "name": r.customer_name,
                        "date": r.shipped_on,
                        "shipment": r.shipment_number,
                    }
                )
        else:
            for rc in report.receipts:
                leaves[rc.node].append(
                    _("received %(quantity)s from %(supplier)s %(name)s on %(date)s (%(receipt)s)")
                    % {
                        "quantity": _q(rc.quantity_accepted),
                        "supplier": rc.supplier_code,
                        "name": rc.supplier_name,
                        "date": rc.received_at.date(),
                        "receipt": rc.receipt_number,
                    }
                )

        def label(node: Node) -> str:
            item = items.get(node)
            if item is None:
                return f"{node[0]} {node[1]}"
            kind = "SN" if item.kind == "serial" else _("lot")
            return f"{item.product_code} {kind} {item.number} [{stock_status(item.status)}]"

        out: list[str] = []
        seen: set[Node] = set()

        def walk(node: Node, prefix: str, via: str) -> None:
            out.append(f"{prefix}{via}{label(node)}" + (" ↺" if node in seen else ""))
            if node in seen:
                return
            seen.add(node)
            below = [
                (f"{how} → " if forward else f"{how} ← ", child)
                for child, how in children.get(node, [])
            ]
            notes = leaves.get(node, [])
            inner = prefix.replace("└─ ", "   ").replace("├─ ", "│  ")
            total = len(below) + len(notes)
            for n, (how, child) in enumerate(below):
                walk(child, inner + ("└─ " if n == total - 1 else "├─ "), how)
            for n, note in enumerate(notes, start=len(below)):
                out.append(inner + ("└─ " if n == total - 1 else "├─ ") + note)

        for item in report.items:
            if item.depth == 0 and item.node not in seen:
                walk(item.node, "", "")
        return out
