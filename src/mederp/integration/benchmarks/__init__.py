"""Integration's benchmarks, found by ``mederp bench`` (core.benchmarks.registered)."""

BENCHMARKS = {"relay": "mederp.integration.benchmarks.relay"}
