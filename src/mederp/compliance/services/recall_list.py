"""Making a recall's list in the database (RC-04, RC-05): a fixed number of statements whatever
the recall's size, never an ORM save per row.

1. :func:`affected_nodes`: one statement over the forward genealogy CTE
   (:func:`mederp.production.genealogy.nodes_cte`): every lot and serial reached, with product
   and number.
2. :func:`write_items`: the :class:`RecallItem` rows (status before, depth), one bulk insert,
   then their stock on hand, one ``UPDATE`` per kind.
3. :func:`write_lines`: the :class:`RecallLine` rows, ``INSERT … SELECT`` from the items joined
   to the distribution records: a record with a serial matches the serial's item, one with only
   a lot matches the lot's item. Two statements, one per branch (a ``UNION ALL`` of index
   lookups, never an ``OR`` join), so nothing is counted twice.
4. :func:`totals`: the counts and quantities the recall header shows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection
from django.db.models import Count, Sum

from mederp.compliance.models import LOT, SERIAL, RecallItem, RecallLine
from mederp.inventory.services.recalls import RecalledStock
from mederp.production import genealogy
from mederp.production.genealogy import Node

ITEMS = "compliance_recallitem"
LINES = "compliance_recallline"


@dataclass(frozen=True)
class AffectedNode:
    kind: str
    id: int
    product_id: int
    number: str


def affected_nodes(roots: Sequence[Node]) -> list[AffectedNode]:
    """The roots (a lot stands for its serials) and everything made from them, at any depth."""
    cte, params = genealogy.nodes_cte("forward", roots)
    sql = (
        f"{cte} "
        "SELECT t.kind, t.id, l.product_id, l.number FROM trace_nodes t "
        "JOIN inventory_lot l ON l.id = t.id WHERE t.kind = %s "
        "UNION ALL "
        "SELECT t.kind, t.id, s.product_id, s.serial_number FROM trace_nodes t "
        "JOIN inventory_serial s ON s.id = t.id WHERE t.kind = %s"
    )
    with connection.cursor() as cur:
        cur.execute(sql, [*params, LOT, SERIAL])
        rows = cur.fetchall()
    return sorted(
        (AffectedNode(str(k), int(i), int(p), str(n)) for k, i, p, n in rows),
        key=lambda node: (node.kind, node.id),
    )


def depth_of(roots: Sequence[Node]) -> dict[Node, int]:
    """Each reached node's shortest distance from the roots (one query for the edges)."""
    edges = genealogy.edges_within("forward", roots)
    return genealogy.depths(roots, edges, "forward")


def write_items(
    recall_id: int, nodes: Sequence[AffectedNode], roots: Sequence[Node], held: RecalledStock
) -> None:
    """The recall's items: one bulk insert, then stock on hand by two ``UPDATE`` statements
    (a lot's own balances; a serial's unit wherever it is)."""
    depths = depth_of(roots)
    RecallItem.objects.bulk_create(
        [
            RecallItem(
                recall_id=recall_id,
                kind=n.kind,
                node_id=n.id,
                lot_id=n.id if n.kind == LOT else None,
                serial_id=n.id if n.kind == SERIAL else None,
                product_id=n.product_id,
                number=n.number[:64],
                previous_status=held.previous(n.kind, n.id),
                on_hand=Decimal(0),
                depth=depths.get((n.kind, n.id), 0),
            )
            for n in nodes
        ],
        batch_size=1000,
    )
    on_hand = (
        f"UPDATE {ITEMS} SET on_hand = COALESCE(("
        "SELECT SUM(b.quantity) FROM inventory_balance b WHERE {match}"
        "), 0) WHERE recall_id = %s AND kind = %s"
    )
    with connection.cursor() as cur:
        cur.execute(
            on_hand.format(match=f"b.lot_id = {ITEMS}.lot_id AND b.serial_id IS NULL"),
            [recall_id, LOT],
        )
        cur.execute(on_hand.format(match=f"b.serial_id = {ITEMS}.serial_id"), [recall_id, SERIAL])


_LINE_COLUMNS = (
    "recall_id, item_id, record_id, customer_id, consignee_code, consignee_name, "
    "consignee_address, consignee_contact, consignee_phone, consignee_email, product_id, "
    "product_code, product_name, specification, gtin, lot_number, serial_number, expiry_date, "
    "quantity, previously_returned, shipped_on, shipment_number, order_number, notified_at, "
    "notified_via, notified_by_id, notified_by_name, acknowledged_at, quantity_returned, "
    "quantity_accounted, disposition, notes, version"
)
# The consignee's contact as shipped when the record has one, else the partner's today; phone
# and e-mail are the partner's today (whom to call now).
_LINE_SELECT = (
    "SELECT i.recall_id, i.id, r.id, r.customer_id, r.customer_code, r.customer_name, "
    "r.customer_address, "
    "CASE WHEN r.customer_contact <> '' THEN r.customer_contact ELSE p.contact END, "
    "p.phone, p.email, r.product_id, r.product_code, r.product_name, r.specification, r.gtin, "
    "r.lot_number, r.serial_number, r.expiry_date, r.quantity, "
    "COALESCE((SELECT SUM(sr.quantity) FROM sales_salesreturn sr WHERE sr.record_id = r.id), 0), "
    "r.shipped_on, r.shipment_number, r.order_number, NULL, '', NULL, '', NULL, 0, 0, '', '', 1 "
    f"FROM {ITEMS} i "
    "JOIN sales_distributionrecord r ON {join} "
    "JOIN partners_partner p ON p.id = r.customer_id "
    "WHERE i.recall_id = %s AND i.kind = %s"
)


def write_lines(recall_id: int) -> None:
    """One line per distribution record reached, in two ``INSERT … SELECT`` statements."""
    branches = (
        (SERIAL, "r.serial_id = i.serial_id"),
        (LOT, "r.lot_id = i.lot_id AND r.serial_id IS NULL"),
    )
    with connection.cursor() as cur:
        for kind, join in branches:
            cur.execute(
                f"INSERT INTO {LINES} ({_LINE_COLUMNS}) {_LINE_SELECT.format(join=join)}",
                [recall_id, kind],
            )


@dataclass(frozen=True)
class Totals:
    affected_lots: int
    affected_serials: int
    on_hand: Decimal
    lines: int
    consignees: int
    shipped: Decimal


def totals(recall_id: int) -> Totals:
    """The header's counts: lots and serials reached, stock on hand, lines, consignees and the
    quantity shipped to them (three aggregate queries)."""
    kinds = dict(
        RecallItem.objects.filter(recall_id=recall_id)
        .order_by()
        .values("kind")
        .annotate(n=Count("id"))
        .values_list("kind", "n")
    )
    on_hand = RecallItem.objects.filter(recall_id=recall_id).aggregate(s=Sum("on_hand"))["s"]
    lines = RecallLine.objects.filter(recall_id=recall_id).aggregate(
        n=Count("id"), c=Count("customer_id", distinct=True), s=Sum("quantity")
    )
    return Totals(
        affected_lots=int(kinds.get(LOT, 0)),
        affected_serials=int(kinds.get(SERIAL, 0)),
        on_hand=on_hand or Decimal(0),
        lines=int(lines["n"] or 0),
        consignees=int(lines["c"] or 0),
        shipped=lines["s"] or Decimal(0),
    )
