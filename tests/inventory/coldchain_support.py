"""Cold-chain test helpers: stock in the cold room and readings to send."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from tests.inventory.conftest import Stock, put_away, receive_lot

from mederp.core import clock
from mederp.core.actors import Actor
from mederp.inventory.coldchain import services
from mederp.inventory.coldchain.ingest import ReadingData


@dataclass
class ColdRoom:
    """Stock in the 2–8 °C room: ``cold_lot`` of the 2–8 °C product (10 units) and ``plain_lot``
    of a product with no storage range (5 units); ``other_lot`` of the 2–8 °C product waits in
    quarantine, in another place."""

    stock: Stock
    cold_lot: Any
    plain_lot: Any
    other_lot: Any


def fill_cold_room(stock: Stock, actor: Actor) -> ColdRoom:
    cold_lot = receive_lot(stock, actor, "10", lot="C1", product=stock.cold_product).lot
    put_away(stock, actor, cold_lot, 10, to=stock.cold)
    plain_lot = receive_lot(stock, actor, "5", lot="P1").lot
    put_away(stock, actor, plain_lot, 5, to=stock.cold)
    other_lot = receive_lot(
        stock, actor, "4", lot="C2", product=stock.cold_product, document_id="R-2"
    ).lot
    return ColdRoom(stock, cold_lot, plain_lot, other_lot)


def reading(
    location: Any,
    celsius: Any,
    reading_id: str = "LOG7-0001",
    *,
    minutes_ago: int = 1,
    source: str = "LOG7",
    raw: str = "",
) -> ReadingData:
    return ReadingData(
        reading_id=reading_id,
        location=location.pk if hasattr(location, "pk") else location,
        measured_at=clock.now() - dt.timedelta(minutes=minutes_ago),
        celsius=Decimal(celsius) if isinstance(celsius, str) else celsius,
        source=source,
        raw=raw or f'{{"id":"{reading_id}","t":"{celsius}"}}',
    )


def send(actor: Actor, *readings: ReadingData) -> list[services.Recorded]:
    return services.record_readings(actor, list(readings))
