"""``mederp bench relay`` runs end to end and prints one JSON object (DESIGN.md "Benchmarks").

A smoke test, not a timing assertion: tiny sizes, a real scratch PostgreSQL database, the
machine's RabbitMQ (the benchmark's own exchange, deleted afterwards).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from tests.integration.relay.amqp_support import URL as AMQP_URL
from tests.integration.relay.amqp_support import needs_broker

URL = os.environ.get("MEDERP_TEST_DATABASE_URL", "")


@pytest.mark.postgres
@needs_broker
@pytest.mark.skipif(not URL.startswith("postgres"), reason="needs MEDERP_TEST_DATABASE_URL")
def test_bench_relay_quick_prints_one_json_object_with_every_figure():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "mederp.config.settings"}
    before = _scratch_databases()
    done = subprocess.run(
        [sys.executable, "-m", "mederp.config.cli", "bench", "relay", "--quick", "--json",
         "--events", "300", "--webhook-events", "40", "--aggregates", "50",
         "--lag-rate", "50", "--lag-seconds", "1", "--relays", "1,2",
         "--database-url", URL, "--amqp-url", AMQP_URL],
        capture_output=True, text=True, env=env, timeout=600, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout)  # exactly one JSON document, nothing else on stdout
    for figure in ("rabbitmq_events_per_s", "webhook_events_per_s"):
        assert set(result[figure]) == {"1", "2"}
        assert all(rate > 0 for rate in result[figure].values())
    assert result["lag_p95_s"] > 0 and result["lag"]["arrived"] == result["lag"]["events"] == 50
    references = {
        "rabbitmq_transport_events_per_s",
        "webhook_transport_events_per_s",
        "rabbitmq_one_confirm_at_a_time_events_per_s",
        "select_events_per_s",
    }
    assert all(result["reference"][figure] > 0 for figure in references)
    assert set(result["targets"]) == {"rabbitmq_events_per_s", "lag_p95_s"}
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
