"""Inventory fixtures: a warehouse with a cold room, a JSON client helper, the tables to watch."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from mederp.catalog import services as catalog_services
from mederp.catalog.rules import gtin_check_digit
from mederp.core import clock
from mederp.core.actors import Actor
from mederp.inventory import services
from mederp.inventory.models import Location, Warehouse

#: What a refused request must leave alone (with the kernel tables ``unchanged`` always checks).
TABLES = (Warehouse, Location)


@pytest.fixture
def send() -> Callable[..., Any]:
    """``send(client, "post", url, body, **headers)``: a JSON request; a str body goes as is."""

    def call(client: Client, method: str, url: str, body: Any = None, **headers: Any) -> Any:
        data = body if isinstance(body, str) else json.dumps(body if body is not None else {})
        return client.generic(
            method.upper(), url, data=data, content_type="application/json", **headers
        )

    return call


@pytest.fixture
def warehouse(admin: Actor) -> Warehouse:
    return services.create_warehouse(
        admin,
        code="SZ01",
        name_zh="苏州仓",
        name_en="Suzhou warehouse",
        address="江苏省苏州市工业园区示例路 1 号",
    )


@pytest.fixture
def cold_room(admin: Actor, warehouse: Warehouse) -> Location:
    return services.create_location(
        admin,
        warehouse.pk,
        code="COLD",
        name="冷库 2–8 °C",
        name_en="Cold room",
        kind="cold",
        temp_min_c=Decimal("2"),
        temp_max_c=Decimal("8"),
    )


@pytest.fixture
def quarantine(admin: Actor, warehouse: Warehouse) -> Location:
    return services.create_location(
        admin, warehouse.pk, code="QUA", name="待验区", name_en="Quarantine", kind="quarantine"
    )


# --- the stock ledger --------------------------------------------------------------------------

#: The day the ledger tests live on.
TODAY = dt.date(2026, 6, 15)


def gtin(seq: int) -> str:
    base = f"0690999{seq:06d}"
    return base + gtin_check_digit(base)


@pytest.fixture
def today() -> Iterator[dt.date]:
    with clock.frozen(dt.datetime(2026, 6, 15, 10, 0, tzinfo=dt.UTC)):
        yield TODAY


@dataclass
class Stock:
    """A warehouse with one location of each kind and one product of each tracking."""

    warehouse: Warehouse
    supplier: Location
    quarantine: Location
    storage: Location
    storage2: Location
    cold: Location
    customer: Location
    returns: Location
    rejected: Location
    adjustment: Location
    lot_product: Any
    serial_product: Any
    plain_product: Any
    cold_product: Any


@pytest.fixture
def stock(db: Any, system: Actor, today: dt.date) -> Stock:
    """Everything the ledger tests move stock between (system actor: master data is not
    what they test)."""
    wh = services.create_warehouse(system, code="WH1", name_zh="一号仓", name_en="Warehouse 1")

    def loc(code: str, kind: str, **extra: Any) -> Location:
        return services.create_location(system, wh.pk, code=code, name=code, kind=kind, **extra)

    uom = catalog_services.create_uom(system, code="EA", name_zh="个", name_en="each")

    def product(seq: int, tracking: str, **extra: Any) -> Any:
        return catalog_services.create_product(
            system,
            code=f"INV-{seq:03d}",
            name_zh="注射器",
            name_en="Syringe",
            gtin=gtin(seq),
            uom=uom,
            tracking=tracking,
            device_class="II",
            category_code="14-02",
            **extra,
        )

    return Stock(
        warehouse=wh,
        supplier=loc("SUP", "supplier"),
        quarantine=loc("QUA", "quarantine"),
        storage=loc("A-01", "storage"),
        storage2=loc("A-02", "storage"),
        cold=loc("COLD", "cold", temp_min_c=Decimal("2"), temp_max_c=Decimal("8")),
        customer=loc("CUS", "customer"),
        returns=loc("RET", "returns"),
        rejected=loc("REJ", "rejected"),
        adjustment=loc("ADJ", "adjustment"),
        lot_product=product(1, "lot", shelf_life_days=730),
        serial_product=product(2, "serial", shelf_life_days=1825),
        plain_product=product(3, "none"),
        cold_product=product(
            4,
            "lot",
            shelf_life_days=365,
            storage_min_c=Decimal("2"),
            storage_max_c=Decimal("8"),
        ),
    )


def release(item: Any) -> Any:
    """Set a lot's or serial's status to released directly: for tests about moves, not about the
    signed release (test_lot_status.py proves that)."""
    type(item).objects.filter(pk=item.pk).update(status="released")
    item.refresh_from_db()
    return item


@pytest.fixture
def person(make_user: Callable[..., Any]) -> Callable[..., Any]:
    """``person("qa1", "qa_manager")``: a user with a TOTP device (``.secret``) and ``.actor``."""
    from tests.signing_support import enrol_totp

    def make(username: str, *roles: str) -> Any:
        user = make_user(username, *roles, printed_name=f"{username} 签名人")
        user.secret = enrol_totp(user)
        user.actor = Actor.for_user(user)
        return user

    return make


def receive_lot(stock: Stock, actor: Actor, qty: Any = "10", lot: str = "L1", **kw: Any) -> Any:
    """Receive ``qty`` of the lot-tracked product into quarantine; returns the move."""
    return services.receive_into_quarantine(
        actor,
        product=kw.pop("product", stock.lot_product),
        quantity=qty,
        from_location=kw.pop("from_location", stock.supplier),
        to_location=kw.pop("to_location", stock.quarantine),
        lot_number=lot,
        manufacture_date=kw.pop("manufacture_date", dt.date(2026, 1, 1)),
        document_id=kw.pop("document_id", "R-1"),
        **kw,
    )


def put_away(stock: Stock, actor: Actor, lot: Any, qty: Any, to: Location | None = None) -> Any:
    """Release ``lot`` (directly) and transfer ``qty`` from quarantine to storage."""
    release(lot)
    return services.transfer(
        actor,
        product=lot.product_id,
        lot=lot,
        quantity=qty,
        from_location=stock.quarantine,
        to_location=to or stock.storage,
    )
