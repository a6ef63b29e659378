"""Every lock inspections takes (STYLE rule 5): one row each, by primary key."""

from __future__ import annotations

from mederp.quality.inspections.models import Inspection, InspectionPlan


def lock_inspection(inspection_id: int) -> Inspection | None:
    return Inspection.objects.select_for_update().filter(pk=inspection_id).first()


def lock_plan(plan_id: int) -> InspectionPlan | None:
    return InspectionPlan.objects.select_for_update().filter(pk=plan_id).first()


def lock_open_final(*, lot_id: int) -> Inspection | None:
    """The open final inspection of a lot (more good output may join it)."""
    return (
        Inspection.objects.select_for_update()
        .filter(lot_id=lot_id, stage="final", state="open")
        .order_by("pk")
        .first()
    )
