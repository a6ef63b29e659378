"""The plant makes things (shared/DEMO.md "Stock and history": a completed work order for
syringes and one for stents, so that the trace from a needle lot reaches hospitals), through the
services by the people who would do it (ISO 13485 §7.5.1; 21 CFR 820.181, 820.184; TR-01):

1. qa approves the components (首营品种) by signature, all but the needle shield
   (:data:`~.plant.COMPONENT_IN_REVIEW`), which is in no BOM yet and waits for qa in the UI;
2. buyer orders the components from the qualified supplier, qa approves the order; qc receives
   them by scanning each label; qa releases the lots, wh puts them away;
3. the planner (孙丽) drafts a BOM version of the syringe (barrel, plunger, needle: one each)
   and of the stent (tube, drug coating: one each); qa approves both by signature (CM-01);
4. the planner plans and releases a work order for 500 syringes (lot :data:`SYRINGE_LOT`) and
   one for two stents (serials :data:`STENT_SERIALS`); prod issues the components by scanning
   their labels, records the assembly and an in-process check (passed), reports the output
   (into quarantine) and completes the work order; qa releases the syringe lot, then closes its
   work order by signing the device history record "reviewed" (not prod, who reported the
   output: SoD); wh puts the syringes away. The stent work order is left completed for qa to
   review and close in the UI, its two stents in quarantine;
5. after the first hospital sale (:func:`.story.hospital_sale`), sales sells 100 made syringes
   to 苏州大学附属第二医院, which accepts only stock with two years of shelf life left, so FEFO
   passes over the bought lots and takes the made one: ``mederp trace forward`` from the needle
   lot (:data:`NEEDLE_LOT`) reaches the hospital.

Each chapter runs once, skipped when the record it makes is found (the BOM versions of the
device, the work order of its output lot, the order by its notes or reference). Nothing is
antedated: the made lots are manufactured today (:mod:`.story`, "Why history happens now").
"""

from __future__ import annotations

from mederp.catalog import services as catalog
from mederp.catalog.models import ApprovalState, BillOfMaterials, Product, Tracking
from mederp.core import clock, signatures
from mederp.inventory.models import Lot
from mederp.procurement.models import PurchaseOrder
from mederp.production import services as production
from mederp.production.models import CheckResult, WorkOrder
from mederp.sales import services as sales
from mederp.sales.models import SalesOrder
from mederp.ui.demo import plant
from mederp.ui.demo.story import (
    Delivery,
    Plant,
    actor,
    label,
    order_approved,
    product,
    receive_by_scan,
    release_and_put_away,
    ship,
)

PO_COMPONENTS = "生产物料首批采购（演示）"
SO_MADE = "SZ2H-2026-1126"
NEEDLE_LOT = "NDL2610A"
SYRINGE_LOT = "SYR2611P01"
STENT_LOT = "DES2611P01"
STENT_SERIALS = (f"{STENT_LOT}-0001", f"{STENT_LOT}-0002")
SYRINGES_MADE = 500
SYRINGES_SOLD = 100

#: (component, quantity, unit price) bought, and what arrives: (component, lot, days to its
#: expiry, quantity, serials).
COMPONENT_LINES = (
    ("CMP-BARREL", 1000, "0.12"),
    ("CMP-PLUNGER", 1000, "0.08"),
    ("CMP-NEEDLE", 1000, "0.10"),
    ("CMP-TUBE", 10, "450.00"),
    ("CMP-DRUG", 10, "320.00"),
)
COMPONENTS: Delivery = (
    ("CMP-BARREL", "BRL2610A", 1700, 1000, ()),
    ("CMP-PLUNGER", "PLG2610A", 1700, 1000, ()),
    ("CMP-NEEDLE", NEEDLE_LOT, 1650, 1000, ()),
    ("CMP-TUBE", "TUB2609A", 1600, 10, ()),
    ("CMP-DRUG", "DRG2610A", 300, 10, ()),
)

#: Each device's bill of materials: (component, quantity per unit).
BOMS = {
    "SYR-5ML": (("CMP-BARREL", 1), ("CMP-PLUNGER", 1), ("CMP-NEEDLE", 1)),
    "STENT-DES": (("CMP-TUBE", 1), ("CMP-DRUG", 1)),
}


def components_approved(p: Plant) -> None:
    """qa approves the components waiting in review that nobody has signed yet, all but the one
    left for the UI (a component people rejected or approved since is theirs)."""
    codes = [c for c, _quantity, _price in COMPONENT_LINES]
    for item in Product.objects.filter(code__in=codes).order_by("pk"):
        if item.approval_state == ApprovalState.IN_REVIEW and not signatures.signatures_for(item):
            catalog.approve_product(p.qa.actor, item.pk, **p.qa.sign())


def components_bought(p: Plant) -> None:
    """buyer orders the components, qa approves, qc receives by scan, qa releases, wh shelves."""
    if PurchaseOrder.objects.filter(notes=PO_COMPONENTS).exists():
        return
    order = order_approved(p, "SUP-001", PO_COMPONENTS, list(COMPONENT_LINES))
    receive_by_scan(p, order, COMPONENTS)
    release_and_put_away(p, COMPONENTS)


