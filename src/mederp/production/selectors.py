"""Read queries the production API and pages share, and that the device history record and the
traceability pages build on: a work order with its lines, yield, consumption against the BOM.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Q, QuerySet, Sum

from mederp.catalog.models import BomComponent
from mederp.core import signatures
from mederp.core.models import AuditEntry
from mederp.core.selectors import with_change_items
from mederp.core.signatures import SignatureView
from mederp.production import rules
from mederp.production.models import (
    ComponentScrap,
    GenealogyEdge,
    InProcessCheck,
    MaterialIssue,
    OperationRecord,
    OutputKind,
    ProductionOutput,
    WorkOrder,
)


def search_work_orders(
    q: str = "", *, state: str = "", product_id: int | None = None
) -> QuerySet[WorkOrder]:
    """Work orders by number, device code or name, or output lot; newest first."""
    qs = WorkOrder.objects.select_related("product", "bom")
    text = (q or "").strip()
    if text:
        qs = qs.filter(
            Q(number__icontains=text)
            | Q(product__code__icontains=text)
            | Q(product__name_zh__icontains=text)
            | Q(product__name_en__icontains=text)
            | Q(output_lot_number__icontains=text)
        )
    if state:
        qs = qs.filter(state=state)
    if product_id is not None:
        qs = qs.filter(product_id=product_id)
    return qs.order_by("-id")


def get_work_order(pk: int) -> WorkOrder | None:
    return (
        WorkOrder.objects.select_related(
            "product",
            "product__uom",
            "bom",
            "bom__product",
            "production_location",
            "production_location__warehouse",
            "output_location",
        )
        .filter(pk=pk)
        .first()
    )


@dataclass(frozen=True)
class OutputTotals:
    good: Decimal = Decimal(0)
    scrap: Decimal = Decimal(0)
    rework: Decimal = Decimal(0)


def output_totals(order: WorkOrder) -> OutputTotals:
    sums = {
        kind: total
        for kind, total in ProductionOutput.objects.filter(work_order=order)
        .values_list("kind")
        .annotate(total=Sum("quantity"))
    }
    return OutputTotals(
        good=sums.get(OutputKind.GOOD, Decimal(0)),
        scrap=sums.get(OutputKind.SCRAP, Decimal(0)),
        rework=sums.get(OutputKind.REWORK, Decimal(0)),
    )


def yield_of(order: WorkOrder) -> Decimal | None:
    """Good / (good + scrap) of the finished units reported, or None before any (820.184(b))."""
    totals = output_totals(order)
    return rules.yield_ratio(totals.good, totals.scrap)


@dataclass
class ComponentUse:
    """One BOM line of the work order: what the BOM expects against what the floor used."""

    component: BomComponent
    planned: Decimal
    expected: Decimal
    issued: Decimal = Decimal(0)
    scrapped: Decimal = Decimal(0)

    @property
    def used(self) -> Decimal:
        """Issued and not scrapped: what went into the output."""
        return self.issued - self.scrapped

    @property
    def difference(self) -> Decimal:
        """Used minus expected (positive: more than the BOM says for the good output)."""
        return self.used - self.expected


def consumption(order: WorkOrder, totals: OutputTotals | None = None) -> list[ComponentUse]:
    """Per BOM component: planned (quantity per unit × planned quantity), expected (× good
    output), issued and scrapped on the line."""
    good = (totals or output_totals(order)).good
    issued = dict(
        MaterialIssue.objects.filter(work_order=order)
        .values_list("product_id")
        .annotate(total=Sum("quantity"))
    )
    scrapped = dict(
        ComponentScrap.objects.filter(work_order=order)
        .values_list("product_id")
        .annotate(total=Sum("quantity"))
    )
    return [
        ComponentUse(
            component=c,
            planned=c.quantity_per_unit * order.planned_quantity,
            expected=rules.expected_consumption(c.quantity_per_unit, good),
            issued=issued.get(c.component_id, Decimal(0)),
            scrapped=scrapped.get(c.component_id, Decimal(0)),
        )
        for c in BomComponent.objects.filter(bom_id=order.bom_id)
        .select_related("component", "uom")
        .order_by("line_no")
    ]


def issues_of(order: WorkOrder) -> QuerySet[MaterialIssue]:
    return (
        MaterialIssue.objects.filter(work_order=order)
        .select_related("product", "lot", "serial", "from_location", "bom_component")
        .order_by("id")
    )


def outputs_of(order: WorkOrder) -> QuerySet[ProductionOutput]:
    return (
        ProductionOutput.objects.filter(work_order=order)
        .select_related("product", "lot", "serial")
        .order_by("id")
    )


def component_scrap_of(order: WorkOrder) -> QuerySet[ComponentScrap]:
    return (
        ComponentScrap.objects.filter(work_order=order)
        .select_related("product", "lot", "serial")
        .order_by("id")
    )


def operations_of(order: WorkOrder) -> QuerySet[OperationRecord]:
    return OperationRecord.objects.filter(work_order=order).order_by("id")


def checks_of(order: WorkOrder) -> QuerySet[InProcessCheck]:
    return InProcessCheck.objects.filter(work_order=order).order_by("id")


def edges_of(order: WorkOrder) -> QuerySet[GenealogyEdge]:
    return (
        GenealogyEdge.objects.filter(work_order=order)
        .select_related(
            "consumed_product", "consumed_lot", "consumed_serial", "produced_lot", "produced_serial"
        )
        .order_by("id")
    )


def work_order_signatures(order: WorkOrder) -> list[SignatureView]:
    return signatures.signatures_for(order)


@dataclass
class WorkOrderView:
    """A work order with everything recorded on it (the device history record's body)."""

    order: WorkOrder
    totals: OutputTotals
    components: list[ComponentUse]
    issues: list[MaterialIssue] = field(default_factory=list)
    outputs: list[ProductionOutput] = field(default_factory=list)
    scrap: list[ComponentScrap] = field(default_factory=list)
    operations: list[OperationRecord] = field(default_factory=list)
    checks: list[InProcessCheck] = field(default_factory=list)
    edges: list[GenealogyEdge] = field(default_factory=list)

    @property
    def yield_ratio(self) -> Decimal | None:
        return rules.yield_ratio(self.totals.good, self.totals.scrap)


def work_order_view(order: WorkOrder) -> WorkOrderView:
    totals = output_totals(order)
    return WorkOrderView(
        order=order,
        totals=totals,
        components=consumption(order, totals),
        issues=list(issues_of(order)),
        outputs=list(outputs_of(order)),
        scrap=list(component_scrap_of(order)),
        operations=list(operations_of(order)),
        checks=list(checks_of(order)),
        edges=list(edges_of(order)),
    )


_RECORDS: tuple[tuple[str, Any], ...] = (
    ("production.materialissue", MaterialIssue),
    ("production.productionoutput", ProductionOutput),
    ("production.componentscrap", ComponentScrap),
    ("production.operationrecord", OperationRecord),
    ("production.inprocesscheck", InProcessCheck),
    ("production.genealogyedge", GenealogyEdge),
)


def work_order_history(order: WorkOrder) -> list[AuditEntry]:
    """The audit entries of the work order and of every record on it, newest first (AT-02)."""
    where = Q(record_type="production.workorder", record_id=str(order.pk))
    for record_type, model in _RECORDS:
        ids = [
            str(pk) for pk in model.objects.filter(work_order=order).values_list("pk", flat=True)
        ]
        if ids:
            where |= Q(record_type=record_type, record_id__in=ids)
    return with_change_items(AuditEntry.objects.filter(where).order_by("-id"))
