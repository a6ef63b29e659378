"""The traceability reports over hand-made genealogy (TR-01): any depth, cycle-safe, a fixed
number of queries whatever the depth, and a lot standing for its serials.

Edges here are raw rows citing work orders, issues and outputs that do not exist (the foreign
keys are deferred and never checked because the test rolls back), as in
tests/production/test_genealogy_cte.py: these tests are about the reports' walk. The plant
built through the real services is in test_trace_reports.py.
"""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal
from typing import Any

import pytest
from django.db import transaction
from tests.inventory import conftest as inventory_fixtures

from mederp.compliance import trace
from mederp.core import clock
from mederp.inventory import services as inventory
from mederp.inventory.models import Lot, Serial
from mederp.production.models import GenealogyEdge

stock = inventory_fixtures.stock
today = inventory_fixtures.today

_ids = itertools.count(800_000)


@pytest.fixture(autouse=True)
def _hand_made_rows_are_never_checked(db: Any) -> Any:
    yield
    transaction.set_rollback(True)


@pytest.fixture
def lots(stock: Any) -> Any:
    def make(*numbers: str) -> list[Lot]:
        return [
            Lot.objects.create(product=stock.lot_product, number=n, created_at=clock.now())
            for n in numbers
        ]

    return make


def edge(consumed: Lot | Serial, produced: Lot | Serial, qty: str = "1", wo: int = 0) -> None:
    def node(item: Lot | Serial) -> dict[str, Any]:
        kind = "lot" if isinstance(item, Lot) else "serial"
        return {
            "kind": kind,
            "id": item.pk,
            "lot": item if kind == "lot" else None,
            "serial": item if kind == "serial" else None,
        }

    c, p = node(consumed), node(produced)
    n = next(_ids)
    GenealogyEdge.objects.create(
        work_order_id=wo or n,
        issue_id=n,
        output_id=n,
        consumed_kind=c["kind"],
        consumed_id=c["id"],
        consumed_product_id=consumed.product_id,
        consumed_lot=c["lot"],
        consumed_serial=c["serial"],
        produced_kind=p["kind"],
        produced_id=p["id"],
        produced_product_id=produced.product_id,
        produced_lot=p["lot"],
        produced_serial=p["serial"],
        quantity=Decimal(qty),
        created_at=clock.now(),
    )


def key(item: Lot | Serial) -> tuple[str, int]:
    return ("lot" if isinstance(item, Lot) else "serial", item.pk)


def chain(lots: Any, length: int) -> list[Lot]:
    made = lots(*[f"C{i:03d}" for i in range(length)])
    for a, b in itertools.pairwise(made):
        edge(a, b)
    return made


def test_forward_reaches_every_depth_with_its_distance(lots: Any) -> None:
    resin, tube, sub, device, kit = lots("RESIN", "TUBE", "SUB", "DEV", "KIT")
    edge(resin, sub, "2.5")
    edge(tube, sub)
    edge(sub, device)
    edge(device, kit)

    report = trace.trace_forward([key(resin)])

    assert {(i.lot_number, i.depth) for i in report.items} == {
        ("RESIN", 0),
        ("SUB", 1),
        ("DEV", 2),
        ("KIT", 3),
    }
    first, *_rest = report.edges
    assert (first.consumed, first.produced, first.quantity) == (
        key(resin),
        key(sub),
        Decimal("2.5"),
    )
    assert len(report.edges) == 3  # the tube's edge enters SUB from outside the walk


def test_backward_reaches_every_component(lots: Any) -> None:
    resin, tube, sub, device = lots("RESIN", "TUBE", "SUB", "DEV")
    edge(resin, sub)
    edge(tube, sub)
    edge(sub, device)

    report = trace.trace_backward([key(device)])

    assert sorted((i.lot_number, i.depth) for i in report.items) == [
        ("DEV", 0),
        ("RESIN", 2),
        ("SUB", 1),
        ("TUBE", 2),
    ]
    assert report.receipts == [] and report.suppliers == []


def test_cyclic_data_stays_finite_in_both_reports(lots: Any) -> None:
    a, b, c = lots("A", "B", "C")
    edge(a, b)
    edge(b, c)
    edge(c, a)  # impossible through the services; hand-made on purpose

    forward = trace.trace_forward([key(a)])
    backward = trace.trace_backward([key(a)])

    assert [(i.lot_number, i.depth) for i in forward.items] == [("A", 0), ("B", 1), ("C", 2)]
    assert len(forward.edges) == 3
    assert {i.lot_number for i in backward.items} == {"A", "B", "C"}
    assert forward.as_dict()["totals"]["items"] == 3


@pytest.mark.parametrize("length", [3, 30])
def test_the_forward_report_costs_the_same_queries_at_any_depth(
    lots: Any, length: int, django_assert_max_num_queries: Any
) -> None:
    made = chain(lots, length)

    # Nodes, edges, records, stock; returns are looked for only when something was shipped.
    with django_assert_max_num_queries(4):
        report = trace.trace_forward([key(made[0])])

    assert report.items[-1].depth == length - 1


def test_the_backward_report_costs_three_queries(lots: Any, django_assert_num_queries: Any):
    made = chain(lots, 12)

    with django_assert_num_queries(3):
        report = trace.trace_backward([key(made[-1])])

    assert len(report.items) == 12


def test_a_lot_root_stands_for_its_serials_and_counts_stock_once(
    stock: Any, system: Any, lots: Any
) -> None:
    (finished,) = lots("FIN")
    units = []
    for number in ("S1", "S2"):
        move = inventory.receive_into_quarantine(
            system,
            product=stock.serial_product,
            quantity=1,
            from_location=stock.supplier,
            to_location=stock.quarantine,
            lot_number="SL-1",
            serial_number=number,
            manufacture_date=dt.date(2026, 1, 1),
            document_id="R-1",
        )
        units.append(move.serial)
    component = units[0].lot
    edge(units[0], finished)

    report = trace.trace_forward([key(component)])

    reached = {(i.kind, i.number, i.depth) for i in report.items}
    assert reached == {
        ("lot", "SL-1", 0),
        ("serial", "S1", 0),
        ("serial", "S2", 0),
        ("lot", "FIN", 1),
    }
    # The balances carry both the lot and the serial: each unit counts once, by its serial.
    assert sorted((s.node[0], s.serial_number, s.quantity) for s in report.stock) == [
        ("serial", "S1", Decimal("1")),
        ("serial", "S2", Decimal("1")),
    ]
    assert report.on_hand == Decimal(2)


def test_the_report_is_json_safe(lots: Any) -> None:
    import json

    a, b = lots("A", "B")
    edge(a, b, "1.25")

    body = json.loads(json.dumps(trace.trace_forward([key(a)]).as_dict()))

    assert body["direction"] == "forward"
    assert body["edges"][0]["quantity"] == "1.25"
    assert body["edges"][0]["consumed"] == ["lot", a.pk]
    assert body["totals"] == {
        "items": 2,
        "records": 0,
        "consignees": 0,
        "shipped": "0",
        "on_hand": "0",
    }


def test_empty_roots_trace_nothing(db: Any) -> None:
    assert trace.trace_forward([]).items == []
    assert trace.trace_backward([]).items == []
