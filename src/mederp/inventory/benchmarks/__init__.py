"""Inventory's benchmarks, found by ``mederp bench`` (core.benchmarks.registered)."""

BENCHMARKS = {"ledger": "mederp.inventory.benchmarks.ledger"}
