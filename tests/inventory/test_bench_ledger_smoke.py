"""``mederp bench ledger`` runs end to end and prints one JSON object (DESIGN.md "Benchmarks";
issue 4 "Measured").

A smoke test, not a timing assertion: tiny sizes, a real scratch PostgreSQL database that is
dropped afterwards.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

URL = os.environ.get("MEDERP_TEST_DATABASE_URL", "")


@pytest.mark.postgres
@pytest.mark.skipif(not URL.startswith("postgres"), reason="needs MEDERP_TEST_DATABASE_URL")
def test_bench_ledger_quick_prints_one_json_object_with_every_figure():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "mederp.config.settings"}
    before = _scratch_databases()
    done = subprocess.run(
        [sys.executable, "-m", "mederp.config.cli", "bench", "ledger", "--quick", "--json",
         "--seconds", "0.5", "--clients", "1,2", "--sizes", "1500,3000", "--products", "10",
         "--receipt-products", "2", "--in-stock", "2", "--queries", "10", "--allocations", "4",
         "--sold", "2", "--database-url", URL],
        capture_output=True, text=True, env=env, timeout=600, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout)  # exactly one JSON document, nothing else on stdout
    assert set(result["clients"]) == {"1", "2"}
    for figures in result["clients"].values():
        assert figures["receipts_per_s"] > 0 and figures["raw_per_s"] > 0
        assert figures["ledger_receipts_per_s"] > 0
    assert result["moves"] >= 3000
    assert 0 < result["fefo_query_p50_ms"] <= result["fefo_query_p95_ms"]
    assert set(result["by_size"]) == {"1500", "3000"}
    for figures in result["by_size"].values():
        assert figures["receipts_per_s"] > 0
        assert 0 < figures["allocate_p50_ms"] <= figures["allocate_p95_ms"]
    assert result["reconcile_differences"] == 0  # bulk history and measured writes keep books
    assert result["fefo_plan"]["indexes"]  # the plan was read
    assert set(result["targets"]) == {
        "receipts_per_s_2", "receipts_over_raw_2", "fefo_query_p95_ms",
        "receipts_per_s_flat", "allocate_p95_ms_flat",
    }  # fmt: skip
    assert all(isinstance(t["met"], bool) for t in result["targets"].values())
    assert set(result["machine"]) >= {"cpu_count", "python", "database", "date"}
    assert result["machine"]["database"].startswith("PostgreSQL")
    assert _scratch_databases() <= before  # this run's scratch database was dropped


def test_bench_ledger_refuses_sqlite_with_a_clear_message(tmp_path):
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "mederp.config.settings"}
    done = subprocess.run(
        [sys.executable, "-m", "mederp.config.cli", "bench", "ledger", "--quick",
         "--database-url", f"sqlite:///{tmp_path / 'x.sqlite3'}"],
        capture_output=True, text=True, env=env, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode != 0 and done.stdout == ""
    assert "PostgreSQL" in done.stderr


def _scratch_databases() -> set[str]:
    """Names of bench scratch databases now on the server (another run may own some)."""
    query = "SELECT datname FROM pg_database WHERE datname LIKE 'mederp_bench_%'"
    listing = subprocess.run(
        ["psql", URL, "-Atc", query], capture_output=True, text=True, check=True
    )
    return set(listing.stdout.split())
