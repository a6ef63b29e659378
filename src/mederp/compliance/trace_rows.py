"""What a traceability report holds (TR-01, TR-02, RC-04): the lots and serials reached, the
edges and work orders between them, and per direction the records a trace exists to find
(distribution records, returns and stock forward; receipts and suppliers backward).

Plain frozen dataclasses, each with ``as_dict()``: JSON-safe (decimals as exact strings,
dates ISO, nodes as ``[kind, id]``), the shape the API, ``mederp trace --json`` and the
recall exports share.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, fields
from decimal import Decimal
from typing import Any

from mederp.inventory.rules import normal
from mederp.production.genealogy import Node


def _json(value: Any) -> Any:
    """A value as JSON holds it: decimals as exact strings, dates ISO, nodes as [kind, id]."""
    if isinstance(value, Decimal):
        return f"{normal(value):f}"
    if isinstance(value, dt.date):  # datetimes too
        return value.isoformat()
    if isinstance(value, tuple):
        return [_json(v) for v in value]
    if isinstance(value, list):
        return [_json(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _json(v) for k, v in value.items()}
    if hasattr(value, "as_dict"):
        return value.as_dict()
    return value


class _Row:
    """``as_dict()`` for the report's rows: every field, JSON-safe."""

    def as_dict(self) -> dict[str, Any]:
        return {f.name: _json(getattr(self, f.name)) for f in fields(self)}  # type: ignore[arg-type]


@dataclass(frozen=True)
class TracedItem(_Row):
    """A lot or serial the walk reached, ``depth`` steps (work orders) from the roots."""

    kind: str
    id: int
    product_id: int
    product_code: str
    product_name: str
    product_name_en: str
    gtin: str
    lot_id: int | None
    lot_number: str
    serial_number: str
    expiry_date: dt.date | None
    status: str
    expired: bool
    depth: int

    @property
    def node(self) -> Node:
        return (self.kind, self.id)

    @property
    def number(self) -> str:
        """What is printed on the label: the serial number, or the lot number."""
        return self.serial_number or self.lot_number


@dataclass(frozen=True)
class TraceEdge(_Row):
    """``quantity`` of the consumed lot or serial was issued to a work order that produced the
    produced one."""

    consumed: Node
    produced: Node
    work_order_id: int
    work_order_number: str
    quantity: Decimal


@dataclass(frozen=True)
class WorkOrderRef(_Row):
    id: int
    number: str
    product_code: str
    state: str


@dataclass(frozen=True)
class DistributionLine(_Row):
    """A distribution record (销售记录) of a node reached forward, with what came back."""

    record_id: int
    node: Node
    customer_id: int
    customer_code: str
    customer_name: str
    customer_address: str
    customer_contact: str
    product_code: str
    product_name: str
    gtin: str
    lot_number: str
    serial_number: str
    expiry_date: dt.date | None
    quantity: Decimal
    returned: Decimal
    shipped_at: dt.datetime
    shipped_on: dt.date
    shipment_number: str
    order_number: str


@dataclass(frozen=True)
class ReturnLine(_Row):
    id: int
    number: str
    record_id: int
    quantity: Decimal
    received_at: dt.datetime
    location_code: str


@dataclass(frozen=True)
class StockLine(_Row):
    """Stock of a node reached forward still on hand in one location."""

    node: Node
    product_code: str
    lot_number: str
    serial_number: str
    warehouse_code: str
    warehouse_name: str
    location_id: int
    location_code: str
    location_kind: str
    quantity: Decimal
    reserved: Decimal


@dataclass(frozen=True)
class Consignee(_Row):
    """One customer's share of a forward trace: what was shipped to it and what came back."""

    customer_id: int
    customer_code: str
    customer_name: str
    customer_address: str
    customer_contact: str
    quantity: Decimal
    returned: Decimal
    records: int


