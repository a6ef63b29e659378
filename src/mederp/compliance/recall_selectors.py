"""Read queries the recall pages, the API and the exports share (RC-04, RC-06)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Max, Q, QuerySet, Sum

from mederp.compliance import recall_rules
from mederp.compliance.models import LOT, SERIAL, Recall, RecallItem, RecallLine, RecallState
from mederp.inventory.models import Reservation


def recalls(*, state: str = "", q: str = "") -> QuerySet[Recall]:
    qs = Recall.objects.all()
    if state:
        qs = qs.filter(state=state)
    text = (q or "").strip()
    if text:
        qs = qs.filter(
            Q(number__icontains=text)
            | Q(reason__icontains=text)
            | Q(scope_summary__icontains=text)
            | Q(products_summary__icontains=text)
        )
    return qs.order_by("-id")


def lines(recall_id: int, *, consignee: str = "", pending: bool = False) -> QuerySet[RecallLine]:
    """The recall's consignee lines, by consignee then ship date; ``pending``: not notified."""
    qs = RecallLine.objects.filter(recall_id=recall_id)
    if consignee:
        qs = qs.filter(consignee_code=consignee)
    if pending:
        qs = qs.filter(notified_at__isnull=True)
    return qs.order_by("consignee_code", "shipped_on", "id")


def items(recall_id: int) -> QuerySet[RecallItem]:
    return (
        RecallItem.objects.filter(recall_id=recall_id)
        .select_related("product")
        .order_by("depth", "kind", "number", "id")
    )


@dataclass(frozen=True)
class ConsigneeSummary:
    """One consignee's lines of a recall: what it received, what is accounted for, and how
    far its notification and acknowledgement went (RC-06)."""

    customer_id: int
    code: str
    name: str
    address: str
    contact: str
    phone: str
    lines: int
    shipped: Decimal
    accounted: Decimal
    notified: int
    acknowledged: int

    @property
    def ratio(self) -> Decimal | None:
        return recall_rules.ratio(self.accounted, self.shipped)

    @property
    def percent(self) -> int:
        """The ratio as a whole percentage for bars (0 when nothing was shipped)."""
        value = self.ratio
        return 0 if value is None else int((value * 100).to_integral_value())

    @property
    def fully_notified(self) -> bool:
        return self.notified == self.lines

    @property
    def fully_acknowledged(self) -> bool:
        return self.acknowledged == self.lines


def consignees(recall_id: int) -> list[ConsigneeSummary]:
    """Per consignee (its address and contact as on its latest-sorting line), one aggregate
    query."""
    zero = Decimal(0)
    rows = (
        RecallLine.objects.filter(recall_id=recall_id)
        .order_by()
        .values("customer_id", "consignee_code", "consignee_name")
        .annotate(
            address=Max("consignee_address"),
            contact=Max("consignee_contact"),
            phone=Max("consignee_phone"),
            n=Count("id"),
            shipped=Sum("quantity"),
            before=Sum("previously_returned"),
            returned=Sum("quantity_returned"),
            accounted=Sum("quantity_accounted"),
            notified=Count("notified_at"),
            acknowledged=Count("acknowledged_at"),
        )
        .order_by("consignee_code")
    )
    return [
        ConsigneeSummary(
            customer_id=r["customer_id"],
            code=r["consignee_code"],
            name=r["consignee_name"],
            address=r["address"],
            contact=r["contact"],
            phone=r["phone"],
            lines=r["n"],
            shipped=r["shipped"] or zero,
            accounted=(r["before"] or zero) + (r["returned"] or zero) + (r["accounted"] or zero),
            notified=r["notified"],
            acknowledged=r["acknowledged"],
        )
        for r in rows
    ]


def open_reservations(recall_id: int) -> QuerySet[Reservation]:
    """Reservations still open on the recalled lots and serials: they stay (nothing is
    cancelled silently) but can no longer be picked into a shipment (the gates)."""
    held = RecallItem.objects.filter(recall_id=recall_id)
    return (
        Reservation.objects.filter(quantity__gt=0)
        .filter(
            Q(lot_id__in=held.filter(kind=LOT).values("lot_id"))
            | Q(serial_id__in=held.filter(kind=SERIAL).values("serial_id"))
        )
        .select_related("product", "lot", "serial", "location")
        .order_by("id")
    )


def open_count() -> int:
    return Recall.objects.filter(state=RecallState.OPEN).count()