def boms_approved(p: Plant) -> None:
    """The planner drafts each device's first BOM version; qa approves it by signature, taking
    effect today (CM-01; ES-12). A device that has any version already is left alone."""
    planner = actor("planner")
    for code, lines in BOMS.items():
        device = product(code)
        if BillOfMaterials.objects.filter(product=device).exists():
            continue
        bom = catalog.create_bom(planner, product_id=device.pk, notes="首版物料清单（演示）")
        for component, quantity in lines:
            catalog.add_component(
                planner, bom.pk, component_id=product(component).pk, quantity_per_unit=quantity
            )
        catalog.approve_bom(p.qa.actor, bom.pk, **p.qa.sign())
        p.added["boms"] += 1


def _planned(p: Plant, code: str, quantity: int, lot: str, notes: str) -> WorkOrder:
    """The planner plans a work order to the BOM version in effect today and releases it."""
    planner = actor("planner")
    order = production.create_work_order(
        planner,
        product_id=product(code).pk,
        planned_quantity=quantity,
        planned_start=p.today,
        planned_end=p.date(2),
        production_location_id=plant.location("PROD").pk,
        output_location_id=plant.location("QUA").pk,
        output_lot_number=lot,
        notes=notes,
    )
    p.added["work_orders"] += 1
    return production.release_work_order(planner, order.pk)


def _issued_by_scan(order: WorkOrder, quantity: int) -> None:
    """prod scans each component's shelf label (its lot, as received) and issues ``quantity``
    per unit of its BOM line."""
    prod = actor("prod")
    for code, number, _days, _quantity, _serials in COMPONENTS:
        line = order.bom.components.filter(component__code=code).first()
        if line is None:
            continue
        lot = Lot.objects.select_related("product").get(product__code=code, number=number)
        assert lot.expiry_date and lot.manufacture_date
        production.issue_material(
            prod,
            order.pk,
            quantity=line.quantity_per_unit * quantity,
            scan=label(lot.product, lot.number, lot.expiry_date, lot.manufacture_date),
        )


def _made(order: WorkOrder, quantity: int, step: str, check: tuple[str, str, str]) -> None:
    """prod records the operation and an in-process check (passed), reports the good output
    and completes the work order."""
    prod = actor("prod")
    order.refresh_from_db()
    production.record_operation(
        prod,
        order.pk,
        operation=step,
        workstation="LINE-01",
        started_at=order.started_at,
        completed_at=clock.now(),
        quantity_good=quantity,
    )
    characteristic, specification, measured = check
    production.record_check(
        prod,
        order.pk,
        operation=step,
        characteristic=characteristic,
        specification=specification,
        measured_value=measured,
        result=CheckResult.PASS,
    )
    serials = STENT_SERIALS if order.product.tracking == Tracking.SERIAL else ()
    production.report_output(prod, order.pk, quantity=quantity, serial_numbers=serials)
    production.complete_work_order(prod, order.pk, reason="生产完成")


def syringes_made(p: Plant) -> None:
    """500 syringes made, released by qa, their work order closed by qa's signature on the
    device history record, put away."""
    if WorkOrder.objects.filter(product__code="SYR-5ML", output_lot_number=SYRINGE_LOT).exists():
        return
    order = _planned(p, "SYR-5ML", SYRINGES_MADE, SYRINGE_LOT, "注射器生产（演示）")
    _issued_by_scan(order, SYRINGES_MADE)
    _made(order, SYRINGES_MADE, "组装 Assembly", ("密合性 Leak tightness", "无泄漏", "无泄漏"))
    release_and_put_away(p, (("SYR-5ML", SYRINGE_LOT, 0, SYRINGES_MADE, ()),))
    production.close_work_order(p.qa.actor, order.pk, **p.qa.sign())


def stents_made(p: Plant) -> None:
    """Two stents made and completed: their device history record waits for qa's review."""
    if WorkOrder.objects.filter(product__code="STENT-DES", output_lot_number=STENT_LOT).exists():
        return
    order = _planned(p, "STENT-DES", len(STENT_SERIALS), STENT_LOT, "支架生产（演示）")
    _issued_by_scan(order, len(STENT_SERIALS))
    _made(
        order,
        len(STENT_SERIALS),
        "激光切割与药物涂层 Cutting and coating",
        ("支架外径 Crimped profile", "≤ 1.10 mm", "1.04 mm"),
    )


def made_syringes_sold(p: Plant) -> None:
    """sales sells made syringes to a hospital that takes only long-dated stock; shipped as the
    first sale was (FEFO, pick by scan, qa's review, distribution records)."""
    if SalesOrder.objects.filter(customer_reference=SO_MADE).exists():
        return
    seller = actor("sales")
    order = sales.create_order(
        seller,
        customer="CUS-002",
        lines=[{"product": "SYR-5ML", "quantity": SYRINGES_SOLD, "unit_price": "1.25"}],
        customer_reference=SO_MADE,
    )
    p.added["sales_orders"] += 1
    sales.confirm_order(seller, order.pk)
    ship(p, order, tracking_number="SF1402601126")
