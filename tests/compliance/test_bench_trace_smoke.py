"""``mederp bench trace`` runs end to end and prints one JSON object (DESIGN.md "Benchmarks";
issue 5 "Measured"), and its bulk-loaded plant is what the services would have written
(TR-01 genealogy, TR-04 ledger, CN-09 distribution records).

Smoke tests, not timing assertions: tiny scales, real scratch databases that are dropped.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from mederp.compliance.benchmarks import bulk, volume
from mederp.compliance.benchmarks import plant as master_data
from mederp.inventory.models import Balance, Lot, Move
from mederp.inventory.reconcile import reconcile
from mederp.production import genealogy
from mederp.production.models import LOT, GenealogyEdge, MaterialIssue, WorkOrder
from mederp.sales.models import DistributionRecord, Shipment

URL = os.environ.get("MEDERP_TEST_DATABASE_URL", "")
HEADLINE = {
    "database", "scale", "moves", "build_s", "forward_p50_ms", "forward_p95_ms",
    "backward_p50_ms", "backward_p95_ms", "recall_s", "hot_recall_s", "hot_recall_lines",
    "machine",
}  # fmt: skip
REFERENCE = {
    "forward_walk_p50_ms", "forward_walk_p95_ms", "backward_walk_p50_ms",
    "backward_walk_p95_ms", "recall_list_s", "hot_recall_list_s",
}  # fmt: skip


def _bench(server_url: str, *extra: str) -> dict:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "mederp.config.settings"}
    done = subprocess.run(
        [sys.executable, "-m", "mederp.config.cli", "bench", "trace", "--quick", "--json",
         "--scale", "0.01", "--samples", "5", "--database-url", server_url, *extra],
        capture_output=True, text=True, env=env, timeout=600, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout)  # exactly one JSON document, nothing else on stdout


def _assert_shape(result: dict) -> None:
    assert set(result) >= HEADLINE
    assert set(result["reference"]) >= REFERENCE
    assert result["scale"] == 0.01
    # 50 component lots (2 moves), 20 work orders (7 moves), 200 shipments (1 move).
    assert result["moves"] == 50 * 2 + 20 * 7 + 200
    assert result["build"]["distribution_records"] == 200
    assert (
        0 < result["reference"]["forward_walk_p50_ms"] <= result["reference"]["forward_walk_p95_ms"]
    )
    assert result["reconcile_differences"] == 0  # the bulk rows keep the books
    assert result["hot_recall_lines"] > 0
    assert set(result["targets"]) == {"forward_p95_ms", "backward_p95_ms", "recall_s",
                                      "hot_recall_s"}  # fmt: skip
    assert set(result["machine"]) >= {"cpu_count", "python", "database", "date"}


def test_bench_trace_quick_on_sqlite_prints_one_json_object_and_the_books_agree(tmp_path: Path):
    result = _bench(f"sqlite:///{tmp_path / 'server.sqlite3'}")
    _assert_shape(result)
    assert result["database"].startswith("SQLite")


@pytest.mark.postgres
@pytest.mark.skipif(not URL.startswith("postgres"), reason="needs MEDERP_TEST_DATABASE_URL")
def test_bench_trace_quick_on_postgresql_drops_its_scratch_database():
    before = _scratch_databases()
    result = _bench(URL)
    _assert_shape(result)
    assert result["database"].startswith("PostgreSQL")
    assert _scratch_databases() <= before


def _scratch_databases() -> set[str]:
    query = "SELECT datname FROM pg_database WHERE datname LIKE 'mederp_bench_%'"
    listing = subprocess.run(
        ["psql", URL, "-Atc", query], capture_output=True, text=True, check=True
    )
    return set(listing.stdout.split())


@pytest.mark.django_db(transaction=True)
def test_the_bulk_plant_is_what_the_services_write():
    plant = master_data.build({"finished": 2, "suppliers": 2, "customers": 10})
    built = volume.build(plant, 0.02, seed=7)

    assert reconcile() == []  # every balance equals its moves (invariant 4)
    assert Balance.objects.filter(quantity__lt=0).count() == 0
    # Each work order consumed one lot of each of its BOM's five components...
    assert WorkOrder.objects.count() == 40
    assert MaterialIssue.objects.count() == GenealogyEdge.objects.count() == 200
    # ...and its finished lot left in ten shipments, one distribution record each.
    assert Shipment.objects.count() == DistributionRecord.objects.count() == 400
    assert Move.objects.filter(document_type="sales.shipment").count() == 400
    # The hot lot reaches the finished lots of 2 % of the work orders, and their consignees.
    hot = genealogy.descendants([(LOT, built.hot_lot)])
    assert len(hot) == 1 + built.counts["hot_lot_work_orders"] == 2
    finished = [node_id for kind, node_id in hot if node_id != built.hot_lot]
    assert DistributionRecord.objects.filter(lot_id__in=finished).count() == 10
    # Backward from a finished lot: its five component lots, each received with a receipt.
    ancestors = genealogy.ancestors([(LOT, built.finished_lots[0])]) - {
        (LOT, built.finished_lots[0])
    }
    assert len(ancestors) == 5
    received = Lot.objects.filter(pk__in=[i for _k, i in ancestors], status="released")
    assert received.count() == 5
    assert (
        Move.objects.filter(
            lot_id__in=[i for _k, i in ancestors], document_type="procurement.receipt"
        ).count()
        == 5
    )


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_key_the_unchecked_load_got_wrong_is_found_afterwards():
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("the foreign-key triggers are turned off on PostgreSQL only")
    plant = master_data.build({"finished": 2, "suppliers": 2, "customers": 10})
    with bulk.loading() as unchecked, connection.cursor() as cur:
        cur.execute(
            "INSERT INTO inventory_move (product_id, lot_id, quantity, from_location_id, "
            "to_location_id, document_type, document_id, document_line, reason, occurred_at, "
            "actor_kind, actor_name, request_id) "
            "VALUES (%s, 987654321, 1, %s, %s, 'x', 'x', '', '', now(), 'system', 'x', '')",
            [plant.components[0], plant.supplier_location, plant.quarantine],
        )
    assert unchecked
    assert bulk.orphans([Move]) == {"inventory_move.lot_id": 1}
