"""Traceability reports: forward from a lot to every consignee, backward to every supplier
(TR-01; TR-02; RC-04; ISO 13485 §7.5.9.1–7.5.9.2; 21 CFR 820.10(b)(2); 生产办法 第三十五条;
经营办法 第三十条).

:func:`roots_for` turns what a person typed or scanned into genealogy nodes. :func:`trace_forward`
answers "where did it go": every lot and serial made from the roots at any depth, the work
orders between them, every distribution record reached (the consignee with address and contact,
product, UDI-DI, lot or serial, quantity, ship date, shipment), the returns against those records
and the stock still on hand by location. :func:`trace_backward` answers "where did it come from":
every lot and serial that went into the roots, the work orders, and the receiving inspection
record (进货查验记录) of each with its supplier.

Everything is computed in the database: each part is one statement over the recursive CTE of
:mod:`mederp.production.genealogy` (:mod:`.trace_sql`), so a report costs a fixed number of
queries whatever its depth or size. Reads only.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from mederp.compliance import trace_sql
from mederp.compliance.trace_roots import roots_for
from mederp.compliance.trace_rows import (
    BackwardTrace,
    Consignee,
    DistributionLine,
    ForwardTrace,
    ReceiptLineTrace,
    ReturnLine,
    StockLine,
    Supplier,
    TracedItem,
    TraceEdge,
    WorkOrderRef,
)
from mederp.core import clock
from mederp.procurement.models import receipt_number
from mederp.production.genealogy import Node, depths
from mederp.production.models import LOT, SERIAL

__all__ = [
    "LOT",
    "PERMISSIONS",
    "SERIAL",
    "BackwardTrace",
    "Consignee",
    "DistributionLine",
    "ForwardTrace",
    "Node",
    "ReceiptLineTrace",
    "ReturnLine",
    "StockLine",
    "Supplier",
    "TraceEdge",
    "TracedItem",
    "WorkOrderRef",
    "roots_for",
    "trace_backward",
    "trace_forward",
]


#: What each direction discloses decides who may run it (API, page, and the recall helper's
#: callers): forward lists distribution records (customers, addresses, contacts), backward lists
#: receiving inspection records (suppliers, inspectors). Compliance has no model of its own
#: to hang a ``view_trace`` permission on yet; when it has, this is the one place to change.
PERMISSIONS: dict[str, str] = {
    "forward": "sales.view_distributionrecord",
    "backward": "procurement.view_receipt",
}


def _walk(direction: trace_sql.Direction, roots: Sequence[Node]) -> dict[str, Any]:
    """The nodes and edges of one walk (two statements) with each node's depth."""
    node_rows = trace_sql.nodes(direction, roots)
    edge_rows = trace_sql.edges(direction, roots)
    edges = [
        TraceEdge((str(ck), int(ci)), (str(pk), int(pi)), int(wo), str(number), quantity)
        for ck, ci, pk, pi, wo, number, _code, _state, quantity in edge_rows
    ]
    work_orders = {
        int(wo): WorkOrderRef(int(wo), str(number), str(code), str(state))
        for _ck, _ci, _pk, _pi, wo, number, code, state, _q in edge_rows
    }
    root_lots = {i for k, i in roots if k == LOT}
    start = {(k, int(i)) for k, i in roots}
    start |= {
        (SERIAL, int(row[1])) for row in node_rows if row[0] == SERIAL and row[2] in root_lots
    }
    steps: list[dict[str, object]] = [
        {"consumed": e.consumed, "produced": e.produced} for e in edges
    ]
    depth = depths(start, steps, direction)
    today = clock.today()
    items = [
        TracedItem(
            kind=str(kind),
            id=int(node_id),
            product_id=int(product_id),
            product_code=code,
            product_name=name_zh,
            product_name_en=name_en,
            gtin=gtin,
            lot_id=int(lot_id) if lot_id is not None else None,
            lot_number=lot_number or "",
            serial_number=serial_number or "",
            expiry_date=expiry,
            status=status,
            expired=expiry is not None and expiry < today,
            depth=depth.get((str(kind), int(node_id)), 0),
        )
        for (
            kind,
            node_id,
            lot_id,
            product_id,
            code,
            name_zh,
            name_en,
            gtin,
            lot_number,
            serial_number,
            expiry,
            status,
        ) in node_rows
    ]
    items.sort(key=lambda i: (i.depth, i.product_code, i.lot_number, i.serial_number, i.id))
    return {
        "roots": sorted({(str(k), int(i)) for k, i in roots}),
        "items": items,
        "edges": edges,
        "work_orders": [work_orders[k] for k in sorted(work_orders)],
    }


#: The distribution record's columns :func:`trace_sql.distribution` returns after the node and
#: the customer's id, in order.
_RECORD_COPIES = (
    "customer_code",
    "customer_name",
    "customer_address",
    "customer_contact",
    "product_code",
    "product_name",
    "gtin",
    "lot_number",
    "serial_number",
    "expiry_date",
    "quantity",
    "shipped_at",
    "shipped_on",
    "shipment_number",
    "order_number",
)


def trace_forward(roots: Sequence[Node]) -> ForwardTrace:
    """Everything made from ``roots`` and everywhere it went: five statements, four when
    nothing of it was shipped (no record, no return to look for)."""
    walk = _walk("forward", roots)
    shipped = trace_sql.distribution(roots)
    returns = [
        ReturnLine(int(rid), number, int(record), qty, at, loc)
        for rid, number, record, qty, at, loc in (trace_sql.returns(roots) if shipped else [])
    ]
    back: dict[int, Decimal] = {}
    for r in returns:
        back[r.record_id] = back.get(r.record_id, Decimal(0)) + r.quantity
    records = []
    for row in shipped:
        record_id, kind, node_id, customer_id, *copied = row
        values = dict(zip(_RECORD_COPIES, copied, strict=True))
        records.append(
            DistributionLine(
                record_id=int(record_id),
                node=(str(kind), int(node_id)),
                customer_id=int(customer_id),
                returned=back.get(int(record_id), Decimal(0)),
                **values,
            )
        )
    by_node = {i.node: i for i in walk["items"]}
    stock = []
    for (
        kind,
        node_id,
        wh_code,
        wh_name,
        loc_id,
        loc_code,
        loc_kind,
        qty,
        reserved,
    ) in trace_sql.stock(roots):
        item = by_node.get((str(kind), int(node_id)))
        stock.append(
            StockLine(
                (str(kind), int(node_id)),
                item.product_code if item else "",
                item.lot_number if item else "",
                item.serial_number if item else "",
                wh_code,
                wh_name,
                int(loc_id),
                loc_code,
                loc_kind,
                qty,
                reserved,
            )
        )
    stock.sort(
        key=lambda s: (
            s.warehouse_code,
            s.location_code,
            s.product_code,
            s.lot_number,
            s.serial_number,
        )
    )
    return ForwardTrace(**walk, records=records, returns=returns, stock=stock)


def trace_backward(roots: Sequence[Node]) -> BackwardTrace:
    """Everything that went into ``roots`` and who supplied it (three statements in all)."""
    walk = _walk("backward", roots)
    receipts = [
        ReceiptLineTrace(
            int(row[0]),
            (str(row[1]), int(row[2])),
            int(row[3]),
            receipt_number(int(row[3])),
            row[4],
            int(row[5]),
            *row[6:],
        )
        for row in trace_sql.receipts(roots)
    ]
    return BackwardTrace(**walk, receipts=receipts)
