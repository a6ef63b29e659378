"""Read queries the sales API and pages share."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Q, QuerySet

from mederp.core import signatures
from mederp.core.errors import DomainError
from mederp.core.models import AuditEntry
from mederp.core.selectors import with_change_items
from mederp.core.signatures import SignatureView
from mederp.sales import gates
from mederp.sales.models import (
    Allocation,
    DistributionRecord,
    OrderStatus,
    Pick,
    SalesOrder,
    SalesOrderLine,
    SalesReturn,
    Shipment,
)

ORDER_TYPE = "sales.salesorder"


def search_orders(
    q: str = "", *, status: str = "", customer_id: int | None = None
) -> QuerySet[SalesOrder]:
    """Orders by number, customer code or name, or the customer's reference; newest first."""
    qs = SalesOrder.objects.select_related("customer")
    text = (q or "").strip()
    if text:
        qs = qs.filter(
            Q(number__icontains=text)
            | Q(customer__code__icontains=text)
            | Q(customer__name__icontains=text)
            | Q(customer_reference__icontains=text)
        )
    if status:
        qs = qs.filter(status=status)
    if customer_id is not None:
        qs = qs.filter(customer_id=customer_id)
    return qs.order_by("-id")


@dataclass
class LineView:
    line: SalesOrderLine
    allocated: Decimal = Decimal(0)
    picked: Decimal = Decimal(0)
    shipped: Decimal = Decimal(0)
    allocations: list[Allocation] = field(default_factory=list)

    @property
    def amount(self) -> Decimal:
        from mederp.sales.rules import amount

        return amount(self.line.quantity, self.line.unit_price)


def order_lines(order: SalesOrder) -> list[LineView]:
    """Each line with its open allocations and what was allocated, picked and shipped."""
    views = {
        line.pk: LineView(line)
        for line in order.lines.select_related("product", "product__uom").order_by("line_no")
    }
    allocations = (
        Allocation.objects.filter(line__order=order, cancelled_at__isnull=True)
        .select_related("lot", "serial", "location", "product")
        .order_by("id")
    )
    for a in allocations:
        view = views[a.line_id]
        view.allocations.append(a)
        view.allocated += a.quantity
        view.picked += a.picked_quantity
        view.shipped += a.shipped_quantity
    return list(views.values())


def open_allocations(order: SalesOrder) -> list[Allocation]:
    """What is still to pick, in pick-list order (location, then FEFO)."""
    return [
        a
        for a in Allocation.objects.filter(line__order=order, cancelled_at__isnull=True)
        .select_related("lot", "serial", "location", "product", "line")
        .order_by("location__code", "expiry_date", "id")
        if a.quantity > a.picked_quantity
    ]


def order_picks(order: SalesOrder) -> QuerySet[Pick]:
    return (
        Pick.objects.filter(allocation__line__order=order)
        .select_related("allocation", "allocation__product", "allocation__location")
        .order_by("id")
    )


def order_problems(order: SalesOrder) -> list[DomainError]:
    """What would block the order's confirmation or shipment today (shown on its page)."""
    if order.status in (OrderStatus.SHIPPED, OrderStatus.CANCELLED):
        return []
    customer = type(order.customer).objects.prefetch_related("documents").get(pk=order.customer_id)
    products = [
        line.product
        for line in order.lines.select_related("product").prefetch_related("product__registrations")
    ]
    return gates.problems(customer, products, order.market)


def order_signatures(order: SalesOrder) -> list[SignatureView]:
    return signatures.signatures_for(order)


def shipment_of(order: SalesOrder) -> Shipment | None:
    return Shipment.objects.filter(order=order).first()


def order_history(order: SalesOrder) -> list[AuditEntry]:
    """The order's audit entries and those of its lines, allocations, picks, shipment and
    distribution records, newest first (AT-02)."""
    ids = {
        "sales.salesorderline": order.lines.values_list("pk", flat=True),
        "sales.allocation": Allocation.objects.filter(line__order=order).values_list(
            "pk", flat=True
        ),
        "sales.pick": Pick.objects.filter(allocation__line__order=order).values_list(
            "pk", flat=True
        ),
        "sales.shipment": Shipment.objects.filter(order=order).values_list("pk", flat=True),
        "sales.distributionrecord": DistributionRecord.objects.filter(order=order).values_list(
            "pk", flat=True
        ),
    }
    cond = Q(record_type=ORDER_TYPE, record_id=str(order.pk))
    for record_type, pks in ids.items():
        cond |= Q(record_type=record_type, record_id__in=[str(pk) for pk in pks])
    return with_change_items(AuditEntry.objects.filter(cond).order_by("-id"))


def distribution_records(
    *,
    q: str = "",
    gtin: str = "",
    lot: str = "",
    serial: str = "",
    customer_id: int | None = None,
    product_id: int | None = None,
    since: dt.date | None = None,
    until: dt.date | None = None,
) -> QuerySet[DistributionRecord]:
    """What a recall asks: who received this device, lot or serial, and when (CN-09)."""
    qs = DistributionRecord.objects.all()
    text = (q or "").strip()
    if text:
        qs = qs.filter(
            Q(customer_name__icontains=text)
            | Q(customer_code__icontains=text)
            | Q(product_code__icontains=text)
            | Q(order_number__icontains=text)
            | Q(shipment_number__icontains=text)
        )
    if gtin:
        qs = qs.filter(gtin=gtin.strip())
    if lot:
        qs = qs.filter(lot_number=lot.strip())
    if serial:
        qs = qs.filter(serial_number=serial.strip())
    if customer_id is not None:
        qs = qs.filter(customer_id=customer_id)
    if product_id is not None:
        qs = qs.filter(product_id=product_id)
    if since is not None:
        qs = qs.filter(shipped_on__gte=since)
    if until is not None:
        qs = qs.filter(shipped_on__lte=until)
    return qs.order_by("-shipped_at", "id")


def returned_quantity(record: DistributionRecord) -> Decimal:
    return sum((r.quantity for r in record.returns.all()), Decimal(0))


def returns(
    *, record_id: int | None = None, customer_id: int | None = None
) -> QuerySet[SalesReturn]:
    qs = SalesReturn.objects.select_related(
        "record", "customer", "product", "lot", "serial", "to_location"
    )
    if record_id is not None:
        qs = qs.filter(record_id=record_id)
    if customer_id is not None:
        qs = qs.filter(customer_id=customer_id)
    return qs.order_by("-id")


def as_problem_list(found: list[DomainError]) -> list[dict[str, Any]]:
    return [{"code": p.code, "message": p.render_message(), "details": p.details} for p in found]
