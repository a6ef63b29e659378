"""``mederp bench audit`` runs end to end and prints one JSON object (DESIGN.md "Benchmarks").

A smoke test, not a timing assertion: tiny sizes, a real scratch PostgreSQL database.
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
def test_bench_audit_quick_prints_one_json_object_with_every_figure():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "mederp.config.settings"}
    before = _scratch_databases()
    done = subprocess.run(
        [sys.executable, "-m", "mederp.config.cli", "bench", "audit", "--quick", "--json",
         "--seconds", "1", "--verify-entries", "2000", "--writers", "1,2",
         "--database-url", URL],
        capture_output=True, text=True, env=env, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout)  # exactly one JSON document, nothing else on stdout
    assert set(result["writers"]) == {"1", "2"}
    for figures in result["writers"].values():
        assert figures["audited_per_s"] > 0 and figures["raw_per_s"] > 0
        assert figures["kernel_per_s"] > 0
    assert result["verify_entries"] >= 2000 and result["verify_ok"] is True
    for key in ("verify_entries_per_s", "seal_entries_per_s", "scaling_2_over_1",
                "audited_over_raw_2", "kernel_over_raw_2"):  # fmt: skip
        assert result[key] > 0
    assert set(result["machine"]) >= {"cpu_count", "python", "database", "date"}
    assert result["machine"]["database"].startswith("PostgreSQL")
    assert _scratch_databases() <= before  # this run's scratch database was dropped


def _scratch_databases() -> set[str]:
    """Names of bench scratch databases now on the server (another run may own some)."""
    query = "SELECT datname FROM pg_database WHERE datname LIKE 'mederp_bench_%'"
    listing = subprocess.run(
        ["psql", URL, "-Atc", query], capture_output=True, text=True, check=True
    )
    return set(listing.stdout.split())
