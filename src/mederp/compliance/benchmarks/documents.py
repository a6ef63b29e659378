"""The three documents of ``bench trace``'s plant, written in bulk: receipts, work orders,
shipments.

Each writer makes, for a range of documents, exactly the rows the services write for them
(:mod:`.volume` lists them), copying the values the services copy from master data, and sends
them through the tables of :class:`.rows.Tables`. Primary keys come from
:class:`.bulk.Ids`, so a child row cites its parent without reading it back.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db.models import Sum

from mederp.compliance.benchmarks.rows import (
    BATCH_SIZE,
    EXPIRY,
    RECEIPT,
    SHIPMENT,
    SHIPPED,
    TRANSFER,
    WORK_ORDER,
    Person,
    Tables,
    contact,
    gs1,
)
from mederp.core import numbering
from mederp.core.models import DocumentCounter
from mederp.inventory.models import Balance, Move, Reservation
from mederp.procurement.models import PurchaseOrder, PurchaseOrderLine, Receipt, ReceiptLine
from mederp.production.models import GenealogyEdge, MaterialIssue, ProductionOutput, WorkOrder
from mederp.sales.models import (
    Allocation,
    DistributionRecord,
    Pick,
    SalesOrder,
    SalesOrderLine,
    Shipment,
)

if TYPE_CHECKING:
    from mederp.compliance.benchmarks.volume import Plan, Sizes


class Writers(Tables):
    """The receipts, work orders and shipments of the plant."""

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
                             contact(supplier), at))  # fmt: skip
            scan = gs1(product, expiry, number)
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
            orders.append((wo, numbering.format_number("WO", self.year, w + 1), device,
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
            order_no = numbering.format_number("SO", self.year, s + 1)
            ship_no = numbering.format_number("SH", self.year, s + 1)
            made = self.finished_made[lot]
            expiry = made + EXPIRY
            t = tables
            t["orders"].append((order, order_no, customer.pk, customer.address, at,
                                at + dt.timedelta(hours=2), shipped_at))  # fmt: skip
            t["lines"].append((line, order, device))
            t["res"].append((reservation_ids[k], device, lot, str(order), str(line), at))
            t["alloc"].append((allocation, line, device, lot, expiry, reservation_ids[k], at))
            t["picks"].append((pick_ids[k], allocation, gs1(product, expiry, lot_number),
                               product.gtin, lot_number, at + dt.timedelta(hours=1)))  # fmt: skip
            t["ships"].append((shipment, ship_no, order, shipped_at, day))
            t["moves"].append(self._move(move, device, lot, SHIPPED, plant.storage,
                                         plant.customer_location,
                                         (SHIPMENT, str(shipment), str(line)), shipped_at,
                                         ctx.picker))  # fmt: skip
            registration, holder = ctx.registration[device]
            t["records"].append((record_ids[k], shipment, order, line, allocation, move,
                                 order_no, ship_no, shipped_at, day, customer.pk, customer.code,
                                 customer.name, customer.address, contact(customer),
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
        counters = (("SO", sizes.shipments), ("SH", sizes.shipments), ("WO", sizes.work_orders))
        for prefix, last in counters:
            DocumentCounter.objects.update_or_create(
                prefix=prefix, year=self.year, defaults={"last": last}
            )
