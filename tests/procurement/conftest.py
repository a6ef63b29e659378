"""Procurement fixtures: a qualified supplier, approved products with certificates, a warehouse
with its supplier and quarantine locations, and the people who buy, approve and inspect.

Master data is created by the system actor and approved by QA through the real signing
services, so every gate sees exactly what production would."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
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
from mederp.inventory.models import Location, Lot, Move, Serial
from mederp.partners import services as partners
from mederp.partners.models import Partner, QualificationDocument
from mederp.procurement import services
from mederp.procurement.models import PurchaseOrder, PurchaseOrderLine, Receipt, ReceiptLine

#: The day the procurement tests live on (10:00 in Shanghai: UTC and local dates agree).
TODAY = dt.date(2026, 6, 15)

#: What a refused request must leave alone (with the kernel tables ``unchanged`` checks).
TABLES = (PurchaseOrder, PurchaseOrderLine, Receipt, ReceiptLine, Lot, Serial, Move)


def gtin(seq: int) -> str:
    base = f"0690777{seq:06d}"
    return base + gtin_check_digit(base)


@pytest.fixture(autouse=True)
def clock_frozen() -> Iterator[None]:
    with frozen_clock():
        yield


@dataclass
class World:
    buyer: User
    qa: User
    inspector: User
    supplier: Partner
    licence: QualificationDocument
    lot_product: Product
    serial_product: Product
    plain_product: Product
    quarantine: Location
    supplier_location: Location
    storage: Location

    def actor(self, user: User) -> Actor:
        return Actor.for_user(user)


def person(make_user: Callable[..., User], username: str, role: str) -> User:
    user = make_user(username, role, printed_name=f"{username} 签名人")
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

    def make(
        qa: User | None = None,
        *,
        tracking: str = "lot",
        registration_until: dt.date = dt.date(2029, 1, 1),
        **extra: Any,
    ) -> Product:
        n = next(counter)
        fields: dict[str, Any] = {
            "code": f"PRC-{n:03d}",
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
                valid_until=registration_until,
                holder="苏州示例医疗科技有限公司",
            )
        if qa is not None:
            product = approve_product(qa, product)
        return Product.objects.get(pk=product.pk)

    return make


@pytest.fixture
def world(db: Any, system: Actor, make_user: Callable[..., User], make_product) -> World:
    buyer = person(make_user, "buyer", "purchasing")
    qa = person(make_user, "qa", "qa_manager")
    inspector = person(make_user, "inspector", "qc_inspector")
    catalog.create_uom(system, code="EA", name_zh="个", name_en="each")
    supplier = partners.create_partner(
        system,
        code="SUP-1",
        name="苏州示例医疗器械经营有限公司",
        is_supplier=True,
        is_customer=False,
        uscc="91320505MA1N7Q4K5H",
        address="苏州市虎丘区示例路1号",
        contact="王工",
        phone="0512-0000000",
    )
    licence = partners.add_document(
        system,
        supplier.pk,
        kind="distribution_licence",
        number="苏苏药监械经营许20200001号",
        valid_from=dt.date(2022, 1, 1),
        valid_until=dt.date(2027, 12, 31),
        scope=["14", "07"],
    )
    partners.add_document(system, supplier.pk, kind="business_licence", number="BL-0001", scope=[])
    approve_partner(qa, supplier)
    wh = inventory.create_warehouse(system, code="WH1", name_zh="一号仓", name_en="Warehouse 1")

    def loc(code_: str, kind: str) -> Location:
        return inventory.create_location(system, wh.pk, code=code_, name=code_, kind=kind)

    return World(
        buyer=buyer,
        qa=qa,
        inspector=inspector,
        supplier=Partner.objects.get(pk=supplier.pk),
        licence=licence,
        lot_product=make_product(qa),
        serial_product=make_product(qa, tracking="serial", device_class="III"),
        plain_product=make_product(qa, tracking="none", device_class="none", shelf_life_days=None),
        quarantine=loc("QUA", "quarantine"),
        supplier_location=loc("SUP", "supplier"),
        storage=loc("STO", "storage"),
    )


@pytest.fixture
def make_supplier(world: World, system: Actor) -> Callable[..., Partner]:
    """Another supplier with these documents (kind, number, scope, valid_from, valid_until),
    approved by QA unless ``approved=False``."""
    counter = iter(range(2, 1000))

    def make(*documents: dict[str, Any], approved: bool = True) -> Partner:
        from mederp.partners.rules import uscc_check_character

        n = next(counter)
        body = f"91320505MA{n:07d}"
        supplier = partners.create_partner(
            system,
            code=f"SUP-{n}",
            name=f"供应商{n}号",
            is_supplier=True,
            is_customer=False,
            uscc=body + uscc_check_character(body),
        )
        for doc in documents:
            partners.add_document(system, supplier.pk, **doc)
        if approved:
            approve_partner(world.qa, supplier)
        return Partner.objects.get(pk=supplier.pk)

    return make


@pytest.fixture
def make_order(world: World) -> Callable[..., PurchaseOrder]:
    def make(*lines: tuple[Product, Any] | tuple[Product, Any, Any], **kw: Any) -> PurchaseOrder:
        specs = lines or ((world.lot_product, "100"),)
        return services.create_order(
            Actor.for_user(world.buyer),
            supplier=kw.pop("supplier", world.supplier),
            lines=[
                {"product": s[0], "quantity": s[1], "unit_price": s[2] if len(s) > 2 else "1.50"}
                for s in specs
            ],
            **kw,
        )

    return make


@pytest.fixture
def approved_order(world: World, make_order) -> Callable[..., PurchaseOrder]:
    """An order through submission and QA's signed approval."""

    def make(*lines: Any, **kw: Any) -> PurchaseOrder:
        order = make_order(*lines, **kw)
        services.submit_order(Actor.for_user(world.buyer), order.pk)
        services.approve_order(Actor.for_user(world.qa), order.pk, **sign(world.qa))
        return PurchaseOrder.objects.get(pk=order.pk)

    return make


@pytest.fixture(name="sign")
def sign_fixture() -> Callable[[User], dict[str, Any]]:
    """``sign(user)``: the password and a fresh TOTP code, as a signing service takes them."""
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
