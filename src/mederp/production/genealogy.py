"""Walking the genealogy in the database: recursive CTEs over :class:`GenealogyEdge` (TR-01).

A node is ``(kind, id)`` with kind ``lot`` or ``serial``. Forward from a node is everything made
from it, at any depth; backward is everything that went into it. One query per walk, on
PostgreSQL and SQLite alike, never a Python loop per level (invariant 10).

Cycle safety: the recursive term is joined with ``UNION`` (not ``UNION ALL``), so a node already
reached is not added again and the walk ends even on hand-made cyclic data. The services refuse
an edge that would close a cycle (:func:`would_close_cycle`), so cycles should never exist; the
walk stays finite if one does.

A lot as a starting point stands for the lot and every serial registered in it: a serial-tracked
component is issued serial by serial, and "trace lot L" means all of them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Literal

from django.db import connection

from mederp.production.models import LOT, SERIAL

Node = tuple[str, int]
Direction = Literal["forward", "backward"]

EDGES = "production_genealogyedge"

# Which end of an edge a walk enters by, and which it leaves by.
_ENDS: dict[str, tuple[str, str]] = {
    "forward": ("consumed", "produced"),
    "backward": ("produced", "consumed"),
}


def _anchor(roots: Sequence[Node]) -> tuple[str, list[Any]]:
    """The starting nodes as SQL: lots, their serials, and serials named directly."""
    lots = sorted({int(i) for k, i in roots if k == LOT})
    serials = sorted({int(i) for k, i in roots if k == SERIAL})
    parts: list[str] = []
    params: list[Any] = []
    if lots:
        marks = ", ".join(["%s"] * len(lots))
        parts.append(
            f"SELECT CAST('{LOT}' AS VARCHAR(8)), CAST(l.id AS BIGINT) "
            f"FROM inventory_lot l WHERE l.id IN ({marks})"
        )
        parts.append(
            f"SELECT CAST('{SERIAL}' AS VARCHAR(8)), CAST(s.id AS BIGINT) "
            f"FROM inventory_serial s WHERE s.lot_id IN ({marks})"
        )
        params += lots + lots
    if serials:
        marks = ", ".join(["%s"] * len(serials))
        parts.append(
            f"SELECT CAST('{SERIAL}' AS VARCHAR(8)), CAST(s.id AS BIGINT) "
            f"FROM inventory_serial s WHERE s.id IN ({marks})"
        )
        params += serials
    if not parts:
        # An empty walk: a typed anchor that yields no row.
        parts.append(
            f"SELECT CAST('{LOT}' AS VARCHAR(8)), CAST(0 AS BIGINT) FROM inventory_lot WHERE 1 = 0"
        )
    return " UNION ".join(parts), params


def nodes_cte(
    direction: Direction, roots: Sequence[Node], *, name: str = "trace_nodes"
) -> tuple[str, list[Any]]:
    """``WITH RECURSIVE <name>(kind, id) AS (...)``: the roots and every node reachable from
    them in ``direction``. Compose it with a ``SELECT`` that joins ``<name>`` to the records a
    report needs (distribution records, balances, receipts)."""
    enter, leave = _ENDS[direction]
    anchor, params = _anchor(roots)
    sql = (
        f"WITH RECURSIVE {name}(kind, id) AS ("
        f"{anchor} "
        "UNION "
        f"SELECT CAST(e.{leave}_kind AS VARCHAR(8)), CAST(e.{leave}_id AS BIGINT) "
        f"FROM {EDGES} e JOIN {name} t "
        f"ON e.{enter}_kind = t.kind AND e.{enter}_id = t.id"
        ")"
    )
    return sql, params


def reachable(direction: Direction, roots: Sequence[Node]) -> set[Node]:
    """The roots (lots expanded to their serials) and every node reachable from them."""
    cte, params = nodes_cte(direction, roots)
    with connection.cursor() as cur:
        cur.execute(f"{cte} SELECT kind, id FROM trace_nodes", params)
        return {(str(kind), int(node_id)) for kind, node_id in cur.fetchall()}


def descendants(roots: Sequence[Node]) -> set[Node]:
    """Everything made from the roots, at any depth (the roots included)."""
    return reachable("forward", roots)


def ancestors(roots: Sequence[Node]) -> set[Node]:
    """Everything that went into the roots, at any depth (the roots included)."""
    return reachable("backward", roots)


def edges_within(direction: Direction, roots: Sequence[Node]) -> list[dict[str, object]]:
    """The edges a walk crosses, for drawing the graph: each as a dict with the consumed and
    produced node, the work order and the quantity. One query."""
    enter, _leave = _ENDS[direction]
    cte, params = nodes_cte(direction, roots)
    sql = (
        f"{cte} SELECT e.id, e.consumed_kind, e.consumed_id, e.produced_kind, e.produced_id, "
        "e.work_order_id, e.quantity "
        f"FROM {EDGES} e JOIN trace_nodes t ON e.{enter}_kind = t.kind AND e.{enter}_id = t.id "
        "ORDER BY e.id"
    )
    with connection.cursor() as cur:
        cur.execute(sql, params)
        rows = cur.fetchall()
    return [
        {
            "id": row[0],
            "consumed": (str(row[1]), int(row[2])),
            "produced": (str(row[3]), int(row[4])),
            "work_order_id": row[5],
            "quantity": row[6],
        }
        for row in rows
    ]


def depths(
    roots: Iterable[Node], edges: Iterable[dict[str, object]], direction: Direction
) -> dict[Node, int]:
    """Shortest distance of each node from the roots over ``edges`` (breadth first, in memory
    over the rows :func:`edges_within` already fetched)."""
    enter, leave = _ENDS[direction]
    step: dict[Node, list[Node]] = {}
    for edge in edges:
        step.setdefault(edge[enter], []).append(edge[leave])  # type: ignore[arg-type]
    found = {node: 0 for node in roots}
    frontier = list(found)
    while frontier:
        following: list[Node] = []
        for node in frontier:
            for nxt in step.get(node, ()):
                if nxt not in found:
                    found[nxt] = found[node] + 1
                    following.append(nxt)
        frontier = following
    return found


def would_close_cycle(consumed: Node, produced: Node) -> bool:
    """Whether an edge ``consumed → produced`` would make a node its own ancestor: true when
    ``consumed`` is ``produced`` or already descends from it (a serial of the produced lot
    counts as the lot)."""
    if consumed == produced:
        return True
    cte, params = nodes_cte("forward", [produced])
    with connection.cursor() as cur:
        cur.execute(
            f"{cte} SELECT 1 FROM trace_nodes WHERE kind = %s AND id = %s",
            [*params, consumed[0], int(consumed[1])],
        )
        return cur.fetchone() is not None
