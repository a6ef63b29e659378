"""Read queries the inspection pages, the API and other quality parts share.

:func:`inspections_for` is the contract the lot disposition gate reads (ISO 13485 §8.2.6: a lot
is released only when the inspections its stages require are complete).
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from mederp.production.models import OutputKind, ProductionOutput
from mederp.quality.inspections.models import Inspection, InspectionPlan, PlanState


def inspections_for(
    *, lot_id: int | None = None, serial_id: int | None = None
) -> QuerySet[Inspection]:
    """Every inspection of that lot or serial, any stage, oldest first.

    Besides the inspections naming the lot/serial itself (incoming, final), this includes the
    in-process inspections of the work orders whose good output went into it: those inspect the
    making of that lot. With neither id given, the result is empty."""
    if lot_id is None and serial_id is None:
        return Inspection.objects.none()
    condition = Q()
    outputs = ProductionOutput.objects.filter(kind=OutputKind.GOOD)
    if lot_id is not None:
        condition |= Q(lot_id=lot_id)
        condition |= Q(
            work_order__isnull=False,
            lot__isnull=True,
            serial__isnull=True,
            work_order_id__in=outputs.filter(lot_id=lot_id).values("work_order_id"),
        )
    if serial_id is not None:
        condition |= Q(serial_id=serial_id)
        condition |= Q(
            work_order__isnull=False,
            lot__isnull=True,
            serial__isnull=True,
            work_order_id__in=outputs.filter(serial_id=serial_id).values("work_order_id"),
        )
    return Inspection.objects.filter(condition).order_by("id")


def approved_plan(product_id: int, stage: str) -> InspectionPlan | None:
    """The approved plan of that product and stage (at most one), or ``None``."""
    return (
        InspectionPlan.objects.filter(product_id=product_id, stage=stage, state=PlanState.APPROVED)
        .order_by("-revision")
        .first()
    )


def inspections(
    *,
    stage: str = "",
    state: str = "",
    result: str = "",
    product_id: int | None = None,
    lot_id: int | None = None,
    product_code: str = "",
    lot_number: str = "",
    q: str = "",
) -> QuerySet[Inspection]:
    qs = Inspection.objects.select_related("product", "lot", "serial", "work_order")
    if stage:
        qs = qs.filter(stage=stage)
    if state:
        qs = qs.filter(state=state)
    if result:
        qs = qs.filter(result=result)
    if product_id is not None:
        qs = qs.filter(product_id=product_id)
    if lot_id is not None:
        qs = qs.filter(lot_id=lot_id)
    if product_code:
        qs = qs.filter(product__code=product_code)
    if lot_number:
        qs = qs.filter(lot__number=lot_number)
    text = (q or "").strip()
    if text:
        qs = qs.filter(
            Q(number__icontains=text)
            | Q(product__code__icontains=text)
            | Q(lot__number__icontains=text)
            | Q(serial__serial_number__icontains=text)
        )
    return qs.order_by("-id")


def plans(
    *, product_id: int | None = None, product_code: str = "", stage: str = "", state: str = ""
) -> QuerySet[InspectionPlan]:
    qs = InspectionPlan.objects.select_related("product")
    if product_code:
        qs = qs.filter(product__code=product_code)
    if product_id is not None:
        qs = qs.filter(product_id=product_id)
    if stage:
        qs = qs.filter(stage=stage)
    if state:
        qs = qs.filter(state=state)
    return qs.order_by("product__code", "stage", "-revision")
