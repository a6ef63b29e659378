"""``mederp bench trace``: forward and backward traces and recalls on a synthetic plant (issue 5).

In a scratch database (PostgreSQL or SQLite), one spawned process (core.benchmarks.workers):

1. builds the plant: master data through the real services and signatures (:mod:`.plant`),
   then, at ``--scale`` 1, 5,000 received component lots, 2,000 work orders (five component
   lots in, one finished lot out), 20,000 shipments and one hot component lot consumed by 2 %
   of the work orders, bulk-loaded as the rows the services write (:mod:`.volume`);
2. times the traceability reports, ``compliance.trace.trace_forward`` from ``--samples``
   random component lots and ``trace_backward`` from as many random finished lots (p50, p95),
   against the bare recursive walk ``production.genealogy.reachable`` of the same lots (the
   raw SQL floor);
3. times the full recall drill, ``compliance.services.recalls.drill_recall`` (hold + list,
   rolled back), for a typical component lot and for the hot lot, against the floor of a
   recall list (the walk joined to the distribution records, one statement);
4. checks that the balances equal the moves (``inventory.reconcile``).

Targets (issue 5) hold on PostgreSQL at scale 50 (about 2 million moves).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from mederp.core.benchmarks import scratch
from mederp.core.benchmarks.workers import Worker, load_average

COMMANDS = "mederp.compliance.benchmarks.clients"
TARGETS = {"forward_p95_ms": 10.0, "backward_p95_ms": 10.0, "recall_s": 0.5, "hot_recall_s": 2.0}
FULL = {"scale": 1.0, "samples": 100, "repeats": 3}
QUICK = {"scale": 0.05, "samples": 30, "repeats": 1}
#: Master data at scale 1; it does not grow with the scale (the documents do).
MASTER_DATA = {"finished": 10, "suppliers": 20, "customers": 200}
#: The smallest plant a tiny scale still makes.
MASTER_DATA_MIN = {"finished": 2, "suppliers": 2, "customers": 10}


def add_arguments(parser: Any) -> None:
    parser.add_argument("--json", action="store_true", help="one compact JSON line on stdout")
    parser.add_argument("--quick", action="store_true", help="a run of under a minute")
    parser.add_argument(
        "--database-url",
        help="server on which to create the scratch database (default: DATABASE_URL; "
        "sqlite:///... for SQLite)",
    )
    parser.add_argument(
        "--scale", type=float, help="1 = 5,000 lots, 2,000 work orders, 20,000 shipments"
    )
    parser.add_argument("--samples", type=int, help="lots traced in each direction")
    parser.add_argument("--repeats", type=int, help="runs of each recall drill (median)")
    parser.add_argument("--seed", type=int, default=5, help="seed of the random plant")


def _settings(options: dict[str, Any]) -> dict[str, Any]:
    base: dict[str, Any] = QUICK if options.get("quick") else FULL
    chosen = {key: options.get(key) or value for key, value in base.items()}
    if chosen["scale"] <= 0 or chosen["samples"] < 1 or chosen["repeats"] < 1:
        raise ValueError("--scale, --samples and --repeats must be positive")
    small = min(1.0, float(chosen["scale"]))
    chosen["master_data"] = {
        key: max(MASTER_DATA_MIN[key], round(value * small)) for key, value in MASTER_DATA.items()
    }
    chosen["seed"] = int(options.get("seed") or 5)
    chosen["quick"] = bool(options.get("quick"))
    return chosen


def run(options: dict[str, Any], progress: Callable[[str], None] = lambda _: None) -> dict:
    s = _settings(options)
    server = options.get("database_url") or scratch.configured_url()
    load_before = load_average()
    notes: list[str] = []
    with scratch.scratch_database(server) as url:
        progress("scratch database ready; building the plant's master data (signed)")
        worker = Worker(url, 0, COMMANDS)
        try:
            database = worker.call("database")
            started = time.perf_counter()
            plant = worker.call("plant", s["master_data"])
            progress(f"master data in {plant['seconds']} s; bulk-loading scale {s['scale']}")
            built = worker.call(
                "volume", plant["plant"], float(s["scale"]), s["seed"], s["samples"]
            )
            build_s = time.perf_counter() - started
            progress(f"{built['moves']:,} moves in {build_s:.1f} s: {built['counts']}")
            traces = worker.call("traces", built)
            progress(f"traces: {traces}")
            recalls = worker.call("recalls", plant["plant"]["qa"], built, s["repeats"])
            progress(f"recalls: {recalls}")
            books = worker.call("reconcile")
            progress(f"reconcile: {books}")
        finally:
            worker.stop()
    if traces["forward"]["p95_ms"] is None:
        notes.append("compliance.trace.trace_forward/trace_backward not in this tree: null")
    if "seconds" not in recalls["typical"]:
        notes.append("compliance.services.recalls.drill_recall not in this tree: null")
    result = _result(s, database, built, build_s, plant["seconds"], traces, recalls)
    result["reconcile_differences"] = books["differences"]
    result["reconcile_s"] = books["seconds"]
    result["notes"] = notes
    result["machine"] = {
        **scratch.machine(database),
        # Other work on the shared machine moves these figures: report how busy it was.
        "load_average_before": load_before,
        "load_average_after": load_average(),
    }
    return result


def _result(
    s: dict[str, Any],
    database: str,
    built: dict[str, Any],
    build_s: float,
    plant_s: float,
    traces: dict[str, Any],
    recalls: dict[str, Any],
) -> dict[str, Any]:
    typical, hot = recalls["typical"], recalls["hot"]
    result: dict[str, Any] = {
        "benchmark": "trace",
        "quick": s["quick"],
        "database": database,
        "scale": s["scale"],
        "moves": built["moves"],
        "build_s": round(build_s, 3),
        "forward_p50_ms": traces["forward"]["p50_ms"],
        "forward_p95_ms": traces["forward"]["p95_ms"],
        "backward_p50_ms": traces["backward"]["p50_ms"],
        "backward_p95_ms": traces["backward"]["p95_ms"],
        "recall_s": typical.get("seconds"),
        "hot_recall_s": hot.get("seconds"),
        "hot_recall_lines": hot.get("lines", hot["list_lines"]),
        "recall_lines": typical.get("lines", typical["list_lines"]),
        "recall_affected": typical.get("affected"),
        "hot_recall_affected": hot.get("affected"),
        "hot_recall_consignees": hot.get("consignees", hot["list_consignees"]),
        "build": {
            "master_data_s": plant_s,
            "bulk_s": built["seconds"],
            "master_data": s["master_data"],
            **built["counts"],
        },
        "samples": s["samples"],
        "reference": {
            "forward_walk_p50_ms": traces["forward_walk"]["p50_ms"],
            "forward_walk_p95_ms": traces["forward_walk"]["p95_ms"],
            "backward_walk_p50_ms": traces["backward_walk"]["p50_ms"],
            "backward_walk_p95_ms": traces["backward_walk"]["p95_ms"],
            "recall_list_s": typical["list_s"],
            "hot_recall_list_s": hot["list_s"],
            "recall_drill_s": typical.get("drill_seconds"),
            "hot_recall_drill_s": hot.get("drill_seconds"),
        },
    }
    # Where the time goes, for whoever tunes the reports: one call's statements, and what the
    # first sampled lot's reports held (proof they found the plant).
    result["profile"] = {
        "forward": traces["forward"].get("statements"),
        "backward": traces["backward"].get("statements"),
        "recall": typical.get("statements"),
        "hot_recall": hot.get("statements"),
        "forward_reached": traces["forward"].get("reached"),
        "backward_reached": traces["backward"].get("reached"),
    }
    reference = result["reference"]
    result["ratios"] = {
        "forward_p95_over_walk": _ratio(result["forward_p95_ms"], reference["forward_walk_p95_ms"]),
        "backward_p95_over_walk": _ratio(
            result["backward_p95_ms"], reference["backward_walk_p95_ms"]
        ),
        "recall_over_list": _ratio(result["recall_s"], reference["recall_list_s"]),
        "hot_recall_over_list": _ratio(result["hot_recall_s"], reference["hot_recall_list_s"]),
    }
    result["targets"] = {
        key: {"max": limit, "met": None if result[key] is None else result[key] < limit}
        for key, limit in TARGETS.items()
    }
    return result


def _ratio(value: float | None, floor: float | None) -> float | None:
    if value is None or not floor:
        return None
    return round(value / floor, 2)
