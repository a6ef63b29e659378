"""Temperature ingest (issue 4 §6; CN-14, DI-02, DI-03, DI-09): readings are recorded once per
logger reading id, and a reading outside a stored product's range holds that stock and opens an
excursion, all in the reading's transaction."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from tests.inventory.coldchain_support import ColdRoom, fill_cold_room, reading, send
from tests.inventory.conftest import Stock

from mederp.core import clock
from mederp.core.actors import Actor
from mederp.core.errors import DomainError
from mederp.core.models import AuditEntry, OutboxEvent
from mederp.identity import services as identity_services
from mederp.inventory import selectors
from mederp.inventory.coldchain import ingest
from mederp.inventory.coldchain.ingest import ReadingData
from mederp.inventory.models import Excursion, StockHold, TemperatureReading

WATCHED = (TemperatureReading, Excursion, StockHold)


@pytest.fixture
def room(stock: Stock, system: Actor) -> ColdRoom:
    return fill_cold_room(stock, system)


@pytest.fixture
def logger(system: Actor) -> Actor:
    """The data logger's gateway: an API client with the warehouse role."""
    user, _key = identity_services.create_api_client(system, name="logger-gw", roles=["warehouse"])
    return Actor.for_user(user)


def events(kind: str) -> list[OutboxEvent]:
    return list(OutboxEvent.objects.filter(event_type=kind).order_by("id"))


def test_a_reading_in_range_is_recorded_with_its_raw_form_audited_and_announced(
    room: ColdRoom, logger: Actor
) -> None:
    """DI-02: the raw form is kept beside the parsed values; AT-01: the insert is audited."""
    raw = '{"id":"LOG7-0001","t":"5.25","unit":"C"}'
    (answer,) = send(logger, reading(room.stock.cold, "5.25", raw=raw))
    assert answer.created
    stored = TemperatureReading.objects.get(reading_id="LOG7-0001")
    assert stored.celsius == Decimal("5.25")
    assert stored.raw == raw
    assert stored.source == "LOG7"
    assert stored.received_at == clock.now()
    assert stored.measured_at == clock.now() - dt.timedelta(minutes=1)
    entry = AuditEntry.objects.get(record_type="inventory.temperaturereading")
    assert (entry.actor_kind, entry.actor_id) == ("client", logger.id)
    assert len(events("inventory.temperature.recorded")) == 1
    assert not Excursion.objects.exists()
    assert not StockHold.objects.exists()


def test_the_same_reading_sent_again_is_answered_as_before_and_writes_nothing(
    room: ColdRoom, logger: Actor, unchanged: Any
) -> None:
    """DI-03: a retried post never records a reading twice."""
    (first,) = send(logger, reading(room.stock.cold, "9.5"))
    with unchanged(*WATCHED):
        (again,) = send(logger, reading(room.stock.cold, "9.50", raw="resent"))
    assert not again.created
    assert again.reading.pk == first.reading.pk
    assert again.reading.raw == first.reading.raw


def test_the_same_reading_id_with_other_values_is_refused_and_nothing_is_written(
    room: ColdRoom, logger: Actor, unchanged: Any
) -> None:
    send(logger, reading(room.stock.cold, "5.0"))
    with unchanged(*WATCHED), pytest.raises(DomainError) as exc:
        send(logger, reading(room.stock.cold, "5.1"))
    assert exc.value.code == "inventory.reading_conflict"
    assert exc.value.http_status == 409
    assert exc.value.details["conflicting"] == ["celsius"]
    assert TemperatureReading.objects.get().celsius == Decimal("5.00")


