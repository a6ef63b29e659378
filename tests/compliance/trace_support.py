"""A plant with a history to trace, made through the real services (TR-01, TR-02, RC-04).

On top of the production test plant (tests/production/conftest.py)::

    supplier SUP-1 ──PO, receipt GR… (scan, inspector)──▶ CMP-LOT lot P-L1 (100, released)
    WO 1: 20 of P-L1 ──▶ SUB-001 lot SUB-01 (10, released)          (component → subassembly)
    WO 2:  5 of SUB-01 ──▶ KIT-001 lot KIT-01 (5, released)         (subassembly → device)
    KIT-01: 3 shipped to CUS-1, 1 to CUS-2; CUS-1 returns 1 into RET

Stock left: P-L1 80, SUB-01 5 and KIT-01 1 in A-01, the returned KIT-01 in RET.

Every step is the service a person would call: the buyer orders, QA approves by signature,
the inspector receives by scanning the label, QA releases (a different person), the planner
plans, operators issue and report, the seller sells, the picker picks by scan, the reviewer
signs the outbound review, the picker ships, the returns clerk takes goods back.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from tests.production import conftest as production_fixtures
from tests.production.conftest import ProductionPlant, _approved, _bom, _product, gs1, person, sign

from mederp.catalog.models import Product
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
from mederp.production.models import WorkOrder
from mederp.sales import services as sales
from mederp.sales.models import Allocation, DistributionRecord, SalesOrder

production_plant = production_fixtures.production_plant
production_clock = production_fixtures.production_clock

GS = "\x1d"


@dataclass
class TracePlant:
    p: ProductionPlant
    buyer: User
    inspector: User
    seller: User
    picker: User
    reviewer: User
    supplier: Partner
    customers: list[Partner]
    customer_location: Location
    returns: Location
    sub: Product
    kit: Product
    receipt: Receipt
    component: Lot
    subassembly: Lot
    kit_lot: Lot
    work_orders: list[WorkOrder]
    records: list[DistributionRecord]

    def ship(self, product: Product, quantity: Any, customer: Partner) -> SalesOrder:
        return ship(self, product, quantity, customer)


def _partner(system: Actor, qa: User, n: int, *, supplier: bool) -> Partner:
    serial = n + (0 if supplier else 100)
    body = f"91320505MA{serial:07d}"
    partner = partners.create_partner(
        system,
        code=f"SUP-{n}" if supplier else f"CUS-{n}",
        name=f"苏州示例医疗器械经营有限公司{n}" if supplier else f"上海示例医院{n}",
        is_supplier=supplier,
        is_customer=not supplier,
        uscc=body + uscc_check_character(body),
        address=f"示例路{n}号",
        contact="王工" if supplier else "李老师",
        phone="0512-0000000",
    )
    partners.add_document(
        system,
        partner.pk,
        kind="distribution_licence",
        number=f"苏药监械经营许2020{serial:04d}号",
        valid_from=dt.date(2022, 1, 1),
        valid_until=dt.date(2027, 12, 31),
        scope=["14", "07"],
    )
    if supplier:
        partners.add_document(system, partner.pk, kind="business_licence", number=f"BL-{n}")
    qualification.submit_partner(system, partner.pk)
    qualification.approve_partner(Actor.for_user(qa), partner.pk, **sign(qa))
    return Partner.objects.get(pk=partner.pk)


def receive(
    plant: ProductionPlant,
    buyer: User,
    inspector: User,
    supplier: Partner,
    product: Product,
    lot: str,
    quantity: str,
) -> Receipt:
    """Ordered by the buyer, approved by QA, received by the inspector scanning the label."""
    order = procurement.create_order(
        Actor.for_user(buyer),
        supplier=supplier,
        lines=[{"product": product, "quantity": quantity, "unit_price": "1.50"}],
    )
    procurement.submit_order(Actor.for_user(buyer), order.pk)
    procurement.approve_order(Actor.for_user(plant.qa), order.pk, **sign(plant.qa))
    line = order.lines.get()
    return procurement.record_receipt(
        Actor.for_user(inspector),
        line.pk,
        quantity=quantity,
        scan=f"01{product.gtin}17280630{GS}10{lot}",
        manufacture_date=dt.date(2026, 1, 5),
        location=plant.quarantine,
    )


def release_and_store(plant: ProductionPlant, lot: Lot, quantity: Any, source: Location) -> Lot:
    """QA's signed release (someone other than whoever inspected it), then put away in A-01."""
    inventory.release_lot(Actor.for_user(plant.qa2), lot.pk, **sign(plant.qa2))
    inventory.transfer(
        plant.system,
        product=lot.product_id,
        lot=lot.pk,
        quantity=quantity,
        from_location=source,
        to_location=plant.storage,
    )
    return Lot.objects.get(pk=lot.pk)


