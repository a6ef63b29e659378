"""The tables ``bench trace`` loads and what their rows copy from master data.

:class:`Tables` declares one :class:`.bulk.Table` per model, with the values every row of it
shares (locations, people, quantities, states); :class:`Context` reads once what the services
copy into each document (product code, name, GTIN, registration and holder; supplier and
customer name, address, contact, licence). :mod:`.documents` writes the rows.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from mederp.catalog.models import Product
from mederp.compliance.benchmarks.bulk import Ids, Table
from mederp.compliance.benchmarks.plant import Plant
from mederp.core import clock
from mederp.core.actors import Actor
from mederp.identity.models import User
from mederp.inventory.models import Balance, Lot, Move, Reservation
from mederp.partners.models import Partner
from mederp.procurement.models import Receipt, ReceiptLine
from mederp.production.models import LOT, GenealogyEdge, MaterialIssue, ProductionOutput, WorkOrder
from mederp.sales import gates
from mederp.sales import rules as sales_rules
from mederp.sales.models import (
    Allocation,
    DistributionRecord,
    Pick,
    SalesOrder,
    SalesOrderLine,
    Shipment,
)

#: Every table the bulk load writes (sequences reset and statistics gathered afterwards).
TABLES = (
    Lot, Move, Balance, Receipt, ReceiptLine, WorkOrder, MaterialIssue, ProductionOutput,
    GenealogyEdge, SalesOrder, SalesOrderLine, Reservation, Allocation, Pick, Shipment,
    DistributionRecord,
)  # fmt: skip

#: A work order makes this many finished units, and takes this many of each component.
BATCH_SIZE = Decimal(100)
#: Units per shipment: ten shipments leave 20 of a finished lot of 100 on hand.
SHIPPED = Decimal(8)
UNIT_PRICE = Decimal("35.0000")
RECEIPT, TRANSFER = "procurement.receipt", "inventory.transfer"
WORK_ORDER, SHIPMENT, RESERVATION = "production.workorder", "sales.shipment", "sales.order"
GS = "\x1d"
#: Shelf life of the finished device.
EXPIRY = dt.timedelta(days=1095)


@dataclass
class Person:
    id: int
    kind: str
    name: str

    @classmethod
    def of(cls, user_id: int) -> Person:
        actor = Actor.for_user(User.objects.get(pk=user_id))
        return cls(int(user_id), actor.kind, actor.name[:200])


@dataclass
class Context:
    """What the rows copy from master data, read once."""

    plant: Plant
    today: dt.date
    products: dict[int, Product]
    registration: dict[int, tuple[str, str]]
    partners: dict[int, Partner]
    licence: dict[int, str]
    inspector: Person
    operator: Person
    picker: Person
    reviewer: Person

    @classmethod
    def load(cls, plant: Plant) -> Context:
        today = clock.today()
        products = {
            p.pk: p
            for p in Product.objects.filter(
                pk__in=plant.components + plant.finished
            ).prefetch_related("registrations")
        }
        partners = {
            p.pk: p
            for p in Partner.objects.filter(
                pk__in=plant.suppliers + plant.customers
            ).prefetch_related("documents")
        }
        device = products[plant.finished[0]]
        return cls(
            plant=plant,
            today=today,
            products=products,
            registration={
                pk: gates.registration_in_force(p, "CN", today) for pk, p in products.items()
            },
            partners=partners,
            licence={
                c: gates.customer_licence_number(partners[c], device, today)
                for c in plant.customers
            },
            inspector=Person.of(plant.inspector),
            operator=Person.of(plant.operator),
            picker=Person.of(plant.picker),
            reviewer=Person.of(plant.reviewer),
        )


def contact(partner: Partner) -> str:
    return " ".join(p for p in (partner.contact, partner.phone) if p)[:200]


def gs1(product: Product, expiry: dt.date, lot: str) -> str:
    return f"01{product.gtin}17{expiry:%y%m%d}10{lot}{GS}"


class Tables:
    """The bulk tables of the plant's documents, with the values every row of a table shares."""

    def __init__(self, ctx: Context, ids: Ids) -> None:
        self.ctx, self.ids = ctx, ids
        plant = ctx.plant
        self.lots = Table(
            Lot,
            ["id", "product_id", "number", "manufacture_date", "expiry_date", "status",
             "inspected_by_id", "created_at"],
        )  # fmt: skip
        self.moves = Table(
            Move,
            ["id", "product_id", "lot_id", "quantity", "from_location_id", "to_location_id",
             "document_type", "document_id", "document_line", "occurred_at", "actor_id",
             "actor_name"],
            actor_kind="user",
        )  # fmt: skip
        self.balances = Table(
            Balance,
            ["id", "product_id", "lot_id", "lot_key", "location_id", "expiry_date", "quantity"],
        )
        self.receipts_table = Table(
            Receipt,
            ["id", "order_id", "supplier_id", "supplier_name", "supplier_address",
             "supplier_contact", "received_at"],
            location_id=plant.quarantine,
            inspector_id=ctx.inspector.id,
            inspector_name=ctx.inspector.name,
        )  # fmt: skip
        self.receipt_lines = Table(
            ReceiptLine,
            ["id", "receipt_id", "order_line_id", "product_id", "product_code", "product_name",
             "specification", "registration_number", "registrant", "manufacturer", "udi_di",
             "lot_number", "manufacture_date", "expiry_date", "quantity_received",
             "quantity_accepted", "raw_scan", "scan_sha256", "lot_id", "move_id"],
            line_no=1,
            quantity_rejected=Decimal(0),
            result="accepted",
        )  # fmt: skip
        self.work_orders_table = Table(
            WorkOrder,
            ["id", "number", "product_id", "bom_id", "planned_start", "planned_end",
             "output_lot_number", "created_at", "released_at", "started_at", "completed_at"],
            planned_quantity=BATCH_SIZE,
            production_location_id=plant.production,
            output_location_id=plant.quarantine,
            state="completed",
        )  # fmt: skip
        shop_floor = {
            "operator_id": ctx.operator.id,
            "operator_name": ctx.operator.name,
            "source": "manual",
        }
        self.issues = Table(
            MaterialIssue,
            ["id", "work_order_id", "recorded_at", "bom_component_id", "product_id", "lot_id",
             "move_id"],
            quantity=BATCH_SIZE,
            from_location_id=plant.storage,
            method="fefo",
            **shop_floor,
        )  # fmt: skip
        self.outputs = Table(
            ProductionOutput,
            ["id", "work_order_id", "recorded_at", "product_id", "lot_id", "move_id"],
            kind="good",
            quantity=BATCH_SIZE,
            **shop_floor,
        )
        self.edges = Table(
            GenealogyEdge,
            ["id", "work_order_id", "issue_id", "output_id", "consumed_id", "consumed_product_id",
             "consumed_lot_id", "produced_id", "produced_product_id", "produced_lot_id",
             "created_at"],
            consumed_kind=LOT,
            produced_kind=LOT,
            quantity=BATCH_SIZE,
        )  # fmt: skip
        self.orders = Table(
            SalesOrder,
            ["id", "number", "customer_id", "ship_to_address", "created_at", "reviewed_at",
             "shipped_at"],
            status="shipped",
            reviewed_by_id=ctx.reviewer.id,
        )  # fmt: skip
        self.order_lines = Table(
            SalesOrderLine,
            ["id", "order_id", "product_id"],
            line_no=1,
            quantity=SHIPPED,
            unit_price=UNIT_PRICE,
        )
        self.reservations = Table(
            Reservation,
            ["id", "product_id", "lot_id", "document_id", "document_line", "created_at"],
            location_id=plant.storage,
            quantity=Decimal(0),
            document_type=RESERVATION,
        )
        self.allocations = Table(
            Allocation,
            ["id", "line_id", "product_id", "lot_id", "expiry_date", "reservation_id",
             "created_at"],
            location_id=plant.storage,
            quantity=SHIPPED,
            picked_quantity=SHIPPED,
            shipped_quantity=SHIPPED,
            version=2,
        )  # fmt: skip
        self.picks = Table(
            Pick,
            ["id", "allocation_id", "scan_raw", "gtin", "lot_number", "picked_at"],
            quantity=SHIPPED,
            picked_by_id=ctx.picker.id,
            picked_by_name=ctx.picker.name,
        )
        self.shipments_table = Table(
            Shipment,
            ["id", "number", "order_id", "shipped_at", "shipped_on"],
            shipped_by_id=ctx.picker.id,
            shipped_by_name=ctx.picker.name,
        )
        self.records = Table(
            DistributionRecord,
            ["id", "shipment_id", "order_id", "line_id", "allocation_id", "move_id",
             "order_number", "shipment_number", "shipped_at", "shipped_on", "customer_id",
             "customer_code", "customer_name", "customer_address", "customer_contact",
             "customer_licence", "product_id", "product_code", "product_name", "specification",
             "gtin", "registration_number", "registrant", "manufacturer", "lot_id",
             "lot_number", "manufacture_date", "expiry_date"],
            quantity=SHIPPED,
            unit_price=UNIT_PRICE,
            amount=sales_rules.amount(SHIPPED, UNIT_PRICE),
            currency="CNY",
        )  # fmt: skip
        self.year = clock.today().year
        # The finished lots' facts, filled by work_orders() and read by shipments().
        self.finished_product: dict[int, int] = {}
        self.finished_number: dict[int, str] = {}
        self.finished_made: dict[int, dt.date] = {}

    def counts(self) -> dict[str, int]:
        return {
            "lots": self.lots.written,
            "moves": self.moves.written,
            "balances": self.balances.written,
            "genealogy_edges": self.edges.written,
            "distribution_records": self.records.written,
        }
