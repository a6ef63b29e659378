"""Read queries more than one caller needs (the pages, the API, the quality dashboard)."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, QuerySet

from mederp.core import clock
from mederp.quality.complaints.models import Complaint, ComplaintState, RegulatoryReport


def complaints(*, state: str = "", q: str = "") -> QuerySet[Complaint]:
    qs = Complaint.objects.select_related("product", "lot", "serial", "customer")
    if state:
        qs = qs.filter(state=state)
    text = (q or "").strip()
    if text:
        qs = qs.filter(
            Q(number__icontains=text)
            | Q(description__icontains=text)
            | Q(product__code__icontains=text)
            | Q(lot__number=text)
            | Q(serial__serial_number=text)
            | Q(udi__icontains=text)
        )
    return qs.order_by("-id")


def reports_due(
    now: dt.datetime | None = None, within_days: int | None = 30
) -> list[RegulatoryReport]:
    """Every regulatory report not yet submitted that is due within ``within_days`` of ``now``
    (overdue ones included), soonest first; ``within_days=None``: every open report. The quality
    dashboard reuses this (complaints near their deadline)."""
    qs = RegulatoryReport.objects.filter(submitted_at__isnull=True).select_related(
        "complaint", "complaint__product"
    )
    if within_days is not None:
        moment = now or clock.now()
        qs = qs.filter(due_at__lte=moment + dt.timedelta(days=within_days))
    return list(qs.order_by("due_at", "id"))


def awaiting_assessment() -> QuerySet[Complaint]:
    """Open complaints not yet assessed, oldest awareness first: their clocks already run."""
    return (
        Complaint.objects.filter(state=ComplaintState.OPEN)
        .select_related("product")
        .order_by("received_at", "id")
    )


def reports_of(complaint_id: int) -> list[RegulatoryReport]:
    return list(RegulatoryReport.objects.filter(complaint_id=complaint_id).order_by("due_at", "id"))
