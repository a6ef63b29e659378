"""Sales fixtures: a qualified customer with its distribution licence, approved products with
registration certificates, a warehouse with released stock in storage, and the people who sell,
pick, review and approve.

Master data is created by the system actor and approved by QA through the real signing
services, so every gate sees exactly what production would. Stock is received into quarantine
through the ledger and its status set to released directly: these tests are about selling it,
the signed release is inventory's to prove."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from tests.signing_support import PASSWORD, code, enrol_totp, frozen_clock, later

from mederp.catalog import services as catalog
from mederp.catalog.models import Product
from mederp.catalog.rules import gtin_check_digit
from mederp.core.actors import Actor
from mederp.identity.models import User
from mederp.inventory import services as inventory
from mederp.inventory.models import Location, Lot, Move, Reservation, Serial
from mederp.partners import services as partners
from mederp.partners.models import Partner, QualificationDocument
from mederp.sales import services
from mederp.sales.models import (
    Allocation,
    DistributionRecord,
    Pick,
    SalesOrder,
    SalesOrderLine,
    SalesReturn,
    Shipment,
)

#: The day the sales tests live on (10:00 in Shanghai: UTC and local dates agree).
TODAY = dt.date(2026, 6, 15)

#: What a refused request must leave alone (with the kernel tables ``unchanged`` checks).
TABLES = (
    SalesOrder,
    SalesOrderLine,
    Allocation,
    Pick,
    Shipment,
    DistributionRecord,
    SalesReturn,
    Reservation,
    Move,
)

GS = "\x1d"


def gtin(seq: int) -> str:
    base = f"0690555{seq:06d}"
    return base + gtin_check_digit(base)


def gs1(product: Product, *, lot: str | None = None, serial: str | None = None, **ai: str) -> str:
    """The element string on the product's label: (01) GTIN, (17) expiry, (10) lot, (21)
    serial, with the group separator after each variable-length element."""
    text = f"01{product.gtin}"
    if "expiry" in ai:
        text += f"17{ai['expiry']}"
    if lot is not None:
        text += f"10{lot}" + (GS if serial is not None else "")
    if serial is not None:
        text += f"21{serial}"
    return text


@pytest.fixture(autouse=True)
def clock_frozen() -> Iterator[None]:
    with frozen_clock():
        yield


@dataclass
class World:
    seller: User
    picker: User
    reviewer: User
    qa: User
    customer: Partner
    licence: QualificationDocument
    lot_product: Product
    serial_product: Product
    supplier_location: Location
    quarantine: Location
    storage: Location
    storage2: Location
    customer_location: Location
    returns: Location

    def actor(self, user: User) -> Actor:
        return Actor.for_user(user)


def person(make_user: Callable[..., User], username: str, *roles: str) -> User:
    user = make_user(username, *roles, printed_name=f"{username} 签名人")
    user.secret = enrol_totp(user)  # type: ignore[attr-defined]
    return user


def sign(user: User) -> dict[str, Any]:
    """The credentials of a signature by ``user`` now (a fresh TOTP step each time)."""
    later()
    return {"password": PASSWORD, "totp": code(user.secret)}  # type: ignore[attr-defined]


def approve_partner(qa: User, partner: Partner) -> None:
    partners.submit_partner(Actor.system("test"), partner.pk)
    partners.approve_partner(Actor.for_user(qa), partner.pk, **sign(qa))


def approve_product(qa: User, product: Product) -> Product:
    catalog.submit_product(Actor.system("test"), product.pk)
    return catalog.approve_product(Actor.for_user(qa), product.pk, **sign(qa))


@pytest.fixture
def make_product(db: Any, system: Actor) -> Callable[..., Product]:
    counter = iter(range(1, 10_000))

    def make(qa: User | None = None, *, tracking: str = "lot", **extra: Any) -> Product:
        n = next(counter)
        fields: dict[str, Any] = {
            "code": f"SAL-{n:03d}",
            "name_zh": f"一次性使用无菌注射器{n}",
            "name_en": f"Sterile syringe {n}",
            "gtin": gtin(n),
            "uom": "EA",
            "tracking": tracking,
            "device_class": "II",
            "category_code": "14-02",
            "shelf_life_days": 1095,
            "specification": "5 ml",
            "manufacturer": "苏州示例医疗科技有限公司",
        }
        fields.update(extra)
        product = catalog.create_product(system, **fields)
        if fields["device_class"] != "none":
            catalog.add_registration(
                system,
                product.pk,
                jurisdiction="CN",
                kind="registration",
                number=f"苏械注准2024214{n:04d}",
                valid_from=dt.date(2024, 1, 1),
                valid_until=dt.date(2029, 1, 1),
                holder="苏州示例医疗科技有限公司",
            )
        if qa is not None:
            product = approve_product(qa, product)
        return Product.objects.get(pk=product.pk)

    return make


@pytest.fixture
def make_customer(db: Any, system: Actor) -> Callable[..., Partner]:
    counter = iter(range(1, 10_000))

    def make(
        qa: User | None = None,
        *,
        scope: tuple[str, ...] = ("14",),
        valid_from: dt.date = dt.date(2021, 1, 1),
        valid_until: dt.date = dt.date(2027, 12, 31),
        **extra: Any,
    ) -> Any:
        n = next(counter)
        from mederp.partners.rules import uscc_check_character

        body = f"91310115MA{n:07d}"
        values: dict[str, Any] = {
            "code": f"CUS-{n}",
            "name": f"上海示例医院{n}",
            "is_supplier": False,
            "is_customer": True,
            "uscc": body + uscc_check_character(body),
            "address": "上海市浦东新区示例路 88 号",
            "contact": "李老师",
            "phone": "021-0000000",
        }
        values.update(extra)
        customer = partners.create_partner(system, **values)
        licence = partners.add_document(
            system,
            customer.pk,
            kind="distribution_licence",
            number=f"沪浦药监械经营许2021{n:04d}号",
            valid_from=valid_from,
            valid_until=valid_until,
            scope=list(scope),
        )
        if qa is not None:
            approve_partner(qa, customer)
        return Partner.objects.get(pk=customer.pk), licence

    return make


@pytest.fixture
def world(db: Any, system: Actor, make_user, make_product, make_customer) -> World:
    seller = person(make_user, "seller", "sales")
    # Two trained warehouse clerks: each may pick and review, never the same order.
    picker = person(make_user, "picker", "warehouse", "outbound_reviewer")
    reviewer = person(make_user, "reviewer", "warehouse", "outbound_reviewer")
    qa = person(make_user, "qa", "qa_manager")
    catalog.create_uom(system, code="EA", name_zh="个", name_en="each")
    customer, licence = make_customer(qa)
    wh = inventory.create_warehouse(system, code="WH1", name_zh="一号仓", name_en="Warehouse 1")

    def loc(code_: str, kind: str) -> Location:
        return inventory.create_location(system, wh.pk, code=code_, name=code_, kind=kind)

    return World(
        seller=seller,
        picker=picker,
        reviewer=reviewer,
        qa=qa,
        customer=customer,
        licence=licence,
        lot_product=make_product(qa),
        serial_product=make_product(qa, tracking="serial", device_class="III"),
        supplier_location=loc("SUP", "supplier"),
        quarantine=loc("QUA", "quarantine"),
        storage=loc("A-01", "storage"),
        storage2=loc("A-02", "storage"),
        customer_location=loc("CUS", "customer"),
        returns=loc("RET", "returns"),
    )


@pytest.fixture
def put_stock(world: World, system: Actor) -> Callable[..., Any]:
    """``put_stock(product, "L1", "10", expiry=date)``: received, released and put away in
    storage (or ``location``); for a serial product, ``serials=[...]`` units of lot ``lot``."""

    def put(
        product: Product,
        lot: str | None = None,
        quantity: Any = "10",
        *,
        expiry: dt.date | None = dt.date(2028, 6, 30),
        serials: list[str] | None = None,
        location: Location | None = None,
        status: str = "released",
    ) -> Any:
        where = location or world.storage
        units = serials or [None]  # type: ignore[list-item]
        moved = []
        for serial in units:
            move = inventory.receive_into_quarantine(
                system,
                product=product,
                quantity=1 if serial else quantity,
                from_location=world.supplier_location,
                to_location=world.quarantine,
                lot_number=lot,
                serial_number=serial,
                manufacture_date=dt.date(2026, 1, 5),
                expiry_date=expiry,
                document_id="TEST-RECEIPT",
            )
            for item in (move.lot, move.serial):
                if item is not None:
                    type(item).objects.filter(pk=item.pk).update(status="released")
            inventory.post_move(
                system,
                product=product,
                quantity=move.quantity,
                from_location=world.quarantine,
                to_location=where,
                lot=move.lot_id,
                serial=move.serial_id,
                document_type="inventory.transfer",
                document_id="TEST-PUTAWAY",
            )
            for item in (move.lot, move.serial):
                if item is not None and status != "released":
                    type(item).objects.filter(pk=item.pk).update(status=status)
            moved.append(move)
        return moved[0].lot if serials is None else moved

    return put


@pytest.fixture
def make_order(world: World) -> Callable[..., SalesOrder]:
    def make(*lines: tuple[Product, Any] | tuple[Product, Any, Any], **kw: Any) -> SalesOrder:
        specs = lines or ((world.lot_product, "10"),)
        return services.create_order(
            Actor.for_user(world.seller),
            customer=kw.pop("customer", world.customer),
            lines=[
                {"product": s[0], "quantity": s[1], "unit_price": s[2] if len(s) > 2 else "12.50"}
                for s in specs
            ],
            **kw,
        )

    return make


@pytest.fixture
def confirmed(world: World, make_order) -> Callable[..., SalesOrder]:
    def make(*lines: Any, **kw: Any) -> SalesOrder:
        order = make_order(*lines, **kw)
        return services.confirm_order(Actor.for_user(world.seller), order.pk)

    return make


@pytest.fixture
def allocated(world: World, confirmed) -> Callable[..., SalesOrder]:
    def make(*lines: Any, **kw: Any) -> SalesOrder:
        order = confirmed(*lines, **kw)
        return services.allocate_order(Actor.for_user(world.picker), order.pk)

    return make


def pick_all(world: World, order: SalesOrder, user: User | None = None) -> None:
    """Scan every open allocation's label for its whole quantity."""
    actor = Actor.for_user(user or world.picker)
    for a in Allocation.objects.filter(line__order=order, cancelled_at__isnull=True).select_related(
        "product", "lot", "serial"
    ):
        scan = gs1(
            a.product,
            lot=a.lot.number if a.lot else None,
            serial=a.serial.serial_number if a.serial else None,
        )
        services.pick_by_scan(actor, order.pk, scan=scan, quantity=a.quantity - a.picked_quantity)


