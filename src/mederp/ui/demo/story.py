"""The demo plant's history (shared/DEMO.md "Stock and history"), made through the services by
the people who would do it, in the order they would do it:

1. qa enrols an authenticator, signs in and approves the devices and partners (首营); the
   components are approved when the plant starts making things (:mod:`.making`);
2. buyer orders from the qualified supplier, qa approves the order by signature; qc receives it
   by scanning each label (GS1 with the group separator); qa releases the lots and stents by
   signature (not the inspector: SoD); wh puts them away, the antigen kits into the cold room;
   then the plant makes syringes and stents from bought components (:mod:`.making`);
3. sales sells to 苏州市第一人民医院; wh allocates (FEFO takes the syringe lot nearest expiry),
   picks by scan; qa reviews the picked order (出库复核) by signature; wh ships it (the
   distribution records); the hospital sends ten syringes back (damaged packaging);
4. buyer orders masks, qa approves, qc receives them: they wait in quarantine for QA release;
5. two drafts for the gates to refuse: an order to the supplier whose licence expired, a sale to
   the customer whose licence expired;
6. the cold room's logger posts its last 48 hours of readings, all in range.

The loader (:mod:`mederp.ui.demo`) runs these chapters and :mod:`.making`'s in story order.

**Why history happens now.** Audit entries carry the time they were written, and the audit
chain names an entry dated well before it was sealed as a back-dated insertion
(``mederp audit verify``). So the demo does not antedate anything: its history is written at the
moment it is loaded, and time-dependent facts come from the documents' own dates (expiry,
manufacture, validity). One consequence: receipts and the ledger refuse an already expired lot
(``procurement.lot_expired``, ``inventory.lot_expired``) and no service back-dates one, so the
"expired" lot is received on the last day of its life (:data:`EXPIRES_TODAY`): the ledger
blocks it from the next day on (the demo database is kept between runs of ``make run``).

Each chapter runs once: it looks for the record it makes first (by its notes or reference) and
is skipped when found, so the history is never told twice nor redone over what people changed
since; records somebody has signed are never signed again by the demo.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from decimal import Decimal

from mederp.catalog import selectors as catalog_selectors
from mederp.catalog import services as catalog
from mederp.catalog.models import ApprovalState, Product
from mederp.core import clock, signatures
from mederp.core.actors import Actor
from mederp.identity.models import User
from mederp.inventory import selectors as stock
from mederp.inventory import services as inventory
from mederp.inventory.coldchain import services as coldchain
from mederp.inventory.models import Lot, Serial, TemperatureReading
from mederp.partners import services as partners
from mederp.partners.models import Partner
from mederp.procurement import services as procurement
from mederp.procurement.models import PurchaseOrder
from mederp.sales import services as sales
from mederp.sales.models import Allocation, DistributionRecord, SalesOrder
from mederp.ui.demo import plant
from mederp.ui.demo.people import Desk

GS = "\x1d"  # the group separator a scanner sends after a variable-length element

PO_FIRST = "首批备货（演示）"
PO_MASKS = "口罩补货（演示）"
PO_REFUSED = "补货草稿（演示：该供应商的经营许可证已过期，提交时会被拒绝）"
SO_HOSPITAL = "SZ1H-2026-0412"
SO_REFUSED = "HZ-DRAFT-0005"
RETURN_REASON = "外包装破损，医院退回（演示）"
LOGGER_SOURCE = "LOG-COLD-01"

#: (product, lot, days from today to its expiry, quantity, serials) of a delivery.
Delivery = tuple[tuple[str, str, int, int, tuple[str, ...]], ...]

EXPIRES_TODAY = "MSK2311E"
FIRST_DELIVERY: Delivery = (
    ("SYR-5ML", "SYR2311A", 45, 300, ()),
    ("SYR-5ML", "SYR2502B", 450, 700, ()),
    ("MASK-SURG", EXPIRES_TODAY, 0, 500, ()),
    ("STENT-DES", "DES2501", 600, 3, ("DES2501-0001", "DES2501-0002", "DES2501-0003")),
    ("IVD-AG", "AG2504C", 420, 100, ()),
)
MASKS: Delivery = (("MASK-SURG", "MSK2505F", 710, 1000, ()),)


class Plant:
    """The people at work during one load, and what they added."""

    def __init__(self, added: dict[str, int]) -> None:
        self.added = added
        self.today = catalog_selectors.business_date()
        self.qa = Desk("qa", plant.DEMO_PASSWORD)

    def date(self, days: int) -> dt.date:
        return self.today + dt.timedelta(days=days)


def person(username: str) -> User:
    return User.objects.get(username=username)


def actor(username: str) -> Actor:
    return Actor.for_user(person(username))


def product(code: str) -> Product:
    return Product.objects.get(code=code)


def label(item: Product, lot: str, expiry: dt.date, made: dt.date, serial: str = "") -> str:
    """The GS1 element string a scanner reads from a unit's label: (01) GTIN, (11) production
    date, (17) expiry, (10) lot, then (21) serial after the group separator."""
    text = f"01{item.gtin}11{made:%y%m%d}17{expiry:%y%m%d}10{lot}"
    return text + (f"{GS}21{serial}" if serial else "")


def approvals(p: Plant) -> None:
    """qa approves the devices and partners nobody has signed yet (a record people changed,
    rejected or approved since is theirs); the components wait in review until the plant needs
    them (:func:`.making.components_approved`)."""
    system = Actor.system("mederp demo")
    for item in Product.objects.filter(code__in=[d.code for d in plant.PRODUCTS]).order_by("pk"):
        if item.approval_state == ApprovalState.DRAFT and not signatures.signatures_for(item):
            catalog.submit_product(system, item.pk)
    devices = [d.code for d in plant.PRODUCTS if d.device_class != "none"]
    for item in Product.objects.filter(code__in=devices).order_by("pk"):
        if item.approval_state == ApprovalState.IN_REVIEW and not signatures.signatures_for(item):
            catalog.approve_product(p.qa.actor, item.pk, **p.qa.sign())
    for partner in Partner.objects.filter(code__in=[d[0] for d in plant.PARTNERS]).order_by("pk"):
        if signatures.signatures_for(partner):
            continue
        if partner.qualification_state == Partner.QualificationState.DRAFT:
            partners.submit_partner(system, partner.pk)
        partners.approve_partner(p.qa.actor, partner.pk, **p.qa.sign())


def order_approved(
    p: Plant, supplier: str, notes: str, lines: list[tuple[str, int, str]]
) -> PurchaseOrder:
    """buyer drafts and submits an order; qa approves it by signature."""
    buyer = actor("buyer")
    order = procurement.create_order(
        buyer,
        supplier=Partner.objects.get(code=supplier),
        lines=[{"product": product(c), "quantity": q, "unit_price": u} for c, q, u in lines],
        expected_date=p.date(3),
        notes=notes,
    )
    procurement.submit_order(buyer, order.pk)
    p.added["purchase_orders"] += 1
    return procurement.approve_order(p.qa.actor, order.pk, **p.qa.sign())


def receive_by_scan(p: Plant, order: PurchaseOrder, delivery: Delivery) -> None:
    """qc scans each unit's label at the dock; everything is accepted into quarantine."""
    lines = {line.product.code: line for line in order.lines.select_related("product")}
    inputs = []
    for code, lot, expiry_days, quantity, serials in delivery:
        item = product(code)
        expiry = p.date(expiry_days)
        made = expiry - dt.timedelta(days=item.shelf_life_days or 365)
        for serial in serials or ("",):
            inputs.append(
                procurement.LineInput(
                    order_line=lines[code].pk,
                    quantity=1 if serial else quantity,
                    scan=label(item, lot, expiry, made, serial),
                )
            )
    procurement.receive(
        actor("qc"), order.pk, inputs, location=plant.location("QUA"), notes="到货验收（扫码）"
    )


