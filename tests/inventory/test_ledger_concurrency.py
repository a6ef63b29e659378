"""Eight shipping processes against the same few lots (issue 4 §8; invariant 4; TR-04, TR-06).

Real OS processes — spawned, each with its own Django and its own PostgreSQL connection to the
test database (core.benchmarks.workers) — start at the same instant and, for a fixed number of
attempts each, take stock out of three lots in two storage locations through the inventory
services: single shipments (``post_move`` storage → customer), two-lot shipments in one
transaction (posted in balance-key order, as docs/ledger.md asks), allocations that reserve and
then ship against the reservation, and transfers between the two storage locations. Demand is
several times the stock, so most late attempts must be refused.

Proved afterwards: every process finished (no deadlock, no hang, no unexpected error); every
refusal was the coded ``inventory.insufficient_stock`` and wrote nothing; an allocation, once
made, always shipped; nothing was oversold (per lot, shipped + left = received); no balance went
negative or below what it has reserved; ``reconcile()`` finds balances equal to the ledger.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import time
import traceback
from collections import Counter
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection, transaction
from django.db.models import Sum

from mederp.core.actors import Actor
from mederp.core.benchmarks import scratch
from mederp.core.benchmarks.workers import Worker, until
from mederp.core.errors import DomainError
from mederp.core.models import AuditEntry, OutboxEvent
from mederp.inventory import services
from mederp.inventory.models import Balance, Lot, Move, Reservation
from mederp.inventory.reconcile import reconcile

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

PROCESSES = 8
ATTEMPTS = 25
LOTS = 3
#: Per lot: received into quarantine, then put away into the two storage locations.
PUT_AWAY = (Decimal(30), Decimal(15))
RECEIVED = sum(PUT_AWAY)
#: Seconds the parent waits for a client: a deadlocked or hung client fails the test instead of
#: hanging it (PostgreSQL itself would break a deadlock after deadlock_timeout with an error,
#: which the client reports as unexpected).
WAIT = 120
SHIPMENT = "sales.shipment"
INSUFFICIENT = "inventory.insufficient_stock"


@pytest.fixture(autouse=True)
def _postgres_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip(
            "real concurrent processes and row locks are proved on PostgreSQL; SQLite "
            "serialises every writer on one file lock"
        )


@pytest.fixture
def plan(stock: Any, system: Actor) -> dict[str, Any]:
    """Three released lots, each 30 units in A-01 and 15 in A-02; ids for the clients."""
    lots = []
    for i in range(LOTS):
        move = services.receive_into_quarantine(
            system,
            product=stock.lot_product,
            quantity=RECEIVED,
            from_location=stock.supplier,
            to_location=stock.quarantine,
            lot_number=f"RACE-{i}",
            expiry_date=dt.date(2031, 1, 1),  # the clients run on the real clock
            document_id=f"R-{i}",
        )
        Lot.objects.filter(pk=move.lot_id).update(status="released")  # not what this proves
        for place, quantity in zip((stock.storage, stock.storage2), PUT_AWAY, strict=True):
            services.transfer(
                system,
                product=stock.lot_product,
                lot=move.lot_id,
                quantity=quantity,
                from_location=stock.quarantine,
                to_location=place,
            )
        lots.append(move.lot_id)
    return {
        "product": stock.lot_product.pk,
        "lots": lots,
        "storage": [stock.storage.pk, stock.storage2.pk],
        "customer": stock.customer.pk,
    }


def test_eight_processes_never_oversell_never_go_negative_and_never_deadlock(plan):
    url = scratch.with_database(
        _server_url(), connection.settings_dict["NAME"]
    )  # the test database, committed data (transaction=True)
    before = _written()
    clients = [Worker(url, n, __name__) for n in range(PROCESSES)]
    try:
        start_at = time.time() + 3  # every process is up and has its order before the start
        for client in clients:
            client.send("attempts", plan, start_at)
        reports = []
        for n, client in enumerate(clients):
            assert client.conn.poll(WAIT), f"client {n} did not finish: deadlock or hang"
            reports.append(client.receive())
    finally:
        for client in clients:
            client.stop()

    unexpected = [e for r in reports for e in r["unexpected"]]
    assert not unexpected, "\n".join(unexpected)
    codes = Counter(code for r in reports for code in r["refused"])
    assert set(codes) <= {INSUFFICIENT}, codes
    assert codes[INSUFFICIENT] > 0, "demand never exceeded stock: the race was not run"
    assert sum(r["reserved_then_refused"] for r in reports) == 0  # an allocation always ships

    # Refusals wrote nothing: the ledger, the audit trail and the outbox hold exactly the moves
    # the clients saw succeed.
    moved = sum(r["moves"] for r in reports)
    assert [now - then for now, then in zip(_written(), before, strict=True)] == [moved] * 3
    for lot in plan["lots"]:
        shipped_reported = sum(Decimal(r["shipped"].get(str(lot), "0")) for r in reports)
        shipped = Move.objects.filter(
            lot_id=lot, to_location_id=plan["customer"], document_type=SHIPMENT
        ).aggregate(q=Sum("quantity"))["q"] or Decimal(0)
        left = Balance.objects.filter(lot_id=lot).aggregate(q=Sum("quantity"))["q"]
        assert shipped == shipped_reported
        assert shipped + left == RECEIVED, f"lot {lot}: oversold"  # never more than received
    assert not Balance.objects.filter(quantity__lt=0).exists()
    assert all(b.reserved <= b.quantity for b in Balance.objects.all())
    assert not Reservation.objects.filter(quantity__gt=0).exists()  # every allocation shipped
    assert reconcile() == []


def _written() -> list[int]:
    return [
        Move.objects.count(),
        AuditEntry.objects.filter(record_type="inventory.move").count(),
        OutboxEvent.objects.filter(event_type="inventory.move.posted").count(),
    ]


def _server_url() -> str:
    return os.environ["MEDERP_TEST_DATABASE_URL"]


# --- what each client process runs (core.benchmarks.workers imports this module by name) -------


def attempts(number: int, plan: dict[str, Any], start_at: float) -> dict[str, Any]:
    actor = Actor.system(f"client {number}")
    rng = random.Random(number)
    report: dict[str, Any] = {
        "moves": 0,
        "shipped": Counter(),
        "refused": [],
        "unexpected": [],
        "reserved_then_refused": 0,
    }
    until(start_at)
    for i in range(ATTEMPTS):
        kind = rng.choice(("ship", "ship", "ship_two", "allocate_and_ship", "transfer"))
        try:
            _ATTEMPTS[kind](actor, plan, rng, report, f"C{number}-{i}")
        except DomainError as exc:
            report["refused"].append(exc.code)
        except Exception:
            report["unexpected"].append(f"client {number}, {kind}:\n{traceback.format_exc()}")
    report["shipped"] = {str(k): str(v) for k, v in report["shipped"].items()}
    return report


def _ship(
    actor: Actor, plan: dict[str, Any], report: dict[str, Any], lot: int, place: int,
    quantity: Decimal, doc: str, reservation: int | None = None,
) -> None:  # fmt: skip
    services.post_move(
        actor,
        product=plan["product"],
        lot=lot,
        quantity=quantity,
        from_location=place,
        to_location=plan["customer"],
        document_type=SHIPMENT,
        document_id=doc,
        reservation=reservation,
    )
    report["moves"] += 1
    report["shipped"][lot] += quantity


def ship(actor: Actor, plan: dict[str, Any], rng: random.Random, report: Any, doc: str) -> None:
    quantity = Decimal(rng.randint(1, 4))
    _ship(actor, plan, report, rng.choice(plan["lots"]), rng.choice(plan["storage"]), quantity, doc)


def ship_two(actor: Actor, plan: dict[str, Any], rng: random.Random, report: Any, doc: str) -> None:
    """One shipment of two lots: both lines or neither, posted in balance-key order."""
    lines = sorted(rng.sample(plan["lots"], 2))
    place = rng.choice(plan["storage"])
    shipped: list[tuple[int, Decimal]] = []
    with transaction.atomic():
        for lot in lines:
            services.post_move(
                actor, product=plan["product"], lot=lot, quantity=Decimal(2),
                from_location=place, to_location=plan["customer"], document_type=SHIPMENT,
                document_id=doc,
            )  # fmt: skip
            shipped.append((lot, Decimal(2)))
    for lot, quantity in shipped:  # counted only once the transaction committed
        report["moves"] += 1
        report["shipped"][lot] += quantity


def allocate_and_ship(
    actor: Actor, plan: dict[str, Any], rng: random.Random, report: Any, doc: str
) -> None:
    """Reserve (the allocation), then ship against the reservation in a later transaction: the
    reserved units are nobody else's in between, so the shipment must go through."""
    lot, place, quantity = rng.choice(plan["lots"]), rng.choice(plan["storage"]), Decimal(3)
    reservation = services.reserve(
        actor, product=plan["product"], lot=lot, quantity=quantity, location=place,
        document_type="sales.order", document_id=doc,
    )  # fmt: skip
    try:
        _ship(actor, plan, report, lot, place, quantity, doc, reservation=reservation.pk)
    except DomainError:
        report["reserved_then_refused"] += 1
        raise


def transfer(actor: Actor, plan: dict[str, Any], rng: random.Random, report: Any, doc: str) -> None:
    source, target = rng.sample(plan["storage"], 2)
    services.transfer(
        actor, product=plan["product"], lot=rng.choice(plan["lots"]), quantity=Decimal(1),
        from_location=source, to_location=target, document_id=doc,
    )  # fmt: skip
    report["moves"] += 1


_ATTEMPTS = {
    "ship": ship,
    "ship_two": ship_two,
    "allocate_and_ship": allocate_and_ship,
    "transfer": transfer,
}
COMMANDS = {"attempts": attempts}
