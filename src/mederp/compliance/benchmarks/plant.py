"""The master data of ``bench trace``'s plant, made through the real services and signatures.

People with verified identities and TOTP devices; one warehouse with its supplier, quarantine,
storage, production and customer locations; component and finished products with registration
certificates, approved by QA's signature (首营品种, CN-02); suppliers and customers with their
distribution licences, qualified by QA's signature (首营企业 / 购货者, CN-01, CN-03); one
approved purchase order per supplier with a line for each component it supplies; one BOM
version per finished device with five components, approved by QA's signature (CM-01).

This part is small (tens to hundreds of records) and goes through the same gates an
application's does; the volume (lots, moves, work orders, shipments) is bulk-loaded afterwards
(:mod:`.volume`) on top of it. The setup signs on a clock frozen 61 days back (before the
history begins) and stepped 31 s per signature (a TOTP code is accepted once per step), as
``bench ledger`` does.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from typing import Any

import pyotp

from mederp.catalog import services as catalog
from mederp.catalog.models import Product
from mederp.catalog.rules import gtin_check_digit
from mederp.core import clock
from mederp.core.actors import Actor
from mederp.identity import crypto
from mederp.identity.models import TotpDevice, User
from mederp.identity.roles import sync_roles
from mederp.inventory import services as inventory
from mederp.partners import services as partners
from mederp.partners.rules import uscc_check_character
from mederp.procurement import services as procurement

PASSWORD = "Bench-Password-9"  # noqa: S105 - a throwaway user in a scratch database
CATEGORY = "14-02"
#: Components per finished device (each work order consumes one lot of each).
BOM_SIZE = 5


@dataclass
class Plant:
    """The ids the bulk builder and the measurements need (JSON-safe: it crosses the pipe to the
    benchmark process)."""

    qa: int
    inspector: int
    operator: int
    picker: int
    reviewer: int
    uom: int
    supplier_location: int
    quarantine: int
    storage: int
    production: int
    customer_location: int
    #: component product ids, BOM by BOM: components[i * BOM_SIZE:(i + 1) * BOM_SIZE] make
    #: finished[i].
    components: list[int] = field(default_factory=list)
    finished: list[int] = field(default_factory=list)
    suppliers: list[int] = field(default_factory=list)
    customers: list[int] = field(default_factory=list)
    #: per component product: [supplier id, purchase order id, order line id]
    sourcing: dict[int, list[int]] = field(default_factory=dict)
    #: per finished product: [BOM id, BOM component ids in the order of its components]
    boms: dict[int, list[Any]] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Plant:
        plant = cls(**data)
        # JSON-like transport may turn int keys into strings.
        plant.sourcing = {int(k): v for k, v in plant.sourcing.items()}
        plant.boms = {int(k): v for k, v in plant.boms.items()}
        return plant


class _Signer:
    """A person who signs on the setup's stepped clock."""

    def __init__(self, user: User, secret: str) -> None:
        self.user, self.secret = user, secret
        self.actor = Actor.for_user(user)

    def sign(self) -> dict[str, str]:
        clock._frozen = clock.now() + dt.timedelta(seconds=31)  # a new TOTP step
        return {"password": PASSWORD, "totp": pyotp.TOTP(self.secret).at(clock.now())}


def _person(username: str, *roles: str) -> _Signer:
    from django.contrib.auth.models import Group

    user = User.objects.create_user(
        username=username,
        password=PASSWORD,
        printed_name=f"{username} 基准",
        identity_verified_at=clock.now(),
        identity_document="benchmark: scratch database",
    )
    user.groups.set(Group.objects.filter(name__in=roles))
    secret = pyotp.random_base32()
    TotpDevice.objects.create(
        user=user,
        secret_ciphertext=crypto.encrypt(secret),
        created_at=clock.now(),
        confirmed_at=clock.now(),
    )
    return _Signer(User.objects.get(pk=user.pk), secret)


def _gtin(seq: int) -> str:
    body = f"0698888{seq:06d}"
    return body + gtin_check_digit(body)


def _product(system: Actor, qa: _Signer, n: int, *, finished: bool) -> int:
    kind = "F" if finished else "C"
    product = catalog.create_product(
        system,
        code=f"{kind}-{n:04d}",
        name_zh=f"一次性使用输液器{n}" if finished else f"输液器组件{n}",
        name_en=f"Infusion set {n}" if finished else f"Infusion set component {n}",
        gtin=_gtin(n if finished else 5000 + n),
        uom="EA",
        tracking="lot",
        device_class="II",
        category_code=CATEGORY,
        shelf_life_days=1095,
        specification="带针 0.7 mm" if finished else "PVC",
        manufacturer="苏州示例医疗科技有限公司",
    )
    catalog.add_registration(
        system,
        product.pk,
        jurisdiction="CN",
        kind="registration",
        number=f"苏械注准2024{kind}{n:05d}",
        valid_from=dt.date(2024, 1, 1),
        valid_until=clock.today() + dt.timedelta(days=3 * 365),
        holder="苏州示例医疗科技有限公司",
    )
    catalog.submit_product(system, product.pk)
    catalog.approve_product(qa.actor, product.pk, **qa.sign())
    return int(product.pk)


