"""QA's signed decisions on a cold-chain excursion (issue 4 §6; CN-14, TR-04; 21 CFR 11.50,
11.70, 11.200; ES-04, ES-13): release held stock, reject it into the rejected-goods area, close
the excursion. A refused signature writes nothing but its security-log record."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from tests.inventory.coldchain_support import ColdRoom, fill_cold_room, reading, send
from tests.inventory.conftest import Stock
from tests.signing_support import PASSWORD, code, later

from mederp.core import signatures
from mederp.core.actors import Actor
from mederp.core.errors import DomainError
from mederp.core.models import AuditEntry, OutboxEvent, Signature
from mederp.identity.models import SecurityEvent
from mederp.inventory import selectors
from mederp.inventory.coldchain import services
from mederp.inventory.models import Excursion, Move, StockHold
from mederp.inventory.reconcile import reconcile


@pytest.fixture
def room(stock: Stock, system: Actor) -> ColdRoom:
    return fill_cold_room(stock, system)


@pytest.fixture
def excursion(room: ColdRoom, system: Actor) -> Excursion:
    """The 2–8 °C room read 11 °C, then 5 °C again."""
    send(system, reading(room.stock.cold, "11", "R1", minutes_ago=20))
    send(system, reading(room.stock.cold, "5", "R2", minutes_ago=10))
    return Excursion.objects.get()


@pytest.fixture
def hold(excursion: Excursion) -> StockHold:
    return StockHold.objects.get(source_id=str(excursion.pk))


@pytest.fixture
def qa(person: Any) -> Any:
    return person("qa", "qa_manager")


def snapshot() -> tuple[Any, ...]:
    return (
        Signature.objects.count(),
        AuditEntry.objects.count(),
        OutboxEvent.objects.exclude(event_type="identity.security.alert").count(),
        Move.objects.count(),
        list(StockHold.objects.values_list("released_at", "version")),
        list(Excursion.objects.values_list("status", "version")),
    )


def refused(fn: Any, *args: Any, **kwargs: Any) -> DomainError:
    """The call is refused with a code; it wrote nothing but its security-log record (ES-13)."""
    before, logged = snapshot(), SecurityEvent.objects.count()
    with pytest.raises(DomainError) as exc:
        fn(*args, **kwargs)
    assert snapshot() == before, "a refused decision wrote something"
    assert SecurityEvent.objects.count() > logged, "the refusal was not security-logged"
    return exc.value


def release(user: Any, hold: StockHold, **kw: Any) -> StockHold:
    kw.setdefault("totp", code(user.secret))
    kw.setdefault("reason", "Stability data cover 72 h at 11 °C: stock OK")
    return services.release_hold(user.actor, hold.pk, password=kw.pop("password", PASSWORD), **kw)


def reject(user: Any, hold: StockHold, to: Any, **kw: Any) -> StockHold:
    kw.setdefault("totp", code(user.secret))
    kw.setdefault("reason", "No stability data above 8 °C: reject")
    return services.reject_held_stock(
        user.actor, hold.pk, to_location=to, password=kw.pop("password", PASSWORD), **kw
    )


def close(user: Any, excursion: Excursion, **kw: Any) -> Excursion:
    kw.setdefault("totp", code(user.secret))
    kw.setdefault("reason", "Door left open during loading; stock evaluated; CAPA 12")
    return services.close_excursion(
        user.actor, excursion.pk, password=kw.pop("password", PASSWORD), **kw
    )


def test_qa_releases_held_stock_by_signature_and_it_is_available_again(
    room: ColdRoom, hold: StockHold, qa: Any
) -> None:
    assert selectors.available_quantity(room.stock.cold_product) == 0
    released = release(qa, hold)
    assert released.released_at is not None
    sig = Signature.objects.get(pk=released.release_signature_id)
    assert (sig.meaning, sig.signer_id, sig.record_type) == (
        "released",
        qa.pk,
        "inventory.stockhold",
    )
    assert signatures.latest_valid(released, "released")
    assert selectors.available_quantity(room.stock.cold_product) == 10
    assert OutboxEvent.objects.filter(event_type="inventory.stock.hold_released").count() == 1


def test_a_wrong_password_releases_nothing_and_only_the_security_log_records_it(
    room: ColdRoom, hold: StockHold, qa: Any
) -> None:
    err = refused(release, qa, hold, password="not-my-password")
    assert err.code == "identity.invalid_credentials"
    assert SecurityEvent.objects.filter(kind="signature_failed").exists()
    assert selectors.available_quantity(room.stock.cold_product) == 0


def test_a_warehouse_user_may_not_release_held_stock(hold: StockHold, person: Any) -> None:
    clerk = person("clerk", "warehouse")
    err = refused(release, clerk, hold)
    assert err.code == "signatures.not_permitted"


def test_qa_rejects_held_stock_into_the_rejected_goods_area_by_signature(
    room: ColdRoom, hold: StockHold, qa: Any
) -> None:
    stock = room.stock
    ended = reject(qa, hold, stock.rejected)
    assert ended.released_at is not None
    sig = Signature.objects.get(pk=ended.release_signature_id)
    assert sig.meaning == "rejected" and sig.reason == "No stability data above 8 °C: reject"
    move = Move.objects.get(document_type="inventory.hold_rejection")
    assert (move.from_location_id, move.to_location_id, move.quantity, move.lot_id) == (
        stock.cold.pk,
        stock.rejected.pk,
        Decimal("10"),
        room.cold_lot.pk,
    )
    assert move.document_id == str(hold.pk)
    assert selectors.balance_of(stock.cold_product, location=stock.cold, lot=room.cold_lot) == 0
    assert (
        selectors.balance_of(stock.cold_product, location=stock.rejected, lot=room.cold_lot) == 10
    )
    assert selectors.available_quantity(stock.cold_product) == 0
    event = OutboxEvent.objects.get(event_type="inventory.stock.hold_rejected")
    assert event.payload["to_location_id"] == stock.rejected.pk
    assert reconcile() == []


def test_rejecting_needs_a_reason(hold: StockHold, qa: Any, room: ColdRoom) -> None:
    err = refused(reject, qa, hold, room.stock.rejected, reason=" ")
    assert err.code == "signatures.reason_required"


def test_rejected_stock_goes_only_to_a_rejected_goods_location(
    hold: StockHold, qa: Any, room: ColdRoom
) -> None:
    err = refused(reject, qa, hold, room.stock.storage)
    assert err.code == "inventory.rejection_location_required"


def test_a_wrong_password_rejects_nothing(hold: StockHold, qa: Any, room: ColdRoom) -> None:
    err = refused(reject, qa, hold, room.stock.rejected, password="nope")
    assert err.code == "identity.invalid_credentials"


def test_a_hold_already_decided_cannot_be_decided_again(
    hold: StockHold, qa: Any, room: ColdRoom
) -> None:
    release(qa, hold)
    later()
    err = refused(reject, qa, hold, room.stock.rejected)
    assert err.code == "inventory.hold_not_active"


def test_an_excursion_closes_only_after_every_held_stock_was_decided(
    excursion: Excursion, hold: StockHold, qa: Any
) -> None:
    err = refused(close, qa, excursion)
    assert err.code == "inventory.excursion_holds_active"
    assert err.details["holds"] == [hold.pk]
    later()
    release(qa, hold)
    later()
    closed = close(qa, excursion)
    assert closed.status == "closed" and closed.closed_by_id == qa.pk
    assert closed.closing_reason.startswith("Door left open")
    sig = Signature.objects.get(pk=closed.closing_signature_id)
    assert (sig.meaning, sig.record_type) == ("closed", "inventory.excursion")
    assert signatures.latest_valid(closed, "closed")
    assert OutboxEvent.objects.filter(event_type="inventory.excursion.closed").count() == 1


def test_an_excursion_does_not_close_while_the_room_is_still_out_of_range(
    room: ColdRoom, excursion: Excursion, hold: StockHold, qa: Any, system: Actor
) -> None:
    release(qa, hold)
    send(system, reading(room.stock.cold, "9", "R3", minutes_ago=1))
    # the new bad reading held the released stock again, under the same excursion
    again = StockHold.objects.get(released_at__isnull=True)
    assert again.source_id == str(excursion.pk)
    later()
    reject(qa, again, room.stock.rejected)
    later()
    # nothing of the 2–8 °C product is left in the room: 9 °C affects no stock any more
    closed = close(qa, excursion)
    assert closed.status == "closed"


def test_closing_needs_the_assessment(excursion: Excursion, hold: StockHold, qa: Any) -> None:
    release(qa, hold)
    later()
    err = refused(close, qa, excursion, reason="")
    assert err.code == "signatures.reason_required"


def test_closing_is_refused_while_the_room_reads_out_of_range(
    room: ColdRoom, excursion: Excursion, hold: StockHold, qa: Any, system: Actor
) -> None:
    """QA released the stock, but the latest reading (9 °C) is still outside its range."""
    release(qa, hold)
    send(system, reading(room.stock.cold, "9", "R3", minutes_ago=1))
    later()
    release(qa, StockHold.objects.get(released_at__isnull=True))
    later()
    err = refused(close, qa, excursion)
    assert err.code == "inventory.excursion_still_out_of_range"
    assert err.details["reading_id"] == "R3"


def test_a_closed_excursion_cannot_be_closed_again_and_the_next_bad_reading_opens_a_new_one(
    room: ColdRoom, excursion: Excursion, hold: StockHold, qa: Any, system: Actor
) -> None:
    release(qa, hold)
    later()
    close(qa, excursion)
    later()
    err = refused(close, qa, excursion)
    assert err.code == "inventory.excursion_not_open"
    send(system, reading(room.stock.cold, "12", "R9", minutes_ago=0))
    assert Excursion.objects.filter(status="open").exclude(pk=excursion.pk).count() == 1


def test_only_qa_closes_excursions(excursion: Excursion, hold: StockHold, person: Any) -> None:
    clerk = person("clerk", "warehouse")
    err = refused(close, clerk, excursion)
    assert err.code == "signatures.not_permitted"


def test_held_stock_cannot_be_moved_out_from_under_its_hold_into_saleable_storage(
    room: ColdRoom, hold: StockHold, system: Actor
) -> None:
    """The excursion's hold is on the cold room: moving the lot to another fridge would leave
    the hold behind and make the stock available."""
    from mederp.inventory import services as inventory_services

    stock = room.stock
    other_fridge = inventory_services.create_location(
        system,
        stock.warehouse.pk,
        code="COLD2",
        name="冷库 2",
        kind="cold",
        temp_min_c=Decimal("2"),
        temp_max_c=Decimal("8"),
    )
    with pytest.raises(DomainError) as exc:
        inventory_services.transfer(
            system,
            product=stock.cold_product,
            lot=room.cold_lot,
            quantity=10,
            from_location=stock.cold,
            to_location=other_fridge,
        )
    assert exc.value.code == "inventory.stock_not_available"
    assert selectors.available_quantity(stock.cold_product) == 0
