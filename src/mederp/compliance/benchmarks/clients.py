"""What the ``bench trace`` process does (``COMMANDS``, run by core's benchmark workers).

One spawned process whose default database is the scratch database: it builds the plant
(:mod:`.plant`, :mod:`.volume`) and times the traces and recalls (:mod:`.measure`). The
command that started it only orchestrates and prints.
"""

from __future__ import annotations

import random
import time
from functools import partial
from typing import Any

from mederp.core.benchmarks import workers


def database(number: int) -> str:
    return workers.database_version()


def plant(number: int, counts: dict[str, int]) -> dict[str, Any]:
    from mederp.compliance.benchmarks import plant as master_data

    started = time.perf_counter()
    built = master_data.build(counts)
    return {"plant": built.as_dict(), "seconds": round(time.perf_counter() - started, 3)}


def volume(
    number: int, plant_ids: dict[str, Any], scale: float, seed: int, samples: int
) -> dict[str, Any]:
    """Bulk-load the documents; the lots to measure: the hot and a typical component lot,
    ``samples`` random component lots (forward) and finished lots (backward)."""
    from mederp.compliance.benchmarks import volume as documents
    from mederp.compliance.benchmarks.plant import Plant

    started = time.perf_counter()
    built = documents.build(Plant.from_dict(plant_ids), scale, seed)
    seconds = time.perf_counter() - started
    rng = random.Random(seed + 1)  # noqa: S311 - a reproducible sample
    return {
        "seconds": round(seconds, 3),
        "hot_lot": built.hot_lot,
        "typical_lot": built.typical_lot,
        "forward_lots": rng.choices(built.component_lots, k=samples),
        "backward_lots": rng.choices(built.finished_lots, k=samples),
        "counts": built.counts,
        "moves": documents.move_count(),
    }


def traces(number: int, lots: dict[str, Any]) -> dict[str, Any]:
    """p50/p95 of the reports and of the bare walk, forward and backward."""
    from mederp.compliance.benchmarks import measure
    from mederp.production.models import LOT

    found: dict[str, Any] = {}
    for direction in ("forward", "backward"):
        sample = lots[f"{direction}_lots"]
        report = measure.trace_function(direction)
        found[direction] = measure.series(report, sample)
        found[f"{direction}_walk"] = measure.series(measure.walk(direction), sample)
        if report is not None:
            found[direction]["reached"] = measure.report_sizes(report, sample[0])
            found[direction]["statements"] = measure.statements(partial(report, [(LOT, sample[0])]))
    return found


def recalls(number: int, qa: int, lots: dict[str, Any], repeats: int) -> dict[str, Any]:
    """The recall drill (hold + list, rolled back) and its floor, for the typical and the hot
    lot; median of ``repeats`` runs each."""
    from mederp.compliance.benchmarks import measure
    from mederp.core.actors import Actor
    from mederp.identity.models import User
    from mederp.production.models import LOT

    drill = measure.drill_function()
    actor = Actor.for_user(User.objects.get(pk=qa))
    found: dict[str, Any] = {}
    for name in ("typical", "hot"):
        roots = [(LOT, lots[f"{name}_lot"])]
        list_s, (lines, consignees) = measure.timed(
            partial(measure.recall_list, roots[0][1]), repeats
        )
        found[name] = {"list_s": list_s, "list_lines": lines, "list_consignees": consignees}
        if drill is not None:
            run = partial(drill, actor, roots, classification="II")
            seconds, result = measure.timed(run, repeats)
            found[name].update(
                {
                    "seconds": seconds,
                    "drill_seconds": round(float(result.seconds), 4),
                    "affected": int(result.affected),
                    "lines": int(result.lines),
                    "consignees": int(result.consignees),
                    "statements": measure.statements(run),
                }
            )
    return found


def reconcile(number: int) -> dict[str, Any]:
    from mederp.inventory.reconcile import reconcile as differences

    started = time.perf_counter()
    found = differences()
    return {"differences": len(found), "seconds": round(time.perf_counter() - started, 3)}


COMMANDS = {
    "database": database,
    "plant": plant,
    "volume": volume,
    "traces": traces,
    "recalls": recalls,
    "reconcile": reconcile,
}