@pytest.fixture
def picked(world: World, allocated) -> Callable[..., SalesOrder]:
    def make(*lines: Any, **kw: Any) -> SalesOrder:
        order = allocated(*lines, **kw)
        pick_all(world, order)
        return SalesOrder.objects.get(pk=order.pk)

    return make


@pytest.fixture
def reviewed(world: World, picked) -> Callable[..., SalesOrder]:
    def make(*lines: Any, **kw: Any) -> SalesOrder:
        order = picked(*lines, **kw)
        return services.review_order(
            Actor.for_user(world.reviewer), order.pk, **sign(world.reviewer)
        )

    return make


@pytest.fixture
def shipped(world: World, reviewed) -> Callable[..., SalesOrder]:
    def make(*lines: Any, **kw: Any) -> SalesOrder:
        order = reviewed(*lines, **kw)
        return services.ship_order(Actor.for_user(world.picker), order.pk)

    return make


@pytest.fixture(name="sign")
def sign_fixture() -> Callable[[User], dict[str, Any]]:
    return sign


@pytest.fixture
def send() -> Callable[..., Any]:
    """``send(client, "post", url, body, **headers)``: a JSON request."""

    def call(client: Client, method: str, url: str, body: Any = None, **headers: Any) -> Any:
        data = body if isinstance(body, str) else json.dumps(body if body is not None else {})
        return client.generic(
            method.upper(), url, data=data, content_type="application/json", **headers
        )

    return call


def lots(order: SalesOrder) -> list[tuple[str, Decimal]]:
    """(serial or lot number, quantity) of the order's open allocations, in allocation order."""
    return [
        (a.serial.serial_number if a.serial else a.lot.number, a.quantity)  # type: ignore[union-attr]
        for a in Allocation.objects.filter(line__order=order, cancelled_at__isnull=True)
        .select_related("lot", "serial")
        .order_by("id")
    ]


__all__ = ["GS", "PASSWORD", "TODAY", "Lot", "Serial", "gs1", "lots", "pick_all", "sign"]