def test_an_out_of_range_reading_holds_the_affected_stock_and_opens_an_excursion(
    room: ColdRoom, logger: Actor
) -> None:
    """CN-14: 9.4 °C is outside the 2–8 °C product's range; the product without a range stored
    beside it, and the same product's lot elsewhere, are not affected."""
    assert selectors.available_quantity(room.stock.cold_product) == 10
    send(logger, reading(room.stock.cold, "9.4"))
    excursion = Excursion.objects.get()
    assert excursion.status == "open"
    assert excursion.location_id == room.stock.cold.pk
    assert (excursion.min_celsius, excursion.max_celsius) == (Decimal("9.4"), Decimal("9.4"))
    assert excursion.first_reading.reading_id == "LOG7-0001"
    hold = StockHold.objects.get()
    assert (hold.product_id, hold.lot_id, hold.location_id) == (
        room.stock.cold_product.pk,
        room.cold_lot.pk,
        room.stock.cold.pk,
    )
    assert (hold.source_type, hold.source_id) == ("inventory.excursion", str(excursion.pk))
    assert "9.4 °C" in hold.reason and "2–8 °C" in hold.reason
    assert hold.placed_by_name.startswith("cold chain (")
    # held stock is not available (inventory.selectors), the unaffected product still is
    assert selectors.available_quantity(room.stock.cold_product) == 0
    assert selectors.available_quantity(room.stock.lot_product) == 5
    opened = events("inventory.excursion.opened")
    assert len(opened) == 1 and opened[0].payload["hold_ids"] == [hold.pk]
    assert [e.payload["id"] for e in events("inventory.stock.held")] == [hold.pk]
    audited = set(AuditEntry.objects.values_list("record_type", flat=True))
    assert {"inventory.excursion", "inventory.stockhold", "inventory.temperaturereading"} <= (
        audited
    )


def test_a_refusal_in_a_batch_names_the_item_and_writes_nothing(
    room: ColdRoom, logger: Actor, unchanged: Any
) -> None:
    send(logger, reading(room.stock.cold, "5.0", "LOG7-0001"))
    with unchanged(*WATCHED), pytest.raises(DomainError) as exc:
        send(
            logger,
            reading(room.stock.cold, "11.0", "LOG7-0002"),
            reading(room.stock.cold, "6.0", "LOG7-0001"),
        )
    assert exc.value.code == "inventory.reading_conflict"
    assert exc.value.details["index"] == 1
    assert selectors.available_quantity(room.stock.cold_product) == 10


