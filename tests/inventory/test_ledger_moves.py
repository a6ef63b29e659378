"""The ledger primitives: receipts, moves, transfers, reversals (issue 4 §1, §2; invariant 4,
TR-04, TR-09; AT-01 audit of every move)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from tests.inventory.conftest import Stock, release

from mederp.core.errors import DomainError
from mederp.core.models import AuditEntry, OutboxEvent
from mederp.inventory import selectors, services
from mederp.inventory.models import Balance, Lot, Move, Serial

LEDGER = (Move, Balance, Lot, Serial)


def receive(stock: Stock, actor: Any, qty: Any = "10", lot: str = "L1", **kw: Any) -> Move:
    return services.receive_into_quarantine(
        actor,
        product=kw.pop("product", stock.lot_product),
        quantity=qty,
        from_location=stock.supplier,
        to_location=stock.quarantine,
        lot_number=lot,
        manufacture_date=kw.pop("manufacture_date", dt.date(2026, 1, 1)),
        document_id=kw.pop("document_id", "R-1"),
        **kw,
    )


def code_of(exc: pytest.ExceptionInfo[DomainError]) -> str:
    return exc.value.code


def test_receipt_registers_the_lot_moves_into_quarantine_and_audits(
    stock: Stock, admin: Any
) -> None:
    move = receive(stock, admin, "12.5")
    lot = Lot.objects.get(number="L1")
    assert lot.status == "quarantine"
    assert lot.expiry_date == dt.date(2026, 1, 1) + dt.timedelta(days=730)  # from shelf life
    assert move.lot_id == lot.pk and move.quantity == Decimal("12.5")
    assert selectors.balance_of(stock.lot_product, location=stock.quarantine, lot=lot) == Decimal(
        "12.5"
    )
    # the supplier is outside: no balance row there
    assert not Balance.objects.filter(location=stock.supplier).exists()
    assert AuditEntry.objects.filter(record_type="inventory.move", record_id=str(move.pk)).exists()
    event = OutboxEvent.objects.get(event_type="inventory.move.posted")
    assert event.payload["lot_number"] == "L1" and event.payload["quantity"] == "12.5"
    assert OutboxEvent.objects.filter(event_type="inventory.lot.registered").count() == 1


@pytest.mark.parametrize(
    ("qty", "code"),
    [
        ("0", "inventory.quantity_not_positive"),
        ("-1", "inventory.quantity_not_positive"),
        ("1.0001", "inventory.quantity_precision"),
        (0.5, "inventory.quantity_invalid"),
        ("abc", "inventory.quantity_invalid"),
    ],
)
def test_bad_quantities_are_refused_and_write_nothing(
    stock: Stock, admin: Any, unchanged: Any, qty: Any, code: str
) -> None:
    with unchanged(*LEDGER), pytest.raises(DomainError) as exc:
        receive(stock, admin, qty)
    assert exc.value.code == code


def test_lot_already_expired_at_receipt_is_refused(
    stock: Stock, admin: Any, unchanged: Any
) -> None:
    with unchanged(*LEDGER), pytest.raises(DomainError) as exc:
        receive(stock, admin, "1", expiry_date=dt.date(2026, 6, 14))
    assert exc.value.code == "inventory.lot_expired"


def test_lot_dates_must_agree_with_the_registered_lot(stock: Stock, admin: Any) -> None:
    receive(stock, admin, "1")
    with pytest.raises(DomainError) as exc:
        receive(stock, admin, "1", manufacture_date=dt.date(2026, 2, 1))
    assert exc.value.code == "inventory.lot_dates_conflict"
    receive(stock, admin, "2")  # same dates: the same lot
    assert Lot.objects.count() == 1
    assert selectors.balance_of(
        stock.lot_product, location=stock.quarantine, lot=Lot.objects.get()
    ) == Decimal(3)


def test_tracking_rules(stock: Stock, admin: Any, unchanged: Any) -> None:
    with unchanged(*LEDGER), pytest.raises(DomainError) as exc:
        services.post_move(
            admin,
            product=stock.lot_product,
            quantity=1,
            from_location=stock.supplier,
            to_location=stock.quarantine,
            document_type="test",
            document_id="1",
        )
    assert exc.value.code == "inventory.tracking_mismatch"
    with pytest.raises(DomainError) as exc:
        services.receive_into_quarantine(
            admin,
            product=stock.serial_product,
            quantity=2,
            from_location=stock.supplier,
            to_location=stock.quarantine,
            serial_number="SN1",
            manufacture_date=dt.date(2026, 1, 1),
            document_id="R",
        )
    assert exc.value.code == "inventory.serial_quantity"


def test_a_serial_is_in_one_place_at_a_time(stock: Stock, admin: Any, unchanged: Any) -> None:
    kwargs: dict[str, Any] = {
        "product": stock.serial_product,
        "quantity": 1,
        "from_location": stock.supplier,
        "to_location": stock.quarantine,
        "serial_number": "SN-0001",
        "manufacture_date": dt.date(2026, 1, 1),
        "document_id": "R-1",
    }
    services.receive_into_quarantine(admin, **kwargs)
    with unchanged(*LEDGER), pytest.raises(DomainError) as exc:
        services.receive_into_quarantine(admin, **{**kwargs, "to_location": stock.returns})
    assert exc.value.code == "inventory.serial_in_stock"


def test_negative_stock_is_refused_naming_what_is_available(
    stock: Stock, admin: Any, unchanged: Any
) -> None:
    move = receive(stock, admin, "3")
    with unchanged(*LEDGER), pytest.raises(DomainError) as exc:
        services.transfer(
            admin,
            product=stock.lot_product,
            lot=move.lot_id,
            quantity="4",
            from_location=stock.quarantine,
            to_location=stock.returns,
        )
    assert exc.value.code == "inventory.insufficient_stock"
    assert exc.value.details["available"] == "3"
    assert exc.value.details["location"] == "QUA"


def test_only_released_stock_goes_to_storage_and_to_suitable_locations(
    stock: Stock, admin: Any
) -> None:
    move = receive(stock, admin, "5")
    with pytest.raises(DomainError) as exc:
        services.transfer(
            admin,
            product=stock.lot_product,
            lot=move.lot_id,
            quantity=1,
            from_location=stock.quarantine,
            to_location=stock.storage,
        )
    assert exc.value.code == "inventory.stock_not_released"
    release(move.lot)
    services.transfer(
        admin,
        product=stock.lot_product,
        lot=move.lot_id,
        quantity=2,
        from_location=stock.quarantine,
        to_location=stock.storage,
    )
    cold_lot = receive(stock, admin, "1", lot="C1", product=stock.cold_product).lot
    release(cold_lot)
    with pytest.raises(DomainError) as exc:  # TR-09: a 2–8 °C product on an ambient shelf
        services.transfer(
            admin,
            product=stock.cold_product,
            lot=cold_lot,
            quantity=1,
            from_location=stock.quarantine,
            to_location=stock.storage,
        )
    assert exc.value.code == "inventory.location_unsuitable"
    services.transfer(
        admin,
        product=stock.cold_product,
        lot=cold_lot,
        quantity=1,
        from_location=stock.quarantine,
        to_location=stock.cold,
    )


def test_reversal_mirrors_the_move_once(stock: Stock, admin: Any) -> None:
    move = receive(stock, admin, "5")
    reversal = services.reverse_move(admin, move.pk, reason="wrong lot keyed")
    assert reversal.reverses_id == move.pk
    assert (reversal.from_location_id, reversal.to_location_id) == (
        stock.quarantine.pk,
        stock.supplier.pk,
    )
    assert selectors.balance_of(stock.lot_product, location=stock.quarantine, lot=move.lot) == 0
    with pytest.raises(DomainError) as exc:
        services.reverse_move(admin, move.pk, reason="again")
    assert exc.value.code == "inventory.already_reversed"
    with pytest.raises(DomainError) as exc:
        services.reverse_move(admin, reversal.pk, reason="undo the undo")
    assert exc.value.code == "inventory.reversal_not_reversible"


def test_reversal_that_would_go_negative_is_refused(stock: Stock, admin: Any) -> None:
    move = receive(stock, admin, "5")
    services.transfer(
        admin,
        product=stock.lot_product,
        lot=move.lot_id,
        quantity=4,
        from_location=stock.quarantine,
        to_location=stock.returns,
    )
    with pytest.raises(DomainError) as exc:
        services.reverse_move(admin, move.pk, reason="wrong")
    assert exc.value.code == "inventory.insufficient_stock"


def test_fefo_lists_released_unexpired_unheld_stock_earliest_expiry_first(
    stock: Stock, admin: Any
) -> None:
    late = receive(stock, admin, "5", lot="LATE", expiry_date=dt.date(2027, 6, 1)).lot
    early = receive(stock, admin, "5", lot="EARLY", expiry_date=dt.date(2026, 9, 1)).lot
    quarantined = receive(stock, admin, "5", lot="QUAR", expiry_date=dt.date(2026, 8, 1)).lot
    for lot in (late, early):
        release(lot)
        services.transfer(
            admin,
            product=stock.lot_product,
            lot=lot,
            quantity=5,
            from_location=stock.quarantine,
            to_location=stock.storage,
        )
    rows = selectors.available_lots_fefo(stock.lot_product)
    assert [r.lot_number for r in rows] == ["EARLY", "LATE"]
    assert quarantined.number not in [r.lot_number for r in rows]
    # TR-07: a customer wanting 300 days of shelf life left gets only the late lot
    rows = selectors.available_lots_fefo(stock.lot_product, min_remaining_days=300)
    assert [r.lot_number for r in rows] == ["LATE"]
    # expired stock is computed out on the day after its expiry date
    rows = selectors.available_lots_fefo(stock.lot_product, on_date=dt.date(2026, 9, 2))
    assert [r.lot_number for r in rows] == ["LATE"]
    services.place_hold(admin, product=stock.lot_product, lot=late, reason="excursion")
    assert [r.lot_number for r in selectors.available_lots_fefo(stock.lot_product)] == ["EARLY"]
    assert selectors.available_quantity(stock.lot_product) == Decimal(5)


def test_returns_go_back_to_storage_only_by_a_qa_decision(
    stock: Stock, admin: Any, make_user: Any
) -> None:
    """TR-08: returned goods stay segregated until QA decides; the decision needs a reason."""
    from mederp.core.actors import Actor

    lot = receive(stock, admin, "5").lot
    release(lot)
    services.transfer(
        admin,
        product=stock.lot_product,
        lot=lot,
        quantity=5,
        from_location=stock.quarantine,
        to_location=stock.storage,
    )
    services.post_move(
        admin,
        product=stock.lot_product,
        lot=lot,
        quantity=2,
        from_location=stock.storage,
        to_location=stock.customer,
        document_type="sales.shipment",
        document_id="S-1",
    )
    services.receive_into_quarantine(
        admin,
        product=stock.lot_product,
        quantity=1,
        from_location=stock.customer,
        to_location=stock.returns,
        lot_number="L1",
        document_type="sales.return",
        document_id="RMA-1",
    )
    clerk = Actor.for_user(make_user("clerk", "warehouse"))
    back = {
        "product": stock.lot_product,
        "lot": lot,
        "quantity": 1,
        "from_location": stock.returns,
        "to_location": stock.storage,
    }
    with pytest.raises(DomainError) as exc:
        services.transfer(clerk, **back)
    assert exc.value.code == "permission_denied"
    with pytest.raises(DomainError) as exc:
        services.transfer(admin, **back)
    assert exc.value.code == "audit.reason_required"
    services.transfer(admin, **back, reason="inspected: sealed, undamaged")
    assert selectors.balance_of(stock.lot_product, location=stock.storage, lot=lot) == 4


def test_held_stock_stays_put(stock: Stock, admin: Any) -> None:
    """A hold on a shelf keeps its stock there: not shipped, not moved to another shelf."""
    lot = receive(stock, admin, "5").lot
    release(lot)
    services.transfer(
        admin,
        product=stock.lot_product,
        lot=lot,
        quantity=5,
        from_location=stock.quarantine,
        to_location=stock.storage,
    )
    services.place_hold(admin, product=stock.lot_product, location=stock.storage, reason="9 °C")
    move = {"product": stock.lot_product, "lot": lot, "quantity": 1, "from_location": stock.storage}
    with pytest.raises(DomainError) as exc:
        services.transfer(admin, **move, to_location=stock.storage2)
    assert exc.value.code == "inventory.stock_not_available"
    services.transfer(admin, **move, to_location=stock.rejected)  # disposition is allowed