def release_and_put_away(p: Plant, delivery: Delivery) -> None:
    """qa releases each lot, and each stent of its lot, by signature; wh puts them on their
    shelves (a stent moves only when its lot and its serial are both released)."""
    shelved: list[tuple[Product, Lot | None, Serial | None]] = []
    for code, number, _expiry, _quantity, serials in delivery:
        item = product(code)
        lot = Lot.objects.get(product=item, number=number)
        inventory.release_lot(p.qa.actor, lot.pk, **p.qa.sign())
        if not serials:
            shelved.append((item, lot, None))
        for serial_number in serials:
            unit = Serial.objects.get(product=item, serial_number=serial_number)
            inventory.release_serial(p.qa.actor, unit.pk, **p.qa.sign())
            shelved.append((item, None, unit))
    wh, quarantine = actor("wh"), plant.location("QUA")
    for item, on_lot, on_serial in shelved:
        shelf = "COLD" if item.storage_max_c is not None else "STO"
        quantity = 1 if on_serial else stock.balance_of(item, location=quarantine, lot=on_lot)
        inventory.transfer(
            wh,
            product=item,
            quantity=quantity,
            from_location=quarantine,
            to_location=plant.location(shelf),
            lot=on_lot,
            serial=on_serial,
            reason="上架",
        )


