"""What the disposition gate and the lot disposition page read: the inspections of a lot or
serial with the deviations and concessions that bear on them, and the device history record's
gaps (ISO 13485 §8.2.6, §7.5.1; 21 CFR 820.80(d), 820.184; QE-01).

A fixed number of queries per lot or serial; nothing here writes.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from mederp.catalog.models import BomComponent
from mederp.inventory.models import Lot, Serial
from mederp.inventory.rules import normal
from mederp.production import rules as production_rules
from mederp.production.models import (
    ComponentScrap,
    InProcessCheck,
    MaterialIssue,
    OutputKind,
    ProductionOutput,
    WorkOrder,
    WorkOrderState,
)
from mederp.quality.disposition import rules
from mederp.quality.disposition.models import Deviation, DeviationState
from mederp.quality.inspections.models import Inspection, Stage
from mederp.quality.inspections.selectors import inspections_for
from mederp.quality.nonconformance.models import Nonconformance
from mederp.quality.nonconformance.selectors import concession_for

#: Work order states whose device history record can be complete: production said it is done.
DONE_STATES = frozenset({WorkOrderState.COMPLETED, WorkOrderState.CLOSED})

Item = Lot | Serial


def item_label(item: Item) -> str:
    """ "lot FG-001 (DEV-001)" / "serial SN-001 (DEV-002)", in the active language."""
    if isinstance(item, Serial):
        return _("serial {number} ({product})").format(
            number=item.serial_number, product=item.product.code
        )
    return _("lot {number} ({product})").format(number=item.number, product=item.product.code)


def stage_label(stage: str) -> str:
    return str(dict(Stage.choices).get(stage, stage))


def gate_inspections(item: Item) -> list[Inspection]:
    """Every inspection the gate reads for ``item``: its own (with the in-process inspections
    of the work orders that made it), and for a serial also its lot's, oldest first."""
    if isinstance(item, Serial):
        qs = inspections_for(serial_id=item.pk)
        if item.lot_id is not None:
            qs = qs | inspections_for(lot_id=item.lot_id)
    else:
        qs = inspections_for(lot_id=item.pk)
    return list(qs.distinct().order_by("id"))


def _item_filter(item: Item) -> Q:
    if isinstance(item, Serial):
        where = Q(serial_id=item.pk)
        if item.lot_id is not None:
            where |= Q(lot_id=item.lot_id)
        return where
    return Q(lot_id=item.pk)


def deviations_of(item: Item) -> QuerySet[Deviation]:
    """Every deviation of ``item`` (for a serial also its lot's), newest first."""
    return Deviation.objects.filter(_item_filter(item)).order_by("-id")


def waivers_of(item: Item) -> list[rules.Waiver]:
    """The approved deviations that bear on ``item``'s gate."""
    return [
        rules.Waiver(d.number, d.inspection_id, d.stage)
        for d in Deviation.objects.filter(_item_filter(item), state=DeviationState.APPROVED)
        .only("number", "inspection_id", "stage")
        .order_by("id")
    ]


def concession_of(item: Item) -> Nonconformance | None:
    """The nonconformance whose signed "use as is" disposition covers ``item`` (for a serial,
    or its lot), or None (QE-01)."""
    if isinstance(item, Serial):
        return concession_for(serial_id=item.pk, lot_id=item.lot_id)
    return concession_for(lot_id=item.pk)


def fact(inspection: Inspection) -> rules.InspectionFact:
    return rules.InspectionFact(
        id=inspection.pk,
        number=inspection.number,
        stage=inspection.stage,
        state=inspection.state,
        result=inspection.result,
    )


def made_by(item: Item) -> list[WorkOrder]:
    """The work orders whose good output ``item`` is (usually one; none for bought stock)."""
    outputs = ProductionOutput.objects.filter(kind=OutputKind.GOOD)
    if isinstance(item, Serial):
        outputs = outputs.filter(serial_id=item.pk)
    else:
        outputs = outputs.filter(lot_id=item.pk)
    return list(
        WorkOrder.objects.filter(pk__in=outputs.values("work_order_id"))
        .select_related("product")
        .order_by("id")
    )


