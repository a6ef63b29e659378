"""The genealogy walks (TR-01): recursive CTEs, any depth, both directions, cycle-safe.

The edges here are hand-made rows (the foreign keys to issues and outputs are deferred and never
checked because the test rolls back): these tests are about the walk, not the services that
write edges. A cycle cannot be made through the services; it is made here on purpose to prove the
walk stays finite on such data.
"""

from __future__ import annotations

import itertools
from decimal import Decimal
from typing import Any

import pytest
from django.db import transaction
from tests.inventory import conftest as inventory_fixtures

from mederp.core import clock
from mederp.inventory.models import Lot, Serial
from mederp.production import genealogy
from mederp.production.models import GenealogyEdge

# The inventory test plant (products, locations), reused as fixtures of this module.
stock = inventory_fixtures.stock
today = inventory_fixtures.today

_ids = itertools.count(900_000)


@pytest.fixture(autouse=True)
def _hand_made_rows_are_never_checked(db: Any) -> Any:
    """The edges cite issues and outputs that do not exist; the foreign keys are deferred, and
    marking the test's transaction for rollback skips the end-of-test constraint check."""
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


def edge(consumed: Lot | Serial, produced: Lot | Serial, qty: str = "1") -> GenealogyEdge:
    """A raw edge row (bypassing the services' cycle check on purpose)."""

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
    return GenealogyEdge.objects.create(
        work_order_id=n,
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


def test_forward_and_backward_reach_every_depth(lots: Any) -> None:
    resin, tube, sub, device, kit, other = lots("RESIN", "TUBE", "SUB", "DEV", "KIT", "OTHER")
    edge(resin, sub)
    edge(tube, sub)
    edge(sub, device)
    edge(device, kit)

    assert genealogy.descendants([key(resin)]) == {key(resin), key(sub), key(device), key(kit)}
    assert genealogy.ancestors([key(kit)]) == {
        key(kit),
        key(device),
        key(sub),
        key(resin),
        key(tube),
    }
    assert genealogy.descendants([key(other)]) == {key(other)}


def test_a_lot_stands_for_its_serials(stock: Any, lots: Any) -> None:
    (finished,) = lots("FIN")
    s1 = Serial.objects.create(
        product=stock.serial_product, serial_number="S1", lot=None, created_at=clock.now()
    )
    (component,) = lots("COMP")
    serial_in_lot = Serial.objects.create(
        product=stock.serial_product, serial_number="S2", lot=component, created_at=clock.now()
    )
    edge(serial_in_lot, finished)
    edge(s1, finished)

    # Tracing the lot follows the serial that was issued out of it.
    assert key(finished) in genealogy.descendants([key(component)])
    assert genealogy.descendants([key(s1)]) == {key(s1), key(finished)}


def test_walks_stay_finite_on_cyclic_data(lots: Any) -> None:
    a, b, c = lots("A", "B", "C")
    edge(a, b)
    edge(b, c)
    edge(c, a)  # impossible through the services; hand-made here

    assert genealogy.descendants([key(a)]) == {key(a), key(b), key(c)}
    assert genealogy.ancestors([key(a)]) == {key(a), key(b), key(c)}
    edges = genealogy.edges_within("forward", [key(a)])
    assert len(edges) == 3
    assert genealogy.depths([key(a)], edges, "forward") == {key(a): 0, key(b): 1, key(c): 2}


def test_would_close_cycle(lots: Any) -> None:
    a, b, c, d = lots("A", "B", "C", "D")
    edge(a, b)
    edge(b, c)

    assert genealogy.would_close_cycle(key(c), key(a))  # c descends from a
    assert genealogy.would_close_cycle(key(a), key(a))
    assert not genealogy.would_close_cycle(key(a), key(c))
    assert not genealogy.would_close_cycle(key(d), key(a))


def test_empty_roots_walk_nothing(db: Any) -> None:
    assert genealogy.descendants([]) == set()
