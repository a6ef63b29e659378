"""``mederp bench ledger``: receipts/s against the raw floor; FEFO and allocation as it grows.

All on PostgreSQL, in a scratch database, with real client *processes* (core.benchmarks.workers):

1. master data (one warehouse, lot-tracked products; people, a qualified supplier and customer,
   approved products and purchase orders through the real signed workflows,
   :mod:`.documents`), then stock on hand for the history products and a ledger history of
   ``--sizes[0]`` moves bulk-loaded with plain SQL (:mod:`.history`);
2. receipts, for each client count, each client for ``--seconds``: the raw floor (a receipt's
   rows in one plain SQL statement, one commit each, :mod:`.floor`), then GSP receipts through
   ``procurement.record_receipt`` (one lot-tracked line, one transaction: ``receipts_per_s``),
   then the ledger's part alone, ``inventory.receive_into_quarantine``
   (``ledger_receipts_per_s``);
3. at each size in ``--sizes`` (the history grown to it in between): GSP receipts per second at
   the highest client count, sales allocation latency (``sales.allocate_order``) and FEFO
   query latency (``inventory.selectors.available_lots_fefo``);
4. the FEFO figures at the largest size are the headline ``fefo_query_p50_ms``/``p95_ms``.
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Callable
from typing import Any

from mederp.core.benchmarks import scratch
from mederp.core.benchmarks.workers import Worker, gather, load_average

COMMANDS = "mederp.inventory.benchmarks.clients"
TARGETS = {
    "receipts_per_s": 1000.0,
    "receipts_over_raw": 0.40,
    "fefo_query_p95_ms": 10.0,
    # "within 20% of each other": the smaller figure is at least 80% of the larger.
    "flat_with_size": 0.80,
}
FULL = {
    "sizes": "100000,1000000",
    "seconds": 15.0,
    "products": 1000,
    "receipt_products": 20,
    "in_stock": 8,
    "queries": 1000,
    "allocations": 500,
    "sold": 20,
}
QUICK = {
    "sizes": "5000,20000",
    "seconds": 3.0,
    "products": 50,
    "receipt_products": 10,
    "in_stock": 4,
    "queries": 200,
    "allocations": 50,
    "sold": 4,
}


def add_arguments(parser: Any) -> None:
    parser.add_argument("--json", action="store_true", help="one compact JSON line on stdout")
    parser.add_argument("--quick", action="store_true", help="a run of under a minute")
    parser.add_argument(
        "--database-url",
        help="PostgreSQL server on which to create the scratch database (default: DATABASE_URL)",
    )
    parser.add_argument("--clients", default="1,8", help="client process counts, e.g. 1,8")
    parser.add_argument("--seconds", type=float, help="duration of each receipt phase")
    parser.add_argument("--sizes", help="ledger sizes in moves, e.g. 100000,1000000")
    parser.add_argument("--products", type=int, help="products with stock and history")
    parser.add_argument("--receipt-products", type=int, help="products received in the phases")
    parser.add_argument("--in-stock", type=int, help="released lots in stock per product")
    parser.add_argument("--queries", type=int, help="FEFO queries timed per size")
    parser.add_argument("--allocations", type=int, help="allocations timed per size")
    parser.add_argument("--sold", type=int, help="products approved for sale (allocations)")


def _settings(options: dict[str, Any]) -> dict[str, Any]:
    base: dict[str, Any] = QUICK if options.get("quick") else FULL
    chosen: dict[str, Any] = {key: options.get(key) or value for key, value in base.items()}
    chosen["clients"] = sorted({int(c) for c in str(options.get("clients") or "1,8").split(",")})
    chosen["sizes"] = sorted({int(s) for s in str(chosen["sizes"]).split(",") if s})
    if chosen["clients"][0] < 1 or not chosen["sizes"] or chosen["sizes"][0] < 1:
        raise ValueError("--clients and --sizes need positive numbers, e.g. 1,8 and 1000,10000")
    return chosen


def run(options: dict[str, Any], progress: Callable[[str], None] = lambda _: None) -> dict:
    s = _settings(options)
    server = options.get("database_url") or scratch.configured_url()
    if scratch.is_sqlite(server):
        raise ValueError(
            "bench ledger measures concurrent writers on PostgreSQL; "
            "give --database-url postgres://..."
        )
    top = s["clients"][-1]
    result: dict[str, Any] = {
        "benchmark": "ledger",
        "quick": bool(options.get("quick")),
        "seconds_per_phase": float(s["seconds"]),
        "clients": {},
    }
    load_before = load_average()
    with scratch.scratch_database(server) as url:
        progress(f"scratch database ready; starting {top} client processes")
        clients = [Worker(url, i, COMMANDS) for i in range(top)]
        main = clients[0]
        try:
            ids = main.call("prepare", s["products"], s["receipt_products"])
            progress("approving partners, products and purchase orders (signed)")
            documents = main.call("prepare_documents", ids, top, s["sold"])
            assert not set(documents) & set(ids), "a document id would shadow a place"
            ids.update(documents)
            database = main.call("database")
            on_hand = main.call("stock_on_hand", ids, s["in_stock"])
            progress(f"stock on hand: {on_hand:,} moves for {s['products']} products")
            by_size: dict[str, Any] = {}
            for i, size in enumerate(s["sizes"]):
                grown = main.call("grow", ids, size)
                progress(f"history grown to {grown['moves']:,} moves in {grown['seconds']} s")
                if i == 0:  # the receipt phases run on the first size
                    for n in s["clients"]:
                        result["clients"][str(n)] = _receipts(clients[:n], ids, s, progress)
                    receipts = result["clients"][str(top)]["receipts_per_s"]
                else:
                    phase = _phase(clients, "receipts", ids, f"S{i}-", s["seconds"])
                    receipts = round(phase["per_s"], 1)
                    progress(f"{top} client(s) at {grown['moves']:,} moves: {receipts}/s")
                by_size[str(size)] = {
                    "receipts_per_s": receipts,
                    **_reads(main, ids, s, seed=i),
                    "moves_at_start": grown["moves"],
                }
                progress(f"at {size:,} moves: {by_size[str(size)]}")
            result["moves"] = main.call("move_count")
            last = by_size[str(s["sizes"][-1])]
            result["fefo_query_p50_ms"] = last["fefo_query_p50_ms"]
            result["fefo_query_p95_ms"] = last["fefo_query_p95_ms"]
            result["by_size"] = by_size
            plan = main.call("explain_fefo", ids)
            progress("FEFO balance read:\n" + plan)
            result["fefo_plan"] = _plan_summary(plan)
            result["reconcile_differences"] = main.call("reconcile")
        finally:
            for worker in clients:
                worker.stop()
    result["targets"] = _targets(result, top, s["sizes"])
    result["machine"] = {
        **scratch.machine(database),
        # Other work on the shared machine moves these figures: report how busy it was.
        "load_average_before": load_before,
        "load_average_after": load_average(),
    }
    return result


def _receipts(
    clients: list[Worker], ids: dict[str, Any], s: dict[str, Any], progress: Callable[[str], None]
) -> dict[str, Any]:
    n = len(clients)
    raw = _phase(clients, "raw_receipts", ids, f"R{n}-", s["seconds"])
    progress(f"{n} client(s): raw floor {raw['per_s']:.0f} receipts/s")
    service = _phase(clients, "receipts", ids, f"C{n}-", s["seconds"])
    progress(f"{n} client(s): GSP receipts {service['per_s']:.0f}/s")
    ledger = _phase(clients, "ledger_receipts", ids, f"L{n}-", s["seconds"])
    progress(f"{n} client(s): ledger receipts alone {ledger['per_s']:.0f}/s")
    return {
        "receipts_per_s": round(service["per_s"], 1),
        "raw_per_s": round(raw["per_s"], 1),
        "ledger_receipts_per_s": round(ledger["per_s"], 1),
        "receipts": service["writes"],
        "raw_receipts": raw["writes"],
        "ledger_receipts": ledger["writes"],
    }


def _phase(
    clients: list[Worker], mode: str, ids: dict[str, Any], tag: str, seconds: float
) -> dict[str, Any]:
    start_at = time.time() + 0.5  # every process gets its order before the common start
    counts = gather([w.send(mode, ids, tag, start_at, seconds) for w in clients])
    return {
        "writes": sum(c["writes"] for c in counts),
        "per_s": sum(c["writes"] / c["elapsed"] for c in counts),
    }


def _reads(main: Worker, ids: dict[str, Any], s: dict[str, Any], seed: int) -> dict[str, Any]:
    allocations = main.call("allocate", ids, s["allocations"], seed)
    queries = main.call("fefo", ids, s["queries"], seed)
    return {
        "allocate_p50_ms": _percentile(allocations, 0.50),
        "allocate_p95_ms": _percentile(allocations, 0.95),
        "fefo_query_p50_ms": _percentile(queries, 0.50),
        "fefo_query_p95_ms": _percentile(queries, 0.95),
    }


def _percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return round(ordered[max(0, math.ceil(p * len(ordered)) - 1)], 3)


def _plan_summary(plan: str) -> dict[str, Any]:
    """The indexes the FEFO balance read used and whether it scanned a whole table."""
    return {
        "indexes": sorted(set(re.findall(r"Index (?:Only )?Scan (?:using|on) (\w+)", plan))),
        "seq_scans": sorted(set(re.findall(r"Seq Scan on (\w+)", plan))),
        "execution_ms": _execution_ms(plan),
    }


def _execution_ms(plan: str) -> float | None:
    found = re.search(r"Execution Time: ([\d.]+) ms", plan)
    return float(found.group(1)) if found else None


def _met(value: float, minimum: float) -> dict[str, Any]:
    return {"min": minimum, "met": value >= minimum}


def _targets(result: dict[str, Any], top: int, sizes: list[int]) -> dict[str, Any]:
    at_top = result["clients"][str(top)]
    ratio = at_top["receipts_per_s"] / max(at_top["raw_per_s"], 1e-9)
    result[f"receipts_over_raw_{top}"] = round(ratio, 3)
    targets = {
        f"receipts_per_s_{top}": _met(at_top["receipts_per_s"], TARGETS["receipts_per_s"]),
        f"receipts_over_raw_{top}": _met(ratio, TARGETS["receipts_over_raw"]),
        "fefo_query_p95_ms": {
            "max": TARGETS["fefo_query_p95_ms"],
            "met": result["fefo_query_p95_ms"] < TARGETS["fefo_query_p95_ms"],
        },
    }
    if len(sizes) > 1:
        small, large = (result["by_size"][str(n)] for n in (sizes[0], sizes[-1]))
        for key in ("receipts_per_s", "allocate_p95_ms"):
            a, b = small[key], large[key]
            flat = min(a, b) / max(a, b, 1e-9)
            result[f"{key}_flat_{sizes[0]}_{sizes[-1]}"] = round(flat, 3)
            targets[f"{key}_flat"] = _met(flat, TARGETS["flat_with_size"])
    return targets
