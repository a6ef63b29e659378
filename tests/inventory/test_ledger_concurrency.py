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
from tests.signing_support import PASSWORD, code, enrol_totp, later

from mederp.catalog import services as catalog
from mederp.catalog.rules import gtin_check_digit
from mederp.core.actors import Actor
from mederp.core.benchmarks import scratch
from mederp.core.benchmarks.workers import Worker, until
from mederp.core.errors import DomainError
from mederp.core.models import AuditEntry, OutboxEvent
from mederp.identity.models import User
from mederp.inventory import services
from mederp.inventory.models import Balance, Lot, Move, Reservation
from mederp.inventory.reconcile import reconcile
from mederp.partners import services as partners
from mederp.partners.rules import uscc_check_character
from mederp.sales import services as sales
from mederp.sales.models import Allocation, SalesOrder

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
NOT_ENOUGH = "sales.not_enough_stock"
ORDERS_PER_CLIENT = 4


def gtin_of(seq: int) -> str:
    body = f"0690333{seq:06d}"
    return body + gtin_check_digit(body)


@pytest.fixture(autouse=True)
def _postgres_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip(
            "real concurrent processes and row locks are proved on PostgreSQL; SQLite "
            "serialises every writer on one file lock"
        )


def put_away(system: Actor, stock: Any, product: Any) -> list[int]:
    """Three released lots of ``product``, each 30 units in A-01 and 15 in A-02."""
    lots = []
    for i in range(LOTS):
        move = services.receive_into_quarantine(
            system,
            product=product,
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
                product=product,
                lot=move.lot_id,
                quantity=quantity,
                from_location=stock.quarantine,
                to_location=place,
            )
        lots.append(move.lot_id)
    return lots


def plan_for(stock: Any, product: Any, lots: list[int]) -> dict[str, Any]:
    return {
        "product": product.pk,
        "lots": lots,
        "storage": [stock.storage.pk, stock.storage2.pk],
        "customer": stock.customer.pk,
        "orders": {},
    }


@pytest.fixture
def plan(stock: Any, system: Actor) -> dict[str, Any]:
    return plan_for(stock, stock.lot_product, put_away(system, stock, stock.lot_product))


def run_clients(plan: dict[str, Any]) -> list[dict[str, Any]]:
    """Start the eight processes together on the test database (its data is committed:
    ``transaction=True``); every one must report back in time."""
    url = scratch.with_database(
        os.environ["MEDERP_TEST_DATABASE_URL"], connection.settings_dict["NAME"]
    )
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
    return reports


def check_books(plan: dict[str, Any], reports: list[dict[str, Any]], before: list[int]) -> None:
    """Refusals wrote nothing, nothing was oversold, nothing is negative, books reconcile."""
    # The ledger, the audit trail and the outbox hold exactly the moves the clients saw succeed.
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
    assert all(0 <= b.reserved <= b.quantity for b in Balance.objects.all())
    assert reconcile() == []  # balances and reserved quantities equal ledger and reservations


def test_eight_processes_never_oversell_never_go_negative_and_never_deadlock(plan):
    before = _written()
    reports = run_clients(plan)
    codes = Counter(code for r in reports for code in r["refused"])
    assert set(codes) <= {INSUFFICIENT}, codes
    assert codes[INSUFFICIENT] > 0, "demand never exceeded stock: the race was not run"
    assert sum(r["reserved_then_refused"] for r in reports) == 0  # an allocation always ships
    check_books(plan, reports, before)
    assert not Reservation.objects.filter(quantity__gt=0).exists()  # every allocation shipped


