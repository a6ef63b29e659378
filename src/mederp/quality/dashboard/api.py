"""GET /api/v1/quality/dashboard: the quality dashboard's figures as JSON (the same rows the
page draws; ISO 13485 §8.4). No ``from __future__ import annotations`` here (django-ninja)."""

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema
from pydantic import Field

from mederp.core.apiperms import require_perm
from mederp.core.schemas import ERRORS
from mederp.quality.dashboard import selectors

router = Router(tags=["quality"])


class DashboardCountOut(Schema):
    key: str
    label: str
    count: int


class NcrsOut(Schema):
    by_state: list[DashboardCountOut] = Field(description="NCRs not closed, per state")
    by_source: list[DashboardCountOut] = Field(description="NCRs not closed, per source")


class DashboardAgingOut(Schema):
    bucket: str = Field(description='"0-30", "31-60", "61-90" or "90+" days since opening')
    label: str
    count: int
    overdue: int
    by_state: dict[str, int]


class ReportDueOut(Schema):
    report_id: int
    complaint_id: int
    complaint_number: str
    product_code: str
    jurisdiction: str
    report: str
    due_at: dt.datetime
    hours_left: int = Field(description="Negative when overdue")
    overdue: bool


class YieldOut(Schema):
    product_id: int
    product_code: str
    product_name: str
    good: str
    scrap: str
    rework: str
    first_pass_yield: str | None = Field(description="good / (good + scrap + rework), 0..1")
    final_inspections: int
    final_passed: int
    final_pass_rate: str | None


class DashboardOut(Schema):
    generated_at: dt.datetime
    ncrs: NcrsOut
    capa_aging: list[DashboardAgingOut]
    reports_due: list[ReportDueOut] = Field(
        description="Unsubmitted regulatory reports due within 30 days or overdue"
    )
    yield_days: int
    first_pass_yield: list[YieldOut]


@router.get("/dashboard", response={200: DashboardOut, **ERRORS})
@require_perm("nonconformance.view_nonconformance")
def dashboard(request: HttpRequest) -> Any:
    """Open NCRs by state and source, CAPAs by age, complaint reports near their deadline and
    first-pass yield per product over the last 90 days."""
    return selectors.dashboard()
