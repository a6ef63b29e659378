"""The plant the production → DHR → trace → recall journey starts from, made through the services
(test_production_recall_journey.py).

Real time, not a frozen clock: the browser signs in and signs with the codes its people's
authenticators show now, so the setup's signatures are made the same way, through
:func:`mederp.ui.demo.people.sign_in` sessions (the first signature of a session with the
password and a code, the later ones with the password: ES-09). That is why the production test
plant's fixture (tests/production/conftest.py), whose ``sign()`` moves a frozen clock, is not
used; its product maker and label helper are.

What is there:

- people: ``planner`` (production_planner), ``operator`` (production), ``qa`` and ``qa2``
  (qa_manager, each with an authenticator: qa opens the recall, qa2 releases the output lot),
  ``qa_lead`` (qa_manager, signs the master data and the component lot's release in setup),
  ``buyer``, ``inspector``, ``seller``, ``picker`` and ``reviewer`` (the trading services);
- ``device``: a finished, lot-tracked class II device, approved by QA's signature, with an
  approved BOM version: ``component`` × 2 (lot-tracked, approved);
- ``supplier`` and ``hospital``, qualified by QA's signature;
- warehouse SZ01: SUP (supplier), QUA (quarantine), STO (storage), PRD-1 (production),
  FG-Q (quarantine for finished output), CUS (customer);
- component lot :data:`COMPONENT_LOT`: 100 ordered by the buyer, approved by QA, received by the
  inspector scanning its label, released by qa_lead (not the inspector: TR-04), put away in STO.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from mederp.catalog import services as catalog
from mederp.catalog.models import Product
from mederp.catalog.selectors import business_date
from mederp.core.actors import Actor
from mederp.identity.models import User
from mederp.inventory import services as inventory
from mederp.inventory.models import Location, Lot
from mederp.partners import qualification
from mederp.partners import services as partners
from mederp.partners.models import Partner
from mederp.partners.rules import uscc_check_character
from mederp.procurement import services as procurement
from mederp.procurement.models import Receipt
from mederp.sales import services as sales
from mederp.sales.models import Allocation, SalesOrder
from mederp.ui.demo.people import Session, sign_in
from tests.e2e.conftest import enrol_totp
from tests.production.conftest import _product, gs1

PASSWORD = "Correct-Horse-9"  # the make_user fixture's password
GS = "\x1d"
COMPONENT_LOT = "CMP2611A"

PEOPLE = (
    ("planner", ("production_planner",), "计划员 孙伟"),
    ("operator", ("production",), "操作工 周杰"),
    ("qa", ("qa_manager",), "质量经理 王芳"),
    ("qa2", ("qa_manager",), "放行质量主管 李华"),
    ("qa_lead", ("qa_manager",), "质量负责人 吴军"),
    ("buyer", ("purchasing",), "采购员 陈刚"),
    ("inspector", ("qc_inspector",), "质检员 李强"),
    ("seller", ("sales",), "销售 刘洋"),
    ("picker", ("warehouse",), "仓管员 赵敏"),
    ("reviewer", ("warehouse", "outbound_reviewer"), "复核员 郑丽"),
)


@dataclass
class ProductionJourneyPlant:
    device: Product
    component: Product
    supplier: Partner
    hospital: Partner
    quarantine: Location
    storage: Location
    line: Location
    fg_quarantine: Location
    receipt: Receipt
    component_lot: Lot
    expiry: dt.date
    made: dt.date

    @staticmethod
    def user(username: str) -> User:
        return User.objects.get(username=username)

    def label(self) -> str:
        """The component lot's GS1 label as the scanner sends it: lot, the group separator
        (the lot is variable-length and more follows), expiry, manufacture date."""
        return (
            f"01{self.component.gtin}10{COMPONENT_LOT}{GS}"
            f"17{self.expiry:%y%m%d}11{self.made:%y%m%d}"
        )


def signing(username: str) -> Session:
    """``username`` signed in as at the login page (a code from their authenticator)."""
    return sign_in(User.objects.get(username=username), PASSWORD)


def _partner(
    system: Actor, session: Session, code: str, name: str, org: str, *, supplier: bool
) -> Partner:
    body = "91320500" + org
    partner = partners.create_partner(
        system,
        code=code,
        name=name,
        is_supplier=supplier,
        is_customer=not supplier,
        uscc=body + uscc_check_character(body),
        address="江苏省苏州市示例路 8 号",
        contact="王工" if supplier else "李老师",
        phone="0512-00000000",
    )
    partners.add_document(
        system,
        partner.pk,
        kind="distribution_licence",
        number=f"苏药监械经营许2024{org[-4:]}号",
        valid_from=dt.date(2024, 1, 1),
        valid_until=business_date() + dt.timedelta(days=900),
        scope=["14", "07"],
    )
    if supplier:
        partners.add_document(system, partner.pk, kind="business_licence", number=f"BL-{org}")
    qualification.submit_partner(system, partner.pk)
    qualification.approve_partner(session.actor, partner.pk, **session.sign())
    return Partner.objects.get(pk=partner.pk)


def _approved(system: Actor, session: Session, product: Product) -> Product:
    catalog.submit_product(system, product.pk)
    catalog.approve_product(session.actor, product.pk, **session.sign())
    return Product.objects.get(pk=product.pk)


def build_plant(make_user: Callable[..., User]) -> ProductionJourneyPlant:
    for username, roles, name in PEOPLE:
        make_user(username, *roles, printed_name=name)
    for username in ("qa", "qa2", "qa_lead", "reviewer"):
        enrol_totp(username)
    system = Actor.system("e2e setup")
    lead = signing("qa_lead")
    planner = Actor.for_user(User.objects.get(username="planner"))
    today = business_date()

    catalog.create_uom(system, code="EA", name_zh="个", name_en="each")
    device = _approved(
        system,
        lead,
        _product(
            system,
            21,
            code="IVS-100",
            name_zh="一次性使用输液器",
            name_en="Infusion set",
            device_class="II",
            shelf_life_days=1095,
        ),
    )
    component = _approved(
        system,
        lead,
        _product(system, 22, code="NDL-21G", name_zh="静脉输液针", name_en="IV needle 21G"),
    )
    bom = catalog.create_bom(planner, product_id=device.pk)
    catalog.add_component(planner, bom.pk, component_id=component.pk, quantity_per_unit="2")
    catalog.approve_bom(lead.actor, bom.pk, **lead.sign())

    supplier = _partner(
        system, lead, "SUP-001", "苏州优质医疗器械供应有限公司", "MA1E2P001", supplier=True
    )
    hospital = _partner(system, lead, "CUS-001", "苏州市第一人民医院", "MA1E2P002", supplier=False)

    warehouse = inventory.create_warehouse(system, code="SZ01", name_zh="苏州仓", name_en="Suzhou")

    def place(code: str, name: str, kind: str) -> Location:
        return inventory.create_location(system, warehouse.pk, code=code, name=name, kind=kind)

    place("SUP", "供应商（在途）", "supplier")
    quarantine = place("QUA", "待验区", "quarantine")
    storage = place("STO", "合格品区", "storage")
    line = place("PRD-1", "生产一线", "production")
    fg_quarantine = place("FG-Q", "成品待验区", "quarantine")
    place("CUS", "客户（在途）", "customer")

    # The component, ordered, approved, received by scanning its label, released, put away.
    made, expiry = today - dt.timedelta(days=30), today + dt.timedelta(days=600)
    order = procurement.create_order(
        Actor.for_user(User.objects.get(username="buyer")),
        supplier=supplier,
        lines=[{"product": component, "quantity": "100", "unit_price": "1.50"}],
    )
    procurement.submit_order(Actor.for_user(User.objects.get(username="buyer")), order.pk)
    procurement.approve_order(lead.actor, order.pk, **lead.sign())
    receipt = procurement.record_receipt(
        Actor.for_user(User.objects.get(username="inspector")),
        order.lines.get().pk,
        quantity="100",
        scan=f"01{component.gtin}10{COMPONENT_LOT}{GS}17{expiry:%y%m%d}11{made:%y%m%d}",
        location=quarantine,
    )
    lot = Lot.objects.get(product=component, number=COMPONENT_LOT)
    inventory.release_lot(lead.actor, lot.pk, **lead.sign())
    inventory.transfer(
        system,
        product=component,
        lot=lot.pk,
        quantity="100",
        from_location=quarantine,
        to_location=storage,
    )
    lead.sign_out()
    return ProductionJourneyPlant(
        device=device,
        component=component,
        supplier=supplier,
        hospital=hospital,
        quarantine=quarantine,
        storage=storage,
        line=line,
        fg_quarantine=fg_quarantine,
        receipt=receipt,
        component_lot=Lot.objects.get(pk=lot.pk),
        expiry=expiry,
        made=made,
    )


def ship(plant: ProductionJourneyPlant, lot: Lot, quantity: str) -> SalesOrder:
    """``quantity`` of the released output ``lot`` put away and shipped to the hospital: the
    seller orders, the picker allocates and picks by scan, the reviewer signs the outbound
    review (出库复核), the picker ships (the sales pages are proven by the supply-chain
    journey)."""
    inventory.transfer(
        Actor.system("e2e put-away"),
        product=plant.device,
        lot=lot.pk,
        quantity=quantity,
        from_location=plant.fg_quarantine,
        to_location=plant.storage,
    )
    seller = Actor.for_user(plant.user("seller"))
    picker = Actor.for_user(plant.user("picker"))
    order = sales.create_order(
        seller,
        customer=plant.hospital,
        lines=[{"product": plant.device, "quantity": quantity, "unit_price": "30.00"}],
    )
    sales.confirm_order(seller, order.pk)
    sales.allocate_order(picker, order.pk)
    for a in Allocation.objects.filter(line__order=order, cancelled_at__isnull=True).select_related(
        "product", "lot"
    ):
        label = gs1(a.product, lot=a.lot.number if a.lot else None)
        sales.pick_by_scan(picker, order.pk, scan=label, quantity=a.quantity)
    reviewer = signing("reviewer")
    sales.review_order(reviewer.actor, order.pk, **reviewer.sign())
    reviewer.sign_out()
    return sales.ship_order(picker, order.pk)


__all__ = [
    "COMPONENT_LOT",
    "GS",
    "PASSWORD",
    "ProductionJourneyPlant",
    "build_plant",
    "ship",
    "signing",
]