@pytest.fixture
def sales_plan(stock: Any, system: Actor, make_user: Any) -> dict[str, Any]:
    """The same lots of an approved product, and confirmed sales orders of an approved customer
    for the clients to allocate (sales.allocate_order: FEFO, reserving ledger stock)."""
    qa = make_user("qa", "qa_manager", printed_name="质量经理 QA")
    secret = enrol_totp(qa)

    def sign() -> dict[str, str]:
        later()
        return {"password": PASSWORD, "totp": code(secret)}

    product = catalog.create_product(
        system, code="RACE-P", name_zh="一次性使用无菌注射器", name_en="Syringe",
        gtin=gtin_of(77), uom="EA", tracking="lot", device_class="II", category_code="14-02",
        shelf_life_days=1095, manufacturer="苏州示例医疗科技有限公司",
    )  # fmt: skip
    catalog.add_registration(
        system, product.pk, jurisdiction="CN", kind="registration", number="苏械注准20242140077",
        valid_from=dt.date(2024, 1, 1), valid_until=dt.date(2029, 1, 1), holder="苏州示例",
    )  # fmt: skip
    catalog.submit_product(system, product.pk)
    catalog.approve_product(Actor.for_user(qa), product.pk, **sign())
    body = "91310115MA0000077"
    customer = partners.create_partner(
        system, code="CUS-RACE", name="上海示例医院", is_supplier=False, is_customer=True,
        uscc=body + uscc_check_character(body), address="上海市浦东新区示例路 88 号",
        contact="李老师", phone="021-0000000",
    )  # fmt: skip
    partners.add_document(
        system, customer.pk, kind="distribution_licence", number="沪浦药监械经营许20210077号",
        valid_from=dt.date(2021, 1, 1), valid_until=dt.date(2027, 12, 31), scope=["14"],
    )  # fmt: skip
    partners.submit_partner(system, customer.pk)
    partners.approve_partner(Actor.for_user(qa), customer.pk, **sign())
    seller = Actor.for_user(make_user("seller", "sales"))
    picker = make_user("picker", "warehouse")
    plan = plan_for(stock, product, put_away(system, stock, product))
    for n in range(PROCESSES):
        orders = []
        for i in range(ORDERS_PER_CLIENT):
            line = {"product": product.pk, "quantity": str(3 + (n + i) % 5), "unit_price": "9"}
            order = sales.create_order(seller, customer=customer.pk, lines=[line])
            orders.append(sales.confirm_order(seller, order.pk).pk)
        plan["orders"][str(n)] = orders
    plan["picker"] = picker.pk
    return plan


def test_sales_allocations_and_ledger_shipments_in_eight_processes_never_oversell(sales_plan):
    """Allocation (FEFO, reserving under the balance locks) races shipments and transfers of the
    same lots: each order is allocated in full or refused with nothing written; reserved units
    are never shipped by anyone else; the books reconcile."""
    before = _written()
    reports = run_clients(sales_plan)
    codes = Counter(code for r in reports for code in r["refused"])
    assert set(codes) <= {INSUFFICIENT, NOT_ENOUGH}, codes
    assert codes[NOT_ENOUGH] > 0 and codes[INSUFFICIENT] > 0, codes  # both sides ran short
    check_books(sales_plan, reports, before)
    allocated = {pk for r in reports for pk in r["allocated"]}
    assert allocated, "no order was allocated"
    for order in SalesOrder.objects.all():
        lines = order.lines.all()
        taken = Allocation.objects.filter(line__order=order).aggregate(q=Sum("quantity"))["q"]
        if order.pk in allocated:
            assert taken == sum(line.quantity for line in lines)  # in full
            reserved = Reservation.objects.filter(
                document_id=str(order.pk), quantity__gt=0
            ).aggregate(q=Sum("quantity"))["q"]
            assert reserved == taken  # still promised: nobody shipped it
        else:
            assert taken is None and order.status == "confirmed"  # refused: nothing written


def _written() -> list[int]:
    return [
        Move.objects.count(),
        AuditEntry.objects.filter(record_type="inventory.move").count(),
        OutboxEvent.objects.filter(event_type="inventory.move.posted").count(),
    ]


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
        "allocated": [],
    }
    orders = list(plan["orders"].get(str(number), []))
    kinds = ("ship", "ship", "ship_two", "allocate_and_ship", "transfer")
    until(start_at)
    for i in range(ATTEMPTS):
        kind = rng.choice(("sell", "sell", *kinds) if orders else kinds)
        try:
            if kind == "sell":
                sell(plan, orders.pop(0), report)
                continue
            _ATTEMPTS[kind](actor, plan, rng, report, f"C{number}-{i}")
        except DomainError as exc:
            report["refused"].append(exc.code)
        except Exception:
            report["unexpected"].append(f"client {number}, {kind}:\n{traceback.format_exc()}")
    report["shipped"] = {str(k): str(v) for k, v in report["shipped"].items()}
    return report


def sell(plan: dict[str, Any], order: int, report: dict[str, Any]) -> None:
    """The sales allocation of one confirmed order: all of it by FEFO, or refused."""
    picker = Actor.for_user(User.objects.get(pk=plan["picker"]))
    sales.allocate_order(picker, order)
    report["allocated"].append(order)


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
