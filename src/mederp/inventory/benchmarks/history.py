"""A realistic ledger history for ``mederp bench ledger``, bulk-loaded with plain SQL.

The service layer writes a few hundred moves a second; a million-move history is loaded with
``INSERT ... SELECT FROM generate_series`` instead, as rows the services would have written:
each lot is received from the supplier into quarantine, put away into storage, then shipped to
customers, and the balances equal the sum of its moves (``reconcile`` holds).

Two kinds of lots, as in a distributor's steady state:

- **in stock**: per product, ``in_stock`` released lots in storage with later expiry dates and
  part of each shipped (6 moves each), and one lot still in quarantine (1 move);
- **depleted**: older lots received, put away and fully shipped (20 moves each; both their
  balances are 0).

Growing the history adds only depleted lots, so stock on hand stays the same while the ledger
grows: the FEFO and allocation figures at 100,000 and 1,000,000 moves then differ only by what
the size of the ledger costs, which is the point of comparing them.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import connection, transaction

#: Depleted lot: received and put away at 900, then 18 shipments of 50.
DEPLETED_SHIPMENTS = 18
DEPLETED_MOVES = 2 + DEPLETED_SHIPMENTS
#: In-stock lot: received and put away at 1000, then 4 shipments of 50 (800 left).
IN_STOCK_SHIPMENTS = 4
LOTS_PER_STATEMENT = 10_000

ACTOR = "'system', NULL, 'bench history', ''"
MOVE_COLUMNS = (
    "product_id, lot_id, serial_id, quantity, from_location_id, to_location_id, document_type, "
    "document_id, document_line, reverses_id, reason, occurred_at, actor_kind, actor_id, "
    "actor_name, request_id"
)
BALANCE_COLUMNS = (
    "product_id, lot_id, serial_id, lot_key, serial_key, location_id, expiry_date, quantity, "
    "reserved, version"
)

# One statement per batch of lots: the lots, their moves and their balances (%% is a literal %).
# Step 0 is the receipt, step 1 the putaway, steps 2.. the shipments.
_LOTS_WITH_MOVES = f"""
WITH lots AS (
    INSERT INTO inventory_lot (product_id, number, manufacture_date, expiry_date, status,
                               created_at, version)
    SELECT (%(products)s::bigint[])[1 + g %% cardinality(%(products)s::bigint[])],
           %(prefix)s || g,
           %(today)s::date - %(made_days)s - (g %% 97)::int,
           %(today)s::date + %(expiry_days)s + (g / cardinality(%(products)s::bigint[]))::int * 30,
           %(status)s, now() - interval '1 day' * %(made_days)s, 1
    FROM generate_series(%(first)s, %(last)s) AS g
    RETURNING id, product_id, number, expiry_date
), moves AS (
    INSERT INTO inventory_move ({MOVE_COLUMNS})
    SELECT lots.product_id, lots.id, NULL,
           CASE WHEN s < 2 THEN %(received)s ELSE 50 END,
           CASE s WHEN 0 THEN %(supplier)s WHEN 1 THEN %(quarantine)s ELSE %(storage)s END,
           CASE s WHEN 0 THEN %(quarantine)s WHEN 1 THEN %(storage)s ELSE %(customer)s END,
           CASE s WHEN 0 THEN 'procurement.receipt' WHEN 1 THEN 'inventory.transfer'
                  ELSE 'sales.shipment' END,
           'H-' || lots.id || '-' || s, '1', NULL, '',
           now() - interval '1 minute' * (%(made_days)s * 1440 - s * 600),
           {ACTOR}
    FROM lots CROSS JOIN generate_series(0, %(steps)s - 1) AS s
    RETURNING 1
), balances AS (
    INSERT INTO inventory_balance ({BALANCE_COLUMNS})
    SELECT lots.product_id, lots.id, NULL, lots.id, 0, place.location_id, lots.expiry_date,
           place.quantity, 0, 1
    FROM lots CROSS JOIN (VALUES (%(quarantine)s::bigint, %(left_in_quarantine)s::numeric),
                                 (%(storage)s::bigint, %(left_in_storage)s::numeric))
                         AS place (location_id, quantity)
    WHERE %(steps)s > 1 OR place.location_id = %(quarantine)s
    RETURNING 1
)
SELECT (SELECT count(*) FROM moves)
"""


def _load(params: dict[str, Any], lots: int, start: int) -> int:
    moved = 0
    for first in range(start, start + lots, LOTS_PER_STATEMENT):
        last = min(first + LOTS_PER_STATEMENT, start + lots) - 1
        with transaction.atomic(), connection.cursor() as cur:
            cur.execute(_LOTS_WITH_MOVES, {**params, "first": first, "last": last})
            moved += int(cur.fetchone()[0])
    return moved


def _places(ids: dict[str, Any]) -> dict[str, Any]:
    return {key: ids[key] for key in ("supplier", "quarantine", "storage", "customer")}


def load_stock_on_hand(ids: dict[str, Any], in_stock: int, today: dt.date) -> int:
    """Per history product: ``in_stock`` released lots in storage and one lot in quarantine.
    Returns the moves written."""
    products = ids["history_products"]
    steps = 2 + IN_STOCK_SHIPMENTS
    common = {**_places(ids), "products": products, "today": today, "received": 1000}
    moved = _load(
        {
            **common,
            "prefix": "S",
            "made_days": 120,
            "expiry_days": 60,
            "status": "released",
            "steps": steps,
            "left_in_quarantine": 0,
            "left_in_storage": 1000 - 50 * IN_STOCK_SHIPMENTS,
        },
        lots=in_stock * len(products),
        start=0,
    )
    moved += _load(
        {
            **common,
            "prefix": "Q",
            "made_days": 10,
            "expiry_days": 700,
            "status": "quarantine",
            "steps": 1,
            "left_in_quarantine": 1000,
            "left_in_storage": 0,
        },
        lots=len(products),
        start=0,
    )
    return moved


def grow_to(ids: dict[str, Any], moves: int, today: dt.date) -> int:
    """Add depleted lots until the ledger holds at least ``moves`` moves; returns the count."""
    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM inventory_move")
        now_moves = int(cur.fetchone()[0])
        cur.execute("SELECT count(*) FROM inventory_lot WHERE number LIKE 'H%%'")
        start = int(cur.fetchone()[0])
    missing = max(0, moves - now_moves)
    lots = -(-missing // DEPLETED_MOVES)
    if lots:
        _load(
            {
                **_places(ids),
                "products": ids["history_products"],
                "today": today,
                "received": 50 * DEPLETED_SHIPMENTS,
                "prefix": "H",
                "made_days": 1500,
                # Old lots: most have expired by now, as in a real ledger.
                "expiry_days": -900,
                "status": "released",
                "steps": DEPLETED_MOVES,
                "left_in_quarantine": 0,
                "left_in_storage": 0,
            },
            lots=lots,
            start=start,
        )
    with connection.cursor() as cur:
        # What autovacuum would have done after a load like this.
        cur.execute("ANALYZE inventory_move, inventory_lot, inventory_balance")
        cur.execute("SELECT count(*) FROM inventory_move")
        return int(cur.fetchone()[0])
