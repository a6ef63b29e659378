"""Compliance's benchmarks, found by ``mederp bench`` (core.benchmarks.registered)."""

BENCHMARKS = {"trace": "mederp.compliance.benchmarks.trace"}
