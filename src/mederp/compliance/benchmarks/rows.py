"""The rows of ``bench trace``'s bulk documents: receipts, work orders, shipments.

Each writer makes, for a range of documents, exactly the rows the services write for them
(see :mod:`.volume` for the list), with the values the services copy from master data
(product code, name, GTIN, registration; customer name, address, contact, licence), and sends
them through :class:`.bulk.Table`. Primary keys come from :class:`.bulk.Ids`, so a child row
cites its parent without reading it back.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db.models import Sum

from mederp.catalog.models import Product
from mederp.compliance.benchmarks.bulk import Ids, Table
from mederp.compliance.benchmarks.plant import Plant
from mederp.core import clock
from mederp.core.actors import Actor
from mederp.identity.models import User
from mederp.inventory.models import Balance, Lot, Move, Reservation
from mederp.partners.models import Partner
from mederp.procurement.models import PurchaseOrder, PurchaseOrderLine, Receipt, ReceiptLine
from mederp.production import rules as production_rules
from mederp.production.models import LOT, GenealogyEdge, MaterialIssue, ProductionOutput, WorkOrder
from mederp.production.models import DocumentCounter as WorkOrderCounter
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
from mederp.sales.models import DocumentCounter as SalesCounter

if TYPE_CHECKING:
    from mederp.compliance.benchmarks.volume import Plan, Sizes

__all__ = ["TABLES", "Context", "Lot", "Writers"]

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


def _contact(partner: Partner) -> str:
    return " ".join(p for p in (partner.contact, partner.phone) if p)[:200]


def _gs1(product: Product, expiry: dt.date, lot: str) -> str:
    return f"01{product.gtin}17{expiry:%y%m%d}10{lot}{GS}"


class Writers:
    """The tables and the three document writers."""

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

    @staticmethod
    def _move(
        move: int,
        product: int,
        lot: int,
        qty: Decimal,
        src: int,
        dst: int,
        doc: tuple[str, str, str],
        at: dt.datetime,
        who: Person,
    ) -> tuple[Any, ...]:
        """A move row: ``doc`` is (document type, document id, document line)."""
        return (move, product, lot, qty, src, dst, *doc, at, who.id, who.name)

    def receipts(
        self, plan: Plan, lot_ids: range, first: int, last: int, start: dt.datetime
    ) -> None:
        """Component lots ``first``..``last - 1``: received, released and put away."""
        ctx, plant, n = self.ctx, self.ctx.plant, last - first
        step = dt.timedelta(days=20) / len(plan.lot_product)
        receipt_ids = self.ids.take(Receipt, n)
        line_ids = self.ids.take(ReceiptLine, n)
        move_ids = self.ids.take(Move, 2 * n)
        balance_ids = self.ids.take(Balance, 2 * n)
        made, expiry = ctx.today - dt.timedelta(days=90), ctx.today + dt.timedelta(days=700)
        lots, moves, receipts, lines, balances = [], [], [], [], []
        for k, i in enumerate(range(first, last)):
            lot, product_id = lot_ids[i], plan.lot_product[i]
            product = ctx.products[product_id]
            supplier_id, order_id, order_line = plant.sourcing[product_id]
            supplier = ctx.partners[supplier_id]
            left = Decimal(20 + 10 * (i % 5))
            received = BATCH_SIZE * plan.uses[i] + left
            at = start + step * i
            number = f"L{i + 1:07d}"
            receipt, receive, putaway = receipt_ids[k], move_ids[2 * k], move_ids[2 * k + 1]
            lots.append((lot, product_id, number, made, expiry, "released", ctx.inspector.id, at))
            moves.append(self._move(receive, product_id, lot, received, plant.supplier_location,
                                    plant.quarantine, (RECEIPT, str(receipt), "1"), at,
                                    ctx.inspector))  # fmt: skip
            moves.append(self._move(putaway, product_id, lot, received, plant.quarantine,
                                    plant.storage, (TRANSFER, f"P{putaway:015d}", ""),
                                    at + dt.timedelta(hours=4), ctx.inspector))  # fmt: skip
            receipts.append((receipt, order_id, supplier_id, supplier.name, supplier.address,
                             _contact(supplier), at))  # fmt: skip
            scan = _gs1(product, expiry, number)
            registration, holder = ctx.registration[product_id]
            lines.append((line_ids[k], receipt, order_line, product_id, product.code,
                          product.name_zh, product.specification, registration, holder,
                          product.manufacturer, product.gtin, number, made, expiry, received,
                          received, scan, hashlib.sha256(scan.encode()).hexdigest(), lot,
                          receive))  # fmt: skip
            balances.append((balance_ids[2 * k], product_id, lot, lot, plant.quarantine, expiry,
                             Decimal(0)))  # fmt: skip
            balances.append((balance_ids[2 * k + 1], product_id, lot, lot, plant.storage, expiry,
                             left))  # fmt: skip
        self.lots.write(lots)
        self.moves.write(moves)
        self.receipts_table.write(receipts)
        self.receipt_lines.write(lines)
        self.balances.write(balances)

    def work_orders(
        self,
        plan: Plan,
        component_lots: range,
        finished_lots: range,
        first: int,
        last: int,
        start: dt.datetime,
    ) -> None:
        """Work orders ``first``..``last - 1``: five issues, one finished lot, released and put
        away, the genealogy edges."""
        ctx, plant, n = self.ctx, self.ctx.plant, last - first
        step = dt.timedelta(days=20) / len(plan.consumes)
        wo_ids = self.ids.take(WorkOrder, n)
        issue_ids = self.ids.take(MaterialIssue, 5 * n)
        output_ids = self.ids.take(ProductionOutput, n)
        edge_ids = self.ids.take(GenealogyEdge, 5 * n)
        move_ids = self.ids.take(Move, 7 * n)
        balance_ids = self.ids.take(Balance, 2 * n)
        orders, issues, outputs, edges, moves, lots, balances = [], [], [], [], [], [], []
        op = ctx.operator
        for k, w in enumerate(range(first, last)):
            wo, lot = wo_ids[k], finished_lots[w]
            device = plant.finished[w % len(plant.finished)]
            bom, bom_lines = plant.boms[device]
            at = start + step * w
            done = at + dt.timedelta(hours=6)
            made = done.date()
            number = f"F{w + 1:07d}"
            self.finished_product[lot], self.finished_number[lot] = device, number
            self.finished_made[lot] = made
            orders.append((wo, production_rules.document_number("WO", self.year, w + 1), device,
                           bom, made, made, number, at, at, at, done))  # fmt: skip
            output, out_move = output_ids[k], move_ids[7 * k + 5]
            for c, (component_index, bom_line) in enumerate(
                zip(plan.consumes[w], bom_lines, strict=True)
            ):
                issue, move = issue_ids[5 * k + c], move_ids[7 * k + c]
                component = component_lots[component_index]
                product = plan.lot_product[component_index]
                issued_at = at + dt.timedelta(minutes=10 + c)
                moves.append(self._move(move, product, component, BATCH_SIZE, plant.storage,
                                        plant.production, (WORK_ORDER, str(wo), str(c + 1)),
                                        issued_at, op))  # fmt: skip
                issues.append((issue, wo, issued_at, bom_line, product, component, move))
                edges.append((edge_ids[5 * k + c], wo, issue, output, component, product,
                              component, lot, device, lot, done))  # fmt: skip
            lots.append((lot, device, number, made, made + EXPIRY, "released", op.id, done))
            moves.append(self._move(out_move, device, lot, BATCH_SIZE, plant.production,
                                    plant.quarantine, (WORK_ORDER, str(wo), "output"),
                                    done, op))  # fmt: skip
            putaway = move_ids[7 * k + 6]
            moves.append(self._move(putaway, device, lot, BATCH_SIZE, plant.quarantine,
                                    plant.storage, (TRANSFER, f"P{putaway:015d}", ""),
                                    done + dt.timedelta(hours=4), op))  # fmt: skip
            outputs.append((output, wo, done, device, lot, out_move))
            expiry = made + EXPIRY
            on_hand = BATCH_SIZE - SHIPPED * plan.shipped[w]
            balances.append((balance_ids[2 * k], device, lot, lot, plant.quarantine, expiry,
                             Decimal(0)))  # fmt: skip
            balances.append((balance_ids[2 * k + 1], device, lot, lot, plant.storage, expiry,
                             on_hand))  # fmt: skip
        self.lots.write(lots)
        self.moves.write(moves)
        self.work_orders_table.write(orders)
        self.issues.write(issues)
        self.outputs.write(outputs)
        self.edges.write(edges)
        self.balances.write(balances)

    def shipments(
        self, plan: Plan, finished_lots: range, first: int, last: int, start: dt.datetime
    ) -> None:
        """Shipments ``first``..``last - 1``: one finished lot each, to one customer."""
        ctx, plant, n = self.ctx, self.ctx.plant, last - first
        step = dt.timedelta(days=19) / len(plan.customer_of)
        take = self.ids.take
        order_ids, line_ids = take(SalesOrder, n), take(SalesOrderLine, n)
        reservation_ids, allocation_ids = take(Reservation, n), take(Allocation, n)
        pick_ids, shipment_ids = take(Pick, n), take(Shipment, n)
        move_ids, record_ids = take(Move, n), take(DistributionRecord, n)
        tables: dict[str, list[tuple[Any, ...]]] = {
            name: [] for name in ("orders", "lines", "res", "alloc", "picks", "ships", "moves",
                                  "records")
        }  # fmt: skip
        for k, s in enumerate(range(first, last)):
            w = s % len(plan.consumes)
            lot = finished_lots[w]
            device = self.finished_product[lot]
            product = ctx.products[device]
            lot_number = self.finished_number[lot]
            customer = ctx.partners[plan.customer_of[s]]
            order, line, shipment = order_ids[k], line_ids[k], shipment_ids[k]
            allocation, move = allocation_ids[k], move_ids[k]
            at = start + step * s
            shipped_at = at + dt.timedelta(hours=3)
            day = shipped_at.date()
            order_no = sales_rules.document_number("SO", self.year, s + 1)
            ship_no = sales_rules.document_number("SH", self.year, s + 1)
            made = self.finished_made[lot]
            expiry = made + EXPIRY
            t = tables
            t["orders"].append((order, order_no, customer.pk, customer.address, at,
                                at + dt.timedelta(hours=2), shipped_at))  # fmt: skip
            t["lines"].append((line, order, device))
            t["res"].append((reservation_ids[k], device, lot, str(order), str(line), at))
            t["alloc"].append((allocation, line, device, lot, expiry, reservation_ids[k], at))
            t["picks"].append((pick_ids[k], allocation, _gs1(product, expiry, lot_number),
                               product.gtin, lot_number, at + dt.timedelta(hours=1)))  # fmt: skip
            t["ships"].append((shipment, ship_no, order, shipped_at, day))
            t["moves"].append(self._move(move, device, lot, SHIPPED, plant.storage,
                                         plant.customer_location,
                                         (SHIPMENT, str(shipment), str(line)), shipped_at,
                                         ctx.picker))  # fmt: skip
            registration, holder = ctx.registration[device]
            t["records"].append((record_ids[k], shipment, order, line, allocation, move,
                                 order_no, ship_no, shipped_at, day, customer.pk, customer.code,
                                 customer.name, customer.address, _contact(customer),
                                 ctx.licence[customer.pk], device, product.code,
                                 product.name_zh, product.specification, product.gtin,
                                 registration, holder, product.manufacturer, lot, lot_number,
                                 made, expiry))  # fmt: skip
        self.orders.write(tables["orders"])
        self.order_lines.write(tables["lines"])
        self.reservations.write(tables["res"])
        self.allocations.write(tables["alloc"])
        self.picks.write(tables["picks"])
        self.shipments_table.write(tables["ships"])
        self.moves.write(tables["moves"])
        self.records.write(tables["records"])

    def finish(self, plan: Plan, sizes: Sizes) -> None:
        """What the documents leave behind besides their rows: the purchase order lines'
        accepted quantities and states, and the document counters past the bulk numbers."""
        plant = self.ctx.plant
        accepted = (
            ReceiptLine.objects.values("order_line_id")
            .annotate(total=Sum("quantity_accepted"))
            .values_list("order_line_id", "total")
        )
        for line_id, total in accepted:
            PurchaseOrderLine.objects.filter(pk=line_id).update(accepted_quantity=total)
        orders = {v[1] for v in plant.sourcing.values()}
        PurchaseOrder.objects.filter(pk__in=orders).update(state="partially_received")
        for prefix, last in (("SO", sizes.shipments), ("SH", sizes.shipments)):
            SalesCounter.objects.update_or_create(
                prefix=prefix, year=self.year, defaults={"last": last}
            )
        WorkOrderCounter.objects.update_or_create(
            prefix="WO", year=self.year, defaults={"last": sizes.work_orders}
        )
