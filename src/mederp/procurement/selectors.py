"""Procurement read queries shared by the UI and the API."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Prefetch, Q, QuerySet

from mederp.catalog.barcodes import parse_scan
from mederp.core import signatures
from mederp.core.errors import DomainError
from mederp.core.models import AuditEntry
from mederp.core.selectors import with_change_items
from mederp.core.signatures import SignatureView
from mederp.inventory.models import Location, LocationKind
from mederp.procurement import approval, gates, rules, scanning
from mederp.procurement.models import (
    OrderState,
    PurchaseOrder,
    PurchaseOrderLine,
    Receipt,
    ReceiptLine,
    receipt_id_from_number,
)

#: States whose gates are still ahead (submission, approval): the order page shows what blocks.
GATED_STATES = frozenset({OrderState.DRAFT, OrderState.SUBMITTED})
RECEIVABLE_STATES = frozenset({OrderState.APPROVED, OrderState.PARTIALLY_RECEIVED})


def orders_matching(
    q: str = "", *, state: str = "", supplier_id: int | None = None
) -> QuerySet[PurchaseOrder]:
    """Orders by number, supplier code or name, with filters; newest first."""
    qs = PurchaseOrder.objects.select_related("supplier")
    q = (q or "").strip()
    if q:
        qs = qs.filter(
            Q(number__icontains=q) | Q(supplier__code__icontains=q) | Q(supplier__name__icontains=q)
        )
    if state:
        qs = qs.filter(state=state)
    if supplier_id is not None:
        qs = qs.filter(supplier_id=supplier_id)
    return qs.order_by("-id")


def order_with_lines(order_id: int) -> PurchaseOrder | None:
    return (
        PurchaseOrder.objects.select_related("supplier")
        .prefetch_related(
            Prefetch(
                "lines",
                queryset=PurchaseOrderLine.objects.select_related("product", "product__uom")
                .prefetch_related("product__registrations")
                .order_by("line_no"),
            )
        )
        .filter(pk=order_id)
        .first()
    )


def order_lines(order: PurchaseOrder) -> list[PurchaseOrderLine]:
    lines = list(order.lines.all())
    for line in lines:
        line.open_quantity = rules.open_quantity(line.quantity, line.accepted_quantity)  # type: ignore[attr-defined]
        line.amount = line.quantity * line.unit_price  # type: ignore[attr-defined]
    return lines


def order_total(lines: list[PurchaseOrderLine]) -> Decimal:
    return sum((line.quantity * line.unit_price for line in lines), Decimal(0))


def gate_problems(order: PurchaseOrder) -> list[DomainError]:
    """What would block the order's submission or approval now (empty once past them)."""
    if order.state not in GATED_STATES:
        return []
    products = [line.product for line in order.lines.all()]
    return gates.problems(order.supplier, products, order.market)


@dataclass(frozen=True)
class Approval:
    state: str
    state_label: str
    signatures: list[SignatureView]
    approved: bool


def approval_of(order: PurchaseOrder) -> Approval:
    views = signatures.signatures_for(order)
    approvals = [v for v in views if v.meaning == "approved"]
    return Approval(
        state=order.state,
        state_label=str(OrderState(order.state).label),
        signatures=views,
        approved=bool(approvals) and approvals[-1].valid,
    )


def order_history(order: PurchaseOrder) -> list[AuditEntry]:
    """The order's audit entries with those of its lines and receipts, newest first."""
    lines = PurchaseOrderLine.objects.filter(order=order).values_list("pk", flat=True)
    line_ids = [str(pk) for pk in lines]
    # Lines removed from a draft no longer exist; their entries still name the order's lines.
    removed = AuditEntry.objects.filter(
        record_type=approval.LINE, action="delete", changes__contains=f'"order":[{order.pk},'
    ).values_list("record_id", flat=True)
    receipt_ids = [str(pk) for pk in order.receipts.values_list("pk", flat=True)]
    entries = AuditEntry.objects.filter(
        Q(record_type=approval.ORDER, record_id=str(order.pk))
        | Q(record_type=approval.LINE, record_id__in=[*line_ids, *removed])
        | Q(record_type="procurement.receipt", record_id__in=receipt_ids)
    ).order_by("-id")
    return with_change_items(entries)


def receipts_of(order: PurchaseOrder) -> list[Receipt]:
    return list(order.receipts.select_related("location").prefetch_related("lines").order_by("id"))


def receipts_matching(q: str = "", *, order_id: int | None = None) -> QuerySet[Receipt]:
    """Receipts by number, order number, supplier, lot or serial number; newest first."""
    qs = Receipt.objects.select_related("order", "supplier", "location")
    q = (q or "").strip()
    if q:
        cond = (
            Q(order__number__icontains=q)
            | Q(supplier_name__icontains=q)
            | Q(lines__lot_number__iexact=q)
            | Q(lines__serial_number__iexact=q)
        )
        pk = receipt_id_from_number(q)
        if pk is not None:
            cond |= Q(pk=pk)
        qs = qs.filter(cond).distinct()
    if order_id is not None:
        qs = qs.filter(order_id=order_id)
    return qs.order_by("-id")


def receipt_with_lines(receipt_id: int) -> Receipt | None:
    return (
        Receipt.objects.select_related("order", "supplier", "location", "location__warehouse")
        .prefetch_related(
            Prefetch(
                "lines",
                queryset=ReceiptLine.objects.select_related("product").order_by("line_no"),
            )
        )
        .filter(pk=receipt_id)
        .first()
    )


def quarantine_locations() -> QuerySet[Location]:
    return (
        Location.objects.select_related("warehouse")
        .filter(kind=LocationKind.QUARANTINE, is_active=True)
        .order_by("warehouse__code", "code")
    )


def scan_preview(raw: str, line: PurchaseOrderLine | None = None) -> dict[str, Any]:
    """What a scan says and, given an order line, whether it fits it: the receive page fills
    its fields from this. Writes nothing; ``problems`` lists the refusals a receipt would
    raise for this scan."""
    result = parse_scan(raw)
    data = result.as_dict()
    if result.ok and line is not None:
        try:
            scanning.identify(raw, line.product, line.line_no)
        except DomainError as exc:
            data["problems"] = [{"code": exc.code, "message": exc.render_message()}]
    return data