def test_the_reading_its_excursion_and_its_holds_commit_together_or_not_at_all(
    room: ColdRoom, logger: Actor, unchanged: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """AT-01, invariant 3: a crash at the last write of the reading's transaction (the
    excursion's event, after the reading, the excursion and the holds were written) leaves
    none of them behind."""
    real_emit = ingest.outbox.emit

    def crash_on_opened(actor: Actor, event_type: str, **kw: Any) -> Any:
        if event_type == "inventory.excursion.opened":
            raise RuntimeError("power cut")
        return real_emit(actor, event_type, **kw)

    monkeypatch.setattr(ingest.outbox, "emit", crash_on_opened)
    with unchanged(*WATCHED), pytest.raises(RuntimeError):
        send(logger, reading(room.stock.cold, "11.0"))
    monkeypatch.undo()
    assert selectors.available_quantity(room.stock.cold_product) == 10
    send(logger, reading(room.stock.cold, "11.0"))
    assert StockHold.objects.count() == 1


def test_further_bad_readings_extend_the_open_excursion_and_hold_nothing_twice(
    room: ColdRoom, logger: Actor
) -> None:
    send(logger, reading(room.stock.cold, "8.5", "R1", minutes_ago=3))
    send(logger, reading(room.stock.cold, "10.25", "R2", minutes_ago=2))
    send(logger, reading(room.stock.cold, "1.5", "R3", minutes_ago=1))
    excursion = Excursion.objects.get()
    assert (excursion.min_celsius, excursion.max_celsius) == (Decimal("1.5"), Decimal("10.25"))
    assert excursion.last_reading.reading_id == "R3"
    assert StockHold.objects.count() == 1
    extended = events("inventory.excursion.extended")
    assert [e.payload["hold_ids"] for e in extended] == [[], []]
    assert extended[-1].payload["max_celsius"] == "10.25"


def test_a_reading_back_in_range_is_recorded_and_closes_nothing(
    room: ColdRoom, logger: Actor
) -> None:
    """Closing is QA's decision, never automatic."""
    send(logger, reading(room.stock.cold, "12", "R1", minutes_ago=2))
    send(logger, reading(room.stock.cold, "5", "R2", minutes_ago=1))
    excursion = Excursion.objects.get()
    assert excursion.status == "open"
    assert excursion.last_reading.reading_id == "R1"
    assert StockHold.objects.filter(released_at__isnull=True).count() == 1


def test_a_late_reading_does_not_become_the_last_one(room: ColdRoom, logger: Actor) -> None:
    send(logger, reading(room.stock.cold, "12", "R2", minutes_ago=1))
    send(logger, reading(room.stock.cold, "13", "R1", minutes_ago=30))
    excursion = Excursion.objects.get()
    assert excursion.last_reading.reading_id == "R2"
    assert excursion.max_celsius == Decimal("13")


def test_a_batch_records_new_readings_and_answers_known_ones_as_before(
    room: ColdRoom, logger: Actor
) -> None:
    send(logger, reading(room.stock.cold, "5", "R1", minutes_ago=3))
    answers = send(
        logger,
        reading(room.stock.cold, "5", "R1", minutes_ago=3),
        reading(room.stock.cold, "6", "R2", minutes_ago=2),
        reading(room.stock.cold, "6", "R2", minutes_ago=2),
    )
    assert [a.created for a in answers] == [False, True, True]
    assert answers[1].reading.pk == answers[2].reading.pk
    assert TemperatureReading.objects.count() == 2


def test_a_reading_where_nothing_is_stored_opens_no_excursion(stock: Stock, logger: Actor) -> None:
    send(logger, reading(stock.cold, "30"))
    assert TemperatureReading.objects.count() == 1
    assert not Excursion.objects.exists()


@pytest.mark.parametrize(
    "change,code",
    [
        ({"celsius": Decimal("-273")}, "inventory.reading_out_of_bounds"),
        ({"celsius": Decimal("150")}, "inventory.reading_out_of_bounds"),
        ({"celsius": Decimal("5.125")}, "inventory.reading_precision"),
        ({"celsius": 5.5}, "inventory.reading_not_exact"),
        ({"celsius": "warm"}, "inventory.reading_not_exact"),
        ({"celsius": "NaN"}, "inventory.reading_not_exact"),
        ({"measured_at": dt.datetime(2026, 6, 15, 9, 0)}, "inventory.reading_time_naive"),
        (
            {"measured_at": dt.datetime(2026, 6, 15, 11, 0, tzinfo=dt.UTC)},
            "inventory.reading_in_future",
        ),
        ({"reading_id": "  "}, "inventory.reading_id_invalid"),
        ({"reading_id": "x" * 101}, "inventory.reading_id_invalid"),
        ({"location": 999999}, "not_found"),
    ],
)
def test_bad_readings_are_refused_with_a_code_and_nothing_is_written(
    room: ColdRoom, logger: Actor, unchanged: Any, change: dict[str, Any], code: str
) -> None:
    """DI-09: range and format checks on temperatures and times."""
    good = reading(room.stock.cold, "12")
    bad = ReadingData(**{**good.__dict__, **change})
    with unchanged(*WATCHED), pytest.raises(DomainError) as exc:
        send(logger, good.__class__(**{**good.__dict__, "reading_id": "OK-1"}), bad)
    assert exc.value.code == code
    assert exc.value.details["index"] == 1


def test_a_reading_for_a_place_outside_the_warehouse_is_refused(
    stock: Stock, logger: Actor, unchanged: Any
) -> None:
    with unchanged(*WATCHED), pytest.raises(DomainError) as exc:
        send(logger, reading(stock.supplier, "5"))
    assert exc.value.code == "inventory.reading_location_external"


def test_an_empty_or_oversized_batch_is_refused(stock: Stock, logger: Actor) -> None:
    with pytest.raises(DomainError) as exc:
        send(logger)
    assert exc.value.code == "inventory.reading_batch_empty"
    many = [reading(stock.cold, "5", f"R{i}") for i in range(1001)]
    with pytest.raises(DomainError) as exc:
        send(logger, *many)
    assert exc.value.code == "inventory.reading_batch_empty"


def test_someone_without_the_ingest_permission_is_refused(
    room: ColdRoom, make_user: Any, unchanged: Any
) -> None:
    auditor = Actor.for_user(make_user("aud", "auditor"))
    with unchanged(*WATCHED), pytest.raises(DomainError) as exc:
        send(auditor, reading(room.stock.cold, "5"))
    assert exc.value.code == "permission_denied"
