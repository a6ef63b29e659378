"""Cycle counts with signed approval of differences, expiry control, reconcile (issue 4 §1, §7;
TR-05; ES-12; invariant 4)."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from tests.inventory.conftest import Stock, put_away, receive_lot
from tests.signing_support import PASSWORD, code, later

from mederp.core.errors import DomainError
from mederp.core.models import OutboxEvent
from mederp.inventory import selectors, services
from mederp.inventory.models import Balance, ExpiryPolicy, Move
from mederp.inventory.reconcile import reconcile


@pytest.fixture
def counted(stock: Stock, admin: Any, person: Any) -> Any:
    lot = receive_lot(stock, admin, "10").lot
    put_away(stock, admin, lot, 10)
    counter = person("counter", "warehouse")
    count = services.open_count(counter.actor, stock.storage.pk)
    (line,) = count.lines.all()
    assert line.expected == 10
    services.record_counts(counter.actor, count.pk, counts={line.pk: "8"})
    count.refresh_from_db()
    assert count.status == "counted" and count.counted_by_id == counter.pk
    count.counter = counter
    count.lot = lot
    return count


def test_the_counter_cannot_approve_their_own_count(counted: Any, person: Any) -> None:
    counter = counted.counter
    counter.groups.add(*person("qa", "qa_manager").groups.all())
    from mederp.core.actors import Actor
    from mederp.identity.models import User

    fresh = User.objects.get(pk=counter.pk)
    with pytest.raises(DomainError) as exc:
        services.approve_count(
            Actor.for_user(fresh), counted.pk, password=PASSWORD, totp=code(counter.secret)
        )
    assert exc.value.code == "signatures.sod_excluded_signer"
    assert not Move.objects.filter(document_type="inventory.count").exists()


def test_approved_differences_become_adjusting_moves(
    counted: Any, person: Any, stock: Stock
) -> None:
    qa = person("qa", "qa_manager")
    count = services.approve_count(
        qa.actor, counted.pk, password=PASSWORD, totp=code(qa.secret), reason="2 units broken"
    )
    assert count.status == "approved" and count.signature_id is not None
    adj = Move.objects.get(document_type="inventory.count")
    assert (adj.from_location_id, adj.to_location_id, adj.quantity) == (
        stock.storage.pk,
        stock.adjustment.pk,
        Decimal(2),
    )
    assert selectors.balance_of(stock.lot_product, location=stock.storage, lot=counted.lot) == 8
    assert OutboxEvent.objects.filter(event_type="inventory.count.approved").exists()
    assert reconcile() == []
    later()
    with pytest.raises(DomainError) as exc:
        services.approve_count(qa.actor, counted.pk, password=PASSWORD, totp=code(qa.secret))
    assert exc.value.code == "inventory.count_wrong_state"


def test_a_rejected_count_books_nothing(counted: Any, person: Any, stock: Stock) -> None:
    qa = person("qa", "qa_manager")
    count = services.reject_count(
        qa.actor, counted.pk, password=PASSWORD, totp=code(qa.secret), reason="recount aisle A"
    )
    assert count.status == "rejected"
    assert selectors.balance_of(stock.lot_product, location=stock.storage, lot=counted.lot) == 10


def test_a_count_needs_every_line(stock: Stock, admin: Any) -> None:
    lot = receive_lot(stock, admin, "10").lot
    put_away(stock, admin, lot, 4)
    count = services.open_count(admin, stock.storage.pk)
    with pytest.raises(DomainError) as exc:
        services.record_counts(admin, count.pk, counts={})
    assert exc.value.code == "inventory.count_incomplete"


def scan(on: dt.date) -> dict[str, int]:
    out = StringIO()
    call_command("expiry", "scan", "--json", "--date", on.isoformat(), stdout=out)
    result: dict[str, int] = json.loads(out.getvalue())
    return result


def test_expiry_scan_announces_each_window_once_then_the_expiry(stock: Stock, admin: Any) -> None:
    """TR-05: configurable windows; each announcement once; expired stock blocked (computed)."""
    ExpiryPolicy.objects.create(product=stock.lot_product, days=60)
    ExpiryPolicy.objects.create(product=stock.lot_product, days=30)
    lot = receive_lot(stock, admin, "5", expiry_date=dt.date(2026, 9, 30)).lot
    put_away(stock, admin, lot, 5)
    assert scan(dt.date(2026, 6, 20)) == {"near_expiry": 0, "expired": 0}
    assert scan(dt.date(2026, 8, 5)) == {"near_expiry": 1, "expired": 0}  # 56 days: 60 window
    assert scan(dt.date(2026, 8, 6)) == {"near_expiry": 0, "expired": 0}  # once
    assert scan(dt.date(2026, 9, 1)) == {"near_expiry": 1, "expired": 0}  # 30 window
    assert scan(dt.date(2026, 10, 1)) == {"near_expiry": 0, "expired": 1}
    assert scan(dt.date(2026, 10, 2)) == {"near_expiry": 0, "expired": 0}
    events = OutboxEvent.objects.filter(event_type__startswith="inventory.lot.").values_list(
        "event_type", "payload"
    )
    windows = [p["window_days"] for t, p in events if t == "inventory.lot.near_expiry"]
    assert windows == [60, 30]
    assert selectors.available_lots_fefo(stock.lot_product, on_date=dt.date(2026, 10, 1)) == []


def test_reconcile_names_a_tampered_balance(stock: Stock, admin: Any) -> None:
    lot = receive_lot(stock, admin, "5").lot
    out = StringIO()
    call_command("reconcile", "--json", stdout=out)
    assert json.loads(out.getvalue()) == {"ok": True, "differences": []}
    Balance.objects.filter(lot=lot).update(quantity=7)  # what only a bug or a DBA could do
    (diff,) = reconcile()
    assert (diff.lot_id, diff.location_id, diff.ledger, diff.balance) == (
        lot.pk,
        stock.quarantine.pk,
        Decimal(5),
        Decimal(7),
    )
    out = StringIO()
    with pytest.raises(SystemExit) as exc:
        call_command("reconcile", "--json", stdout=out)
    assert exc.value.code == 1
    assert json.loads(out.getvalue())["differences"][0]["ledger"] == "5"


def test_moves_are_append_only(stock: Stock, admin: Any) -> None:
    """Invariant 2/4: the database refuses to edit or delete a move."""
    from django.db import DatabaseError, transaction

    move = receive_lot(stock, admin, "5")
    with pytest.raises(DatabaseError), transaction.atomic():
        Move.objects.filter(pk=move.pk).update(quantity=6)
    with pytest.raises(DatabaseError), transaction.atomic():
        Move.objects.filter(pk=move.pk).delete()


def test_near_expiry_windows_are_configured_per_scope_and_audited(
    stock: Stock, admin: Any, api: Any
) -> None:
    """TR-05: windows per product or classification code; the most specific scope wins."""
    from mederp.core.models import AuditEntry
    from mederp.inventory.services import expiry

    expiry.set_windows(admin, category_code="14-02", days=[120, 60])
    expiry.set_windows(admin, product=stock.cold_product, days=[30])
    assert expiry.windows_for(stock.lot_product.pk, "14-02") == [120, 60]
    assert expiry.windows_for(stock.cold_product.pk, "14-02") == [30]
    assert expiry.windows_for(999, "99-99") == [90]
    entry = AuditEntry.objects.filter(record_type="inventory.expirypolicy").order_by("-id")[0]
    assert json.loads(entry.changes) == {"days": [[], [30]]}
    with pytest.raises(DomainError) as exc:
        expiry.set_windows(admin, category_code="14-02", days=[0])
    assert exc.value.code == "validation_failed"
    r = api.post(
        "/api/v1/inventory/expiry-windows",
        data=json.dumps({"category_code": "14-02", "days": [180, 90, 30]}),
        content_type="application/json",
    )
    assert r.status_code == 200 and [w["days"] for w in r.json()] == [180, 90, 30]
    assert len(api.get("/api/v1/inventory/expiry-windows").json()) == 4


def test_the_expiry_scan_runs_daily_in_mederp_serve() -> None:
    """TR-05: a daily job; inventory registers it with the kernel's periodic jobs."""
    from mederp.core import periodic

    (job,) = [j for j in periodic.jobs() if j.name == "inventory.expiry_scan"]
    assert job.every_s == periodic.DAY
