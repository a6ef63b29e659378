"""Quality dashboard: complaints whose regulatory reports are near their deadline or overdue
(QE-04, QE-05, QE-06), reusing complaints.selectors.reports_due."""

from __future__ import annotations

import datetime as dt

from django.test import Client

from mederp.core import clock
from mederp.quality.dashboard import selectors
from tests.quality.complaints import conftest as complaints

clock_frozen = complaints.clock_frozen
desk = complaints.desk
make_product = complaints.make_product
make_customer = complaints.make_customer


def test_a_report_due_soon_is_listed_with_the_time_left(desk):
    c = desk.assess(desk.receive())  # NMPA serious injury: 20 days
    [row] = selectors.complaints_near_deadline()
    assert row["complaint_number"] == c.number and row["jurisdiction"] == "CN"
    assert row["hours_left"] == 20 * 24 and row["overdue"] is False


def test_an_overdue_report_is_flagged(desk):
    desk.assess(desk.receive())
    [row] = selectors.complaints_near_deadline(clock.now() + dt.timedelta(days=21))
    assert row["overdue"] is True and row["hours_left"] == -24


def test_the_page_charts_the_reports_due(desk):
    c = desk.assess(desk.receive())
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(desk.qa)
    page = client.get("/quality/").content.decode()
    assert 'aria-label="Regulatory reports due, time left"' in page
    assert c.number in page
