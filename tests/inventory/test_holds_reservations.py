"""Holds and reservations (issue 4 §5, §6 as the ledger sees them; TR-04, TR-06; ES-12).

Held stock is not available until QA releases the hold by signature; reserved stock is not
available to anyone else, and a shipment consumes its reservation.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from tests.inventory.conftest import Stock, put_away, receive_lot
from tests.signing_support import PASSWORD, code, later

from mederp.core.errors import DomainError
from mederp.core.models import OutboxEvent, Signature
from mederp.inventory import selectors, services
from mederp.inventory.models import Balance, Move, Reservation, StockHold
from mederp.inventory.reconcile import reconcile


@pytest.fixture
def in_storage(stock: Stock, admin: Any) -> Any:
    lot = receive_lot(stock, admin, "10").lot
    put_away(stock, admin, lot, 10)
    return lot


def ship(stock: Stock, actor: Any, lot: Any, qty: Any, **kw: Any) -> Move:
    return services.post_move(
        actor,
        product=stock.lot_product,
        lot=lot,
        quantity=qty,
        from_location=stock.storage,
        to_location=stock.customer,
        document_type="sales.shipment",
        document_id="S-1",
        **kw,
    )


def test_a_held_location_blocks_shipping_until_qa_releases_by_signature(
    stock: Stock, admin: Any, in_storage: Any, person: Any
) -> None:
    hold = services.place_hold(
        admin,
        product=stock.lot_product,
        location=stock.storage,
        reason="excursion 9.4 °C",
        source_type="inventory.excursion",
        source_id=7,
    )
    assert OutboxEvent.objects.filter(event_type="inventory.stock.held").exists()
    assert selectors.available_quantity(stock.lot_product) == 0
    with pytest.raises(DomainError) as exc:
        ship(stock, admin, in_storage, 1)
    assert exc.value.code == "inventory.stock_not_available"
    assert exc.value.details["why"] == "on hold"
    qa = person("qa", "qa_manager")
    with pytest.raises(DomainError) as exc:
        services.release_hold(qa.actor, hold.pk, password="wrong", reason="ok", totp="1")
    assert exc.value.code == "identity.invalid_credentials"
    assert StockHold.objects.get(pk=hold.pk).released_at is None
    released = services.release_hold(
        qa.actor, hold.pk, password=PASSWORD, totp=code(qa.secret), reason="data logger fault"
    )
    assert released.release_signature_id is not None
    assert Signature.objects.get(pk=released.release_signature_id).meaning == "released"
    assert selectors.available_quantity(stock.lot_product) == 10
    later()
    with pytest.raises(DomainError) as exc:
        services.release_hold(
            qa.actor, hold.pk, password=PASSWORD, totp=code(qa.secret), reason="again"
        )
    assert exc.value.code == "inventory.hold_not_active"


def test_reservations_take_stock_out_of_availability_and_shipping_consumes_them(
    stock: Stock, admin: Any, in_storage: Any, unchanged: Any
) -> None:
    r = services.reserve(
        admin,
        product=stock.lot_product,
        lot=in_storage,
        location=stock.storage,
        quantity=6,
        document_type="sales.allocation",
        document_id="SO-1",
    )
    assert selectors.available_quantity(stock.lot_product) == 4
    with unchanged(Reservation, Balance), pytest.raises(DomainError) as exc:
        services.reserve(
            admin,
            product=stock.lot_product,
            lot=in_storage,
            location=stock.storage,
            quantity=5,
            document_type="sales.allocation",
            document_id="SO-2",
        )
    assert exc.value.code == "inventory.insufficient_stock"
    # unreserved shipping cannot take reserved units
    with pytest.raises(DomainError) as exc:
        ship(stock, admin, in_storage, 5)
    assert exc.value.code == "inventory.insufficient_stock"
    with pytest.raises(DomainError) as exc:  # more than the reservation holds
        ship(stock, admin, in_storage, 7, reservation=r)
    assert exc.value.code in {"inventory.reservation_exceeded", "inventory.insufficient_stock"}
    ship(stock, admin, in_storage, 6, reservation=r.pk)
    assert Reservation.objects.get(pk=r.pk).quantity == 0
    balance = Balance.objects.get(location=stock.storage)
    assert (balance.quantity, balance.reserved) == (Decimal(4), Decimal(0))
    assert reconcile() == []


def test_releasing_a_reservation_gives_the_stock_back(
    stock: Stock, admin: Any, in_storage: Any
) -> None:
    r = services.reserve(
        admin,
        product=stock.lot_product,
        lot=in_storage,
        location=stock.storage,
        quantity="2.5",
        document_type="sales.allocation",
        document_id="SO-1",
    )
    services.release_reservation(admin, r.pk, quantity=1)
    assert selectors.available_quantity(stock.lot_product) == Decimal("8.5")
    services.release_reservation(admin, r.pk)
    assert selectors.available_quantity(stock.lot_product) == 10
    assert reconcile() == []


def test_unavailable_stock_cannot_be_reserved(stock: Stock, admin: Any) -> None:
    lot = receive_lot(stock, admin, "3").lot
    with pytest.raises(DomainError) as exc:
        services.reserve(
            admin,
            product=stock.lot_product,
            lot=lot,
            location=stock.quarantine,
            quantity=1,
            document_type="sales.allocation",
            document_id="SO-1",
        )
    assert exc.value.code == "inventory.stock_not_available"