def first_purchase(p: Plant) -> None:
    if PurchaseOrder.objects.filter(notes=PO_FIRST).exists():
        return
    order = order_approved(
        p,
        "SUP-001",
        PO_FIRST,
        [
            ("SYR-5ML", 1000, "0.85"),
            ("MASK-SURG", 500, "0.30"),
            ("STENT-DES", 3, "6800.00"),
            ("IVD-AG", 100, "18.00"),
        ],
    )
    receive_by_scan(p, order, FIRST_DELIVERY)
    release_and_put_away(p, FIRST_DELIVERY)


def ship(p: Plant, order: SalesOrder, *, tracking_number: str) -> None:
    """wh allocates a confirmed order (FEFO), picks each allocation by scanning its label; qa
    reviews the picked order (出库复核) by signature; wh ships it (the distribution records)."""
    wh = actor("wh")
    sales.allocate_order(wh, order.pk)
    allocations = Allocation.objects.filter(line__order=order, cancelled_at__isnull=True)
    for a in allocations.select_related("product", "lot", "serial__lot").order_by("pk"):
        lot = a.lot or (a.serial.lot if a.serial else None)
        assert lot is not None and lot.expiry_date and lot.manufacture_date
        serial = a.serial.serial_number if a.serial else ""
        scan = label(a.product, lot.number, lot.expiry_date, lot.manufacture_date, serial)
        sales.pick_by_scan(wh, order.pk, scan=scan, quantity=a.quantity)
    sales.review_order(p.qa.actor, order.pk, **p.qa.sign())
    sales.ship_order(wh, order.pk, carrier="顺丰速运", tracking_number=tracking_number)


def hospital_sale(p: Plant) -> None:
    if SalesOrder.objects.filter(customer_reference=SO_HOSPITAL).exists():
        return
    seller, wh = actor("sales"), actor("wh")
    order = sales.create_order(
        seller,
        customer="CUS-001",
        lines=[
            {"product": "SYR-5ML", "quantity": 200, "unit_price": "1.20"},
            {"product": "STENT-DES", "quantity": 2, "unit_price": "9800.00"},
            {"product": "IVD-AG", "quantity": 20, "unit_price": "25.00"},
        ],
        customer_reference=SO_HOSPITAL,
    )
    p.added["sales_orders"] += 1
    sales.confirm_order(seller, order.pk)
    ship(p, order, tracking_number="SF1402600412")
    record = DistributionRecord.objects.get(order=order, product__code="SYR-5ML")
    sales.receive_return(
        wh, record=record.pk, quantity=10, to_location=plant.location("RET"), reason=RETURN_REASON
    )


def masks_on_order(p: Plant) -> None:
    if PurchaseOrder.objects.filter(notes=PO_MASKS).exists():
        return
    order = order_approved(p, "SUP-001", PO_MASKS, [("MASK-SURG", 1000, "0.28")])
    receive_by_scan(p, order, MASKS)


def drafts_the_gates_refuse(p: Plant) -> None:
    """Submitting or confirming these shows the refusal naming the expired licence."""
    if not PurchaseOrder.objects.filter(notes=PO_REFUSED).exists():
        procurement.create_order(
            actor("buyer"),
            supplier=Partner.objects.get(code="SUP-002"),
            lines=[{"product": product("SYR-5ML"), "quantity": 500, "unit_price": "0.80"}],
            notes=PO_REFUSED,
        )
        p.added["purchase_orders"] += 1
    if not SalesOrder.objects.filter(customer_reference=SO_REFUSED).exists():
        sales.create_order(
            actor("sales"),
            customer="CUS-005",
            lines=[{"product": "MASK-SURG", "quantity": 200, "unit_price": "0.60"}],
            customer_reference=SO_REFUSED,
        )
        p.added["sales_orders"] += 1


def cold_room_readings(p: Plant) -> None:
    """The logger uploads its last 48 hours, hourly, all within 2–8 °C, as one batch; each
    reading keeps the logger's own record as its raw form (DI-02)."""
    cold = plant.location("COLD")
    if TemperatureReading.objects.filter(location=cold).exists():
        return
    logger = Actor.for_user(User.objects.get(username=f"client:{plant.LOGGER}"))
    last = clock.now().replace(minute=0, second=0, microsecond=0)
    readings = []
    for hour in range(48):
        measured = last - dt.timedelta(hours=47 - hour)
        celsius = Decimal(str(round(4.8 + 0.9 * math.sin(hour * math.pi / 12), 1)))
        reading_id = f"{LOGGER_SOURCE}-{measured:%Y%m%d%H%M}"
        raw = json.dumps({"id": reading_id, "ts": measured.isoformat(), "t": str(celsius)})
        readings.append(
            coldchain.ReadingData(
                reading_id=reading_id,
                location=cold.pk,
                measured_at=measured,
                celsius=celsius,
                source=LOGGER_SOURCE,
                raw=raw,
            )
        )
    coldchain.record_readings(logger, readings)
    p.added["readings"] += len(readings)