@dataclass(frozen=True)
class ReceiptLineTrace(_Row):
    """The receiving inspection (验收) of a node reached backward: who supplied it, who checked
    it, the certificate number and the label scan's hash as recorded at the dock."""

    line_id: int
    node: Node
    receipt_id: int
    receipt_number: str
    received_at: dt.datetime
    supplier_id: int
    supplier_code: str
    supplier_name: str
    order_number: str
    inspector: str
    result: str
    registration_number: str
    udi_di: str
    scan_sha256: str
    product_code: str
    lot_number: str
    serial_number: str
    quantity_received: Decimal
    quantity_accepted: Decimal
    quantity_rejected: Decimal


@dataclass(frozen=True)
class Supplier(_Row):
    id: int
    code: str
    name: str


@dataclass(frozen=True)
class _Trace:
    roots: list[Node]
    items: list[TracedItem]
    edges: list[TraceEdge]
    work_orders: list[WorkOrderRef]

    def item(self, node: Node) -> TracedItem | None:
        return next((i for i in self.items if i.node == node), None)

    @property
    def max_depth(self) -> int:
        return max((i.depth for i in self.items), default=0)

    def _common(self) -> dict[str, Any]:
        return {
            "roots": _json(self.roots),
            "items": _json(self.items),
            "edges": _json(self.edges),
            "work_orders": _json(self.work_orders),
        }


@dataclass(frozen=True)
class ForwardTrace(_Trace):
    """Where the roots went (TR-01 forward, RC-04)."""

    records: list[DistributionLine] = field(default_factory=list)
    returns: list[ReturnLine] = field(default_factory=list)
    stock: list[StockLine] = field(default_factory=list)

    @property
    def consignees(self) -> list[Consignee]:
        """Per customer, in code order: quantity shipped, returned, and how many records."""
        totals: dict[int, list[Any]] = {}
        for r in self.records:
            entry = totals.setdefault(
                r.customer_id,
                [r, Decimal(0), Decimal(0), 0],
            )
            entry[1] += r.quantity
            entry[2] += r.returned
            entry[3] += 1
        return sorted(
            (
                Consignee(
                    r.customer_id,
                    r.customer_code,
                    r.customer_name,
                    r.customer_address,
                    r.customer_contact,
                    qty,
                    back,
                    n,
                )
                for r, qty, back, n in totals.values()
            ),
            key=lambda c: (c.customer_code, c.customer_id),
        )

    @property
    def shipped(self) -> Decimal:
        return sum((r.quantity for r in self.records), Decimal(0))

    @property
    def on_hand(self) -> Decimal:
        return sum((s.quantity for s in self.stock), Decimal(0))

    def as_dict(self) -> dict[str, Any]:
        return {
            "direction": "forward",
            **self._common(),
            "records": _json(self.records),
            "returns": _json(self.returns),
            "stock": _json(self.stock),
            "consignees": _json(self.consignees),
            "totals": {
                "items": len(self.items),
                "records": len(self.records),
                "consignees": len(self.consignees),
                "shipped": _json(self.shipped),
                "on_hand": _json(self.on_hand),
            },
        }


@dataclass(frozen=True)
class BackwardTrace(_Trace):
    """Where the roots came from (TR-01 backward): down to each supplier's receipt."""

    receipts: list[ReceiptLineTrace] = field(default_factory=list)

    @property
    def suppliers(self) -> list[Supplier]:
        """The distinct suppliers of the receipts, in code order."""
        found = {
            r.supplier_id: Supplier(r.supplier_id, r.supplier_code, r.supplier_name)
            for r in self.receipts
        }
        return sorted(found.values(), key=lambda s: (s.code, s.id))

    def as_dict(self) -> dict[str, Any]:
        return {
            "direction": "backward",
            **self._common(),
            "receipts": _json(self.receipts),
            "suppliers": _json(self.suppliers),
            "totals": {
                "items": len(self.items),
                "receipts": len(self.receipts),
                "suppliers": len(self.suppliers),
            },
        }
