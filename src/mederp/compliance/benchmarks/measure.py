"""What ``bench trace`` times, and the references it times them against.

- the traceability reports, ``compliance.trace.trace_forward`` / ``trace_backward`` (every
  reached lot, edge, distribution record, receipt and on-hand balance), one root lot each;
- their floor, the bare recursive walk ``production.genealogy.reachable`` for the same lot;
- the recall drill, ``compliance.services.recalls.drill_recall`` (the hold of every affected
  lot and the consignee list, in a transaction rolled back);
- its floor, one SQL statement: the same walk joined to the distribution records it reaches
  (what a recall list must read at least).

A report that does not exist yet in this tree is reported as ``None`` with a note, so the
benchmark runs while the apps it measures are being written.
"""

from __future__ import annotations

import importlib
import math
import time
from collections.abc import Callable, Sequence
from typing import Any

from django.db import connection

from mederp.production import genealogy
from mederp.production.models import LOT

Node = tuple[str, int]
#: Untimed calls before each series (plans cached, pages in memory, as in a running system).
WARM_UP = 3


def percentile(values: Sequence[float], p: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[max(0, math.ceil(p * len(ordered)) - 1)], 3)


def _optional(module: str, name: str) -> Callable[..., Any] | None:
    try:
        found: Callable[..., Any] = getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError):
        return None
    return found


def trace_function(direction: str) -> Callable[..., Any] | None:
    """``compliance.trace.trace_forward`` or ``trace_backward``, if this tree has them."""
    return _optional("mederp.compliance.trace", f"trace_{direction}")


def drill_function() -> Callable[..., Any] | None:
    """``compliance.services.recalls.drill_recall``, if this tree has it."""
    return _optional("mederp.compliance.services.recalls", "drill_recall")


def latencies_ms(call: Callable[[list[Node]], Any], lots: Sequence[int]) -> list[float]:
    """Milliseconds of ``call([("lot", id)])`` for each lot, after a short warm-up."""
    for lot in lots[:WARM_UP]:
        call([(LOT, lot)])
    timings = []
    for lot in lots:
        started = time.perf_counter()
        call([(LOT, lot)])
        timings.append((time.perf_counter() - started) * 1000)
    return timings


def walk(direction: str) -> Callable[[list[Node]], Any]:
    return lambda roots: genealogy.reachable(direction, roots)  # type: ignore[arg-type]


def series(call: Callable[[list[Node]], Any] | None, lots: Sequence[int]) -> dict[str, Any]:
    if call is None:
        return {"p50_ms": None, "p95_ms": None}
    timings = latencies_ms(call, lots)
    return {"p50_ms": percentile(timings, 0.50), "p95_ms": percentile(timings, 0.95)}


def recall_list(lot: int) -> tuple[int, int]:
    """The floor of a recall list: (distribution records, consignees) reached forward from
    ``lot``, in one statement (a record of a serial matches the serial node, one without a
    serial the lot node)."""
    cte, params = genealogy.nodes_cte("forward", [(LOT, lot)])
    sql = (
        f"{cte} SELECT count(*), count(DISTINCT customer_id) FROM ("
        "SELECT r.customer_id FROM trace_nodes t JOIN sales_distributionrecord r "
        "ON t.kind = 'lot' AND r.lot_id = t.id WHERE r.serial_id IS NULL "
        "UNION ALL "
        "SELECT r.customer_id FROM trace_nodes t JOIN sales_distributionrecord r "
        "ON t.kind = 'serial' AND r.serial_id = t.id) AS reached"
    )
    arguments: list[Any] = list(params)
    with connection.cursor() as cur:
        cur.execute(sql, arguments)
        lines, consignees = cur.fetchone()
    return int(lines), int(consignees)


def timed(call: Callable[[], Any], repeats: int) -> tuple[float, Any]:
    """The median wall time in seconds of ``repeats`` calls, and the last call's result."""
    seconds, result = [], None
    for _ in range(repeats):
        started = time.perf_counter()
        result = call()
        seconds.append(time.perf_counter() - started)
    return round(sorted(seconds)[len(seconds) // 2], 4), result


def report_sizes(report: Callable[[list[Node]], Any], lot: int) -> dict[str, int]:
    """How many rows each list of one report holds: proof that the timed reports found the
    plant (a report that found nothing would be fast for nothing)."""
    data = report([(LOT, lot)]).as_dict()
    return {key: len(value) for key, value in data.items() if isinstance(value, list)}


def statements(call: Callable[[], Any]) -> dict[str, Any]:
    """The SQL statements one call runs: how many, their total time and the slowest three
    (where the time goes, for whoever tunes it). A statement is shown by its head and tail:
    the tail names what a genealogy CTE is joined to."""
    timed: list[tuple[float, str]] = []

    def clock_it(execute: Callable[..., Any], sql: str, *args: Any) -> Any:
        started = time.perf_counter()
        try:
            return execute(sql, *args)
        finally:
            timed.append(((time.perf_counter() - started) * 1000, sql))

    with connection.execute_wrapper(clock_it):
        call()
    timed.sort(key=lambda item: item[0], reverse=True)
    return {
        "count": len(timed),
        "total_ms": round(sum(ms for ms, _sql in timed), 3),
        "slowest": [{"ms": round(ms, 3), "sql": _shown(sql)} for ms, sql in timed[:3]],
    }


def _shown(sql: str) -> str:
    flat = " ".join(sql.split())
    return flat if len(flat) <= 200 else f"{flat[:60]} ... {flat[-140:]}"
