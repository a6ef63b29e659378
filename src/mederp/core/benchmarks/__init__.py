"""Benchmarks run by ``mederp bench NAME`` (DESIGN.md "Benchmarks").

Each benchmark module exposes ``add_arguments(parser)`` and ``run(options) -> dict``; the dict is
printed as the one JSON object on stdout. Data lives in a scratch database made by
:mod:`mederp.core.benchmarks.scratch`, never in the user's.
"""

from __future__ import annotations

BENCHMARKS = {"audit": "mederp.core.benchmarks.audit"}
