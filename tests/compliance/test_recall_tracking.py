"""Tracking a recall consignee by consignee, and its effectiveness (RC-02, RC-06; AT-01..AT-04;
invariants 1-3, 7, 8)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from tests.compliance import recall_support
from tests.compliance.recall_support import TABLES

from mederp.compliance import services
from mederp.compliance.models import RecallLine
from mederp.core import clock
from mederp.core.actors import Actor
from mederp.core.errors import DomainError
from mederp.core.models import AuditEntry, OutboxEvent
from mederp.sales import services as sales
from mederp.sales.models import DistributionRecord

pytestmark = pytest.mark.django_db

clock_frozen = recall_support.clock_frozen
world = recall_support.world
make_product = recall_support.make_product
make_customer = recall_support.make_customer
put_stock = recall_support.put_stock
make_order = recall_support.make_order
confirmed = recall_support.confirmed
allocated = recall_support.allocated
picked = recall_support.picked
reviewed = recall_support.reviewed
shipped = recall_support.shipped
desk = recall_support.desk
ship = recall_support.ship


@pytest.fixture
def recall(desk, ship, make_customer):
    other, _licence = make_customer(desk.world.qa)
    ship("L-BAD", "4")
    ship("L-BAD", "6", customer=other)
    return desk.open("L-BAD")


def actor(desk):
    return Actor.for_user(desk.tracker)


def line_of(recall, code=None):
    lines = RecallLine.objects.filter(recall=recall).order_by("pk")
    return lines.get(consignee_code=code) if code else lines.first()


def test_a_notice_is_recorded_with_who_when_and_how(desk, recall):
    line = line_of(recall)
    at = clock.now() - dt.timedelta(hours=2)
    services.record_notification(actor(desk), [line.pk], via="email", notified_at=at, notes="sent")
    line.refresh_from_db()
    assert (line.notified_at, line.notified_via, line.notified_by) == (at, "email", desk.tracker)
    assert line.notes == "sent" and line.version == 2
    entry = AuditEntry.objects.get(record_type="compliance.recallline", record_id=str(line.pk))
    assert '"notified_via":["","email"]' in entry.changes
    event = OutboxEvent.objects.get(event_type="recall.line.notified")
    assert event.payload["line_ids"] == [line.pk]


def test_an_acknowledgement_needs_the_notice_first(desk, recall, unchanged):
    line = line_of(recall)
    with unchanged(*TABLES), pytest.raises(DomainError) as refused:
        services.record_acknowledgement(actor(desk), [line.pk])
    assert refused.value.code == "compliance.recall_line_not_notified"
    services.record_notification(actor(desk), line.pk, via="phone")
    services.record_acknowledgement(actor(desk), line.pk, notes="call back received")
    line.refresh_from_db()
    assert line.acknowledged_at == clock.now()


def test_returned_and_accounted_quantities_make_the_effectiveness(desk, recall):
    first, second = RecallLine.objects.filter(recall=recall).order_by("quantity")
    assert (first.quantity, second.quantity) == (Decimal("4"), Decimal("6"))
    assert services.effectiveness(recall) == (Decimal("0"), Decimal("10"), Decimal("0"))
    services.record_accounted(
        actor(desk), first.pk, quantity_returned="3", quantity_accounted=1, disposition="destroyed"
    )
    services.record_accounted(
        actor(desk), second.pk, quantity_returned="1.5", quantity_accounted="0"
    )
    assert services.effectiveness(recall) == (Decimal("5.5"), Decimal("10"), Decimal("0.55"))
    first.refresh_from_db()
    assert (first.quantity_returned, first.quantity_accounted, first.disposition) == (
        Decimal("3"),
        Decimal("1"),
        "destroyed",
    )


def test_a_consignee_cannot_account_for_more_than_it_received(desk, recall, unchanged):
    line = line_of(recall)
    with unchanged(*TABLES), pytest.raises(DomainError) as refused:
        services.record_accounted(
            actor(desk), line.pk, quantity_returned="3", quantity_accounted="2"
        )
    assert refused.value.code == "compliance.recall_quantity_exceeds_shipped"


@pytest.mark.parametrize("bad", [0.5, "-1", "abc", "1.0000001", True])
def test_quantities_are_exact_and_not_negative(desk, recall, unchanged, bad):
    line = line_of(recall)
    with unchanged(*TABLES), pytest.raises(DomainError) as refused:
        services.record_accounted(actor(desk), line.pk, quantity_returned=bad, quantity_accounted=0)
    assert refused.value.code == "compliance.recall_quantity_invalid"


def test_returns_received_before_the_recall_count_as_accounted_for(desk, ship):
    w = desk.world
    order = ship("L-BAD", "4")
    record = DistributionRecord.objects.get(order=order)
    sales.receive_return(
        Actor.for_user(w.picker),
        record=record.pk,
        quantity="1",
        to_location=w.returns,
        reason="damaged box",
    )
    recall = desk.open("L-BAD")
    line = line_of(recall)
    assert line.previously_returned == Decimal("1")
    assert services.effectiveness(recall) == (Decimal("1"), Decimal("4"), Decimal("0.25"))
    with pytest.raises(DomainError) as refused:
        services.record_accounted(actor(desk), line.pk, quantity_returned="4", quantity_accounted=0)
    assert refused.value.code == "compliance.recall_quantity_exceeds_shipped"


@pytest.mark.parametrize(
    "call,code",
    [
        (
            lambda a, ids: services.record_notification(a, ids, via="pigeon"),
            "compliance.notification_method_unknown",
        ),
        (
            lambda a, ids: services.record_notification(a, [], via="phone"),
            "compliance.recall_lines_missing",
        ),
        (
            lambda a, ids: services.record_notification(
                a, ids, via="phone", notified_at=clock.now() + dt.timedelta(days=1)
            ),
            "compliance.recall_date_invalid",
        ),
        (
            lambda a, ids: services.record_accounted(
                a, ids[0], quantity_returned=0, quantity_accounted=0, disposition="lost"
            ),
            "compliance.disposition_unknown",
        ),
    ],
)
def test_bad_tracking_input_is_refused_with_a_code(desk, recall, unchanged, call, code):
    ids = [line_of(recall).pk]
    with unchanged(*TABLES), pytest.raises(DomainError) as refused:
        call(actor(desk), ids)
    assert refused.value.code == code


def test_a_line_of_another_recall_is_refused(desk, recall, ship):
    ship("L-OTHER", "2", expiry=dt.date(2027, 1, 31))
    other = desk.open("L-OTHER", by=desk.closer)
    with pytest.raises(DomainError) as refused:
        services.record_notification(
            actor(desk), [line_of(other).pk], via="phone", recall_id=recall.pk
        )
    assert refused.value.code == "compliance.recall_line_unknown"


def test_a_closed_recall_takes_no_more_tracking(desk, recall):
    desk.notify_all(recall)
    desk.close(recall)
    with pytest.raises(DomainError) as refused:
        services.record_notification(actor(desk), [line_of(recall).pk], via="phone")
    assert refused.value.code == "compliance.recall_closed"


def test_closing_fixes_the_effectiveness(desk, recall):
    desk.notify_all(recall)
    for line in RecallLine.objects.filter(recall=recall):
        services.record_accounted(
            actor(desk), line.pk, quantity_returned=line.quantity, quantity_accounted=0
        )
    closed = desk.close(recall)
    assert (closed.accounted_quantity, closed.effectiveness) == (Decimal("10"), Decimal("1"))


def test_someone_without_the_tracking_permission_is_refused(desk, recall):
    with pytest.raises(DomainError) as refused:
        services.record_notification(
            Actor.for_user(desk.world.seller), [line_of(recall).pk], via="phone"
        )
    assert refused.value.code == "permission_denied"