def _partner(system: Actor, qa: _Signer, n: int, *, supplier: bool) -> int:
    body = f"91320505MA{n:07d}"
    partner = partners.create_partner(
        system,
        code=f"SUP-{n:04d}" if supplier else f"CUS-{n:05d}",
        name=f"苏州示例医用材料有限公司{n}" if supplier else f"示例市第{n}人民医院",
        is_supplier=supplier,
        is_customer=not supplier,
        uscc=body + uscc_check_character(body),
        address=f"江苏省苏州市工业园区示例路 {n} 号",
        contact="王工" if supplier else "李老师",
        phone=f"0512-{n:07d}",
    )
    partners.add_document(
        system,
        partner.pk,
        kind="distribution_licence",
        number=f"苏苏药监械经营许2020{n:05d}号",
        valid_from=dt.date(2020, 1, 1),
        valid_until=clock.today() + dt.timedelta(days=3 * 365),
        scope=["14"],
    )
    partners.submit_partner(system, partner.pk)
    partners.approve_partner(qa.actor, partner.pk, **qa.sign())
    return int(partner.pk)


def _locations(system: Actor) -> dict[str, int]:
    wh = inventory.create_warehouse(system, code="PLANT", name_zh="总厂仓库", name_en="Plant")

    def place(code: str, kind: str) -> int:
        return int(inventory.create_location(system, wh.pk, code=code, name=code, kind=kind).pk)

    return {
        "supplier_location": place("SUP", "supplier"),
        "quarantine": place("QUA", "quarantine"),
        "storage": place("A-01", "storage"),
        "production": place("PRD", "production"),
        "customer_location": place("CUS", "customer"),
    }


def _purchase_order(
    buyer: _Signer, qa: _Signer, supplier: int, products: list[int]
) -> tuple[int, list[int]]:
    """An approved order to ``supplier`` with a line per product: (order id, line ids)."""
    order = procurement.create_order(
        buyer.actor,
        supplier=supplier,
        lines=[{"product": p, "quantity": "1000000000", "unit_price": "2.50"} for p in products],
    )
    procurement.submit_order(buyer.actor, order.pk)
    procurement.approve_order(qa.actor, order.pk, **qa.sign())
    return int(order.pk), list(order.lines.order_by("line_no").values_list("pk", flat=True))


def _bom(system: Actor, qa: _Signer, finished: int, components: list[int]) -> list[Any]:
    """An approved BOM version, in effect from the setup's day: one unit of each component per
    finished unit (CM-01). Returns [BOM id, its component line ids in line order]."""
    bom = catalog.create_bom(system, product_id=finished)
    lines = [
        catalog.add_component(system, bom.pk, component_id=c, quantity_per_unit="1").pk
        for c in components
    ]
    signed = qa.sign()
    catalog.approve_bom(qa.actor, bom.pk, password=signed["password"], totp=signed["totp"])
    return [int(bom.pk), [int(pk) for pk in lines]]


def build(counts: dict[str, int]) -> Plant:
    """The plant for ``counts`` (``finished``, ``suppliers``, ``customers``; components are
    ``BOM_SIZE`` per finished device), all approved or qualified by signature."""
    system = Actor.system("bench")
    sync_roles()
    # The plant was set up before its history (:mod:`.volume`, the last 60 days) began.
    with clock.frozen(clock.now() - dt.timedelta(days=61)):
        qa = _person("qa", "qa_manager")
        buyer = _person("buyer", "purchasing")
        inspector = _person("inspector", "qc_inspector")
        operator = _person("operator", "production")
        picker = _person("picker", "warehouse")
        reviewer = _person("reviewer", "warehouse")
        uom = catalog.create_uom(system, code="EA", name_zh="套", name_en="set")
        places = _locations(system)
        finished = [_product(system, qa, n, finished=True) for n in range(counts["finished"])]
        components = [
            _product(system, qa, n, finished=False) for n in range(counts["finished"] * BOM_SIZE)
        ]
        suppliers = [_partner(system, qa, n, supplier=True) for n in range(counts["suppliers"])]
        customers = [
            _partner(system, qa, 10_000 + n, supplier=False) for n in range(counts["customers"])
        ]
        sourcing: dict[int, list[int]] = {}
        for s, supplier in enumerate(suppliers):
            bought = components[s :: len(suppliers)]
            if bought:
                order, lines = _purchase_order(buyer, qa, supplier, bought)
                for product, line in zip(bought, lines, strict=True):
                    sourcing[product] = [supplier, order, line]
        boms = {
            f: _bom(system, qa, f, components[i * BOM_SIZE : (i + 1) * BOM_SIZE])
            for i, f in enumerate(finished)
        }
    return Plant(
        qa=qa.user.pk,
        inspector=inspector.user.pk,
        operator=operator.user.pk,
        picker=picker.user.pk,
        reviewer=reviewer.user.pk,
        uom=uom.pk,
        components=components,
        finished=finished,
        suppliers=suppliers,
        customers=customers,
        sourcing=sourcing,
        boms=boms,
        **places,
    )


def products(ids: list[int]) -> dict[int, Product]:
    """The products with their registrations, for copying into records."""
    return {p.pk: p for p in Product.objects.filter(pk__in=ids).prefetch_related("registrations")}