def make(
    plant: ProductionPlant,
    product: Product,
    quantity: str,
    lot: str,
    component: Product,
    issued: str,
) -> tuple[WorkOrder, Lot]:
    """A work order by the planner: ``issued`` of ``component`` issued by FEFO, ``quantity``
    reported good into lot ``lot``, released by QA and put away."""
    order = plant.work_order(product=product, quantity=quantity, lot=lot)
    plant.issue(order, component=component, quantity=issued)
    plant.output(order, quantity)
    plant.complete(order)  # final release needs the DHR complete (disposition gate)
    made = Lot.objects.get(product=product, number=lot)
    return order, release_and_store(plant, made, quantity, plant.fg_quarantine)


def ship(t: TracePlant, product: Product, quantity: Any, customer: Partner) -> SalesOrder:
    order = sales.create_order(
        Actor.for_user(t.seller),
        customer=customer,
        lines=[{"product": product, "quantity": quantity, "unit_price": "30.00"}],
    )
    sales.confirm_order(Actor.for_user(t.seller), order.pk)
    sales.allocate_order(Actor.for_user(t.picker), order.pk)
    for a in Allocation.objects.filter(line__order=order, cancelled_at__isnull=True).select_related(
        "product", "lot", "serial"
    ):
        scan = gs1(
            a.product,
            lot=a.lot.number if a.lot else None,
            serial=a.serial.serial_number if a.serial else None,
        )
        sales.pick_by_scan(Actor.for_user(t.picker), order.pk, scan=scan, quantity=a.quantity)
    sales.review_order(Actor.for_user(t.reviewer), order.pk, **sign(t.reviewer))
    return sales.ship_order(Actor.for_user(t.picker), order.pk)


@pytest.fixture
def trace_plant(production_plant: ProductionPlant, make_user: Callable[..., User]) -> TracePlant:
    p = production_plant
    system = p.system
    buyer = person(make_user, "buyer", "purchasing")
    inspector = person(make_user, "inspector", "qc_inspector")
    seller = person(make_user, "seller", "sales")
    picker = person(make_user, "picker", "warehouse", "outbound_reviewer")
    reviewer = person(make_user, "reviewer", "warehouse", "outbound_reviewer")
    wh = p.storage.warehouse_id

    def loc(code: str, kind: str) -> Location:
        return inventory.create_location(system, wh, code=code, name=code, kind=kind)

    customer_location, returns = loc("CUS", "customer"), loc("RET", "returns")
    supplier = _partner(system, p.qa, 1, supplier=True)
    customers = [_partner(system, p.qa, n, supplier=False) for n in (1, 2)]
    part = _approved(system, p.qa, p.part)
    sub = _approved(
        system,
        p.qa,
        _product(
            system,
            11,
            code="SUB-001",
            name_zh="输液管路组件",
            name_en="Tubing subassembly",
            device_class="II",
        ),
    )
    kit = _approved(
        system,
        p.qa,
        _product(
            system,
            12,
            code="KIT-001",
            name_zh="输液套装",
            name_en="Infusion kit",
            device_class="II",
        ),
    )
    _bom(p.planner, p.qa, sub, [(part, "2")])
    _bom(p.planner, p.qa, kit, [(sub, "1")])

    receipt = receive(p, buyer, inspector, supplier, part, "P-L1", "100")
    component = release_and_store(p, receipt.lines.get().lot, "100", p.quarantine)
    wo1, subassembly = make(p, sub, "10", "SUB-01", part, "20")
    wo2, kit_lot = make(p, kit, "5", "KIT-01", sub, "5")

    t = TracePlant(
        p=p,
        buyer=buyer,
        inspector=inspector,
        seller=seller,
        picker=picker,
        reviewer=reviewer,
        supplier=supplier,
        customers=customers,
        customer_location=customer_location,
        returns=returns,
        sub=sub,
        kit=kit,
        receipt=receipt,
        component=component,
        subassembly=subassembly,
        kit_lot=kit_lot,
        work_orders=[wo1, wo2],
        records=[],
    )
    ship(t, kit, "3", customers[0])
    ship(t, kit, "1", customers[1])
    t.records = list(DistributionRecord.objects.order_by("id"))
    sales.receive_return(
        Actor.for_user(picker),
        record=t.records[0].pk,
        quantity="1",
        to_location=returns,
        reason="packaging damaged in transit",
    )
    return t


__all__ = ["TracePlant", "production_clock", "production_plant", "ship", "trace_plant"]