def dhr_gaps(work_order: WorkOrder, *, item: Item | None = None) -> list[str]:
    """What keeps the device history record of ``work_order`` from being complete, in words
    (21 CFR 820.184; ISO 13485 §7.5.1; 生产质量管理规范 第五十八条). Empty: complete.

    Complete means all of:

    1. the work order is completed or closed (production said it is done; not planned,
       released, in progress or cancelled);
    2. every BOM component is accounted for in the good output: for each line, the quantity
       issued to the work order less the quantity recorded scrapped on the line covers the
       BOM quantity of the good output (quantity per unit × good units);
    3. every in-process check passed: the latest result of each operation and characteristic
       is "pass" (a failure re-checked after rework and passed is fine; it stays recorded);
    4. every in-process inspection of the work order is completed and passed, or, while open,
       waived by an approved deviation of ``item`` (or of any good output of the work order
       when no item is named), or, failed, covered by a signed "use as is" concession.
    """
    gaps: list[str] = []
    if work_order.state not in DONE_STATES:
        gaps.append(
            _("Work order {number} is {state}: production has not completed it.").format(
                number=work_order.number, state=work_order.get_state_display()
            )
        )
    good = production_rules.total(
        ProductionOutput.objects.filter(work_order=work_order, kind=OutputKind.GOOD).values_list(
            "quantity", flat=True
        )
    )
    if good <= 0:
        gaps.append(_("No good output was reported."))
    gaps += _component_gaps(work_order, good)
    failing = rules.failing_checks(
        InProcessCheck.objects.filter(work_order=work_order)
        .order_by("id")
        .values_list("operation", "characteristic", "result")
    )
    for operation, characteristic in failing:
        gaps.append(
            _("In-process check {characteristic} {operation} did not pass.")
            .format(
                characteristic=characteristic,
                operation=f"({operation})" if operation else "",
            )
            .replace("  ", " ")
        )
    gaps += _inspection_gaps(work_order, item)
    return gaps


def _component_gaps(work_order: WorkOrder, good: Decimal) -> list[str]:
    issued: dict[int, Decimal] = defaultdict(Decimal)
    for product_id, quantity in MaterialIssue.objects.filter(work_order=work_order).values_list(
        "product_id", "quantity"
    ):
        issued[product_id] += quantity
    scrapped: dict[int, Decimal] = defaultdict(Decimal)
    for product_id, quantity in ComponentScrap.objects.filter(work_order=work_order).values_list(
        "product_id", "quantity"
    ):
        scrapped[product_id] += quantity
    gaps = []
    for line in (
        BomComponent.objects.filter(bom_id=work_order.bom_id)
        .select_related("component")
        .order_by("line_no")
    ):
        short = rules.component_shortfall(
            rules.ComponentLine(
                code=line.component.code,
                quantity_per_unit=line.quantity_per_unit,
                issued=issued[line.component_id],
                scrapped=scrapped[line.component_id],
            ),
            good,
        )
        if short > 0:
            gaps.append(
                _(
                    "Component {code}: {short} of the BOM quantity of the good output was not "
                    "issued (issued {issued}, scrapped on the line {scrapped}, needed {needed})."
                ).format(
                    code=line.component.code,
                    short=_q(short),
                    issued=_q(issued[line.component_id]),
                    scrapped=_q(scrapped[line.component_id]),
                    needed=_q(line.quantity_per_unit * good),
                )
            )
    return gaps


def _inspection_gaps(work_order: WorkOrder, item: Item | None) -> list[str]:
    found = list(
        Inspection.objects.filter(work_order=work_order, stage=Stage.IN_PROCESS).order_by("id")
    )
    if not found:
        return []
    items: list[Item] = [item] if item is not None else _outputs_of(work_order)
    waivers = [w for i in items for w in waivers_of(i)]
    gaps = []
    for inspection in found:
        f = fact(inspection)
        if f.failed:
            if not any(concession_of(i) is not None for i in items):
                gaps.append(_("In-process inspection {number} failed.").format(number=f.number))
        elif f.state != rules.COMPLETED and rules.waiver_for(f, waivers) is None:
            gaps.append(
                _("In-process inspection {number} is not completed.").format(number=f.number)
            )
    return gaps


def _outputs_of(work_order: WorkOrder) -> list[Item]:
    outputs = ProductionOutput.objects.filter(work_order=work_order, kind=OutputKind.GOOD)
    lots = Lot.objects.filter(pk__in=outputs.filter(lot__isnull=False).values("lot_id"))
    serials = Serial.objects.filter(pk__in=outputs.filter(serial__isnull=False).values("serial_id"))
    return [*lots.select_related("product"), *serials.select_related("product")]


def _q(value: Decimal) -> str:
    return f"{normal(value):f}"


@dataclass
class InspectionRow:
    inspection: Inspection
    waived_by: str = ""  # the deviation's number
    conceded_by: str = ""  # the NCR's number


@dataclass
class Disposition:
    """Everything the lot disposition page and API show for one lot or serial."""

    item: Item
    inspections: list[InspectionRow]
    deviations: list[Deviation]
    concession: Any
    work_orders: list[tuple[WorkOrder, list[str]]]
    release_refusal: str = ""
    reject_refusal: str = ""
    release_code: str = ""
    reject_code: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def can_release(self) -> bool:
        return not self.release_code

    @property
    def can_reject(self) -> bool:
        return not self.reject_code


def deviations(*, state: str = "", q: str = "") -> QuerySet[Deviation]:
    """The deviation list, newest first, filtered by state and text."""
    qs = Deviation.objects.select_related("product", "lot", "serial")
    if state:
        qs = qs.filter(state=state)
    text = (q or "").strip()
    if text:
        qs = qs.filter(
            Q(number__icontains=text)
            | Q(product__code__icontains=text)
            | Q(lot__number__icontains=text)
            | Q(serial__serial_number__icontains=text)
            | Q(inspection_number__icontains=text)
        )
    return qs.order_by("-id")
