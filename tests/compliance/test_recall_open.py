"""Opening a recall by signature holds every affected lot at once and lists every consignee
(RC-01, RC-02, RC-04, RC-05; ES-08, ES-12, ES-13; invariants 1-3, 6)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from tests.compliance import recall_support
from tests.compliance.recall_support import TABLES, lot
from tests.sales.conftest import PASSWORD, gs1, pick_all

from mederp.compliance.models import Recall, RecallItem, RecallLine
from mederp.core import signatures
from mederp.core.actors import Actor
from mederp.core.errors import DomainError
from mederp.core.models import AuditEntry, OutboxEvent, Signature
from mederp.identity.models import SecurityEvent
from mederp.inventory.models import Lot, Reservation
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


def test_opening_a_recall_holds_the_lot_and_lists_every_consignee(desk, ship, make_customer):
    other, _licence = make_customer(desk.world.qa)
    ship("L-BAD", "4")
    ship("L-BAD", "3", customer=other)
    ship("L-GOOD", "2", expiry=dt.date(2027, 6, 30))  # FEFO takes it before L-BAD's rest

    recall = desk.open("L-BAD", classification="I")

    assert recall.number == "RC-2026-00001"
    assert (recall.state, recall.classification) == ("open", "I")
    assert recall.decision_date == dt.date(2026, 6, 15)
    assert recall.notification_deadline == dt.date(2026, 6, 16)  # class I: one day (RC-02)
    assert lot("L-BAD").status == "recalled"
    assert lot("L-GOOD").status == "released"
    reached = DistributionRecord.objects.filter(lot__number="L-BAD")
    lines = RecallLine.objects.filter(recall=recall)
    assert sorted(lines.values_list("record_id", flat=True)) == sorted(
        reached.values_list("pk", flat=True)
    )
    assert (recall.line_count, recall.consignee_count) == (2, 2)
    assert recall.shipped_quantity == Decimal("7")
    assert recall.on_hand_quantity == Decimal("3")  # 10 received, 7 shipped
    line = lines.get(customer=other)
    assert (line.consignee_code, line.consignee_name) == (other.code, other.name)
    assert line.consignee_address and line.consignee_contact.startswith("李老师")
    assert line.consignee_phone == "021-0000000"
    assert (line.lot_number, line.quantity, line.gtin) == (
        "L-BAD",
        Decimal("3"),
        desk.world.lot_product.gtin,
    )


def test_the_opening_is_signed_opened_by_the_qa_manager(desk, ship):
    ship("L-BAD")
    recall = desk.open("L-BAD")
    sig = Signature.objects.get(record_type="compliance.recall", record_id=str(recall.pk))
    assert (sig.meaning, sig.signer, sig.printed_name) == ("opened", desk.opener, "qa 签名人")
    assert recall.open_signature == sig and recall.opened_by == desk.opener
    assert signatures.latest_valid(recall, "opened")


def test_each_recalled_lot_is_audited_and_the_recall_announced(desk, ship):
    ship("L-BAD")
    recall = desk.open("L-BAD")
    held = lot("L-BAD")
    entry = AuditEntry.objects.get(
        record_type="inventory.lot", record_id=str(held.pk), action="transition"
    )
    assert '"status":["released","recalled"]' in entry.changes
    assert recall.number in entry.reason
    opened = OutboxEvent.objects.get(event_type="recall.opened")
    assert opened.payload["number"] == recall.number
    assert opened.payload["line_count"] == 1
    assert [s["number"] for s in opened.payload["scope"]] == ["L-BAD"]
    stock = OutboxEvent.objects.get(event_type="inventory.stock.recalled")
    assert stock.aggregate_id == str(recall.pk)
    assert [x["number"] for x in stock.payload["lots"]] == ["L-BAD"]
    assert AuditEntry.objects.filter(
        record_type="compliance.recall", record_id=str(recall.pk), action="create"
    ).exists()


@pytest.mark.parametrize("cls,days", [("I", 1), ("II", 3), ("III", 7)])
def test_the_notification_deadline_follows_the_class(desk, ship, cls, days):
    ship("L-BAD")
    recall = desk.open("L-BAD", classification=cls)
    assert recall.notification_deadline == dt.date(2026, 6, 15) + dt.timedelta(days=days)


def test_a_recalled_lot_can_no_longer_be_allocated(desk, ship, confirmed):
    ship("L-BAD", "4")
    desk.open("L-BAD")
    with pytest.raises(DomainError) as refused:
        sales.allocate_order(
            Actor.for_user(desk.world.picker),
            confirmed((desk.world.lot_product, "1")).pk,
        )
    assert refused.value.code == "sales.not_enough_stock"


def test_an_allocation_made_before_the_recall_stays_but_cannot_be_shipped(
    desk, put_stock, picked, reviewed
):
    w = desk.world
    put_stock(w.lot_product, "L-BAD", "10")
    order = reviewed((w.lot_product, "4"))
    desk.open("L-BAD")
    assert Reservation.objects.filter(lot=lot("L-BAD"), quantity__gt=0).exists()
    with pytest.raises(DomainError) as refused:
        sales.ship_order(Actor.for_user(w.picker), order.pk)
    assert refused.value.code == "inventory.stock_not_released"
    assert not DistributionRecord.objects.filter(order=order).exists()


def test_an_allocation_made_before_the_recall_cannot_be_picked(desk, put_stock, allocated):
    w = desk.world
    put_stock(w.lot_product, "L-BAD", "10")
    order = allocated((w.lot_product, "4"))
    desk.open("L-BAD")
    with pytest.raises(DomainError) as refused:
        pick_all(w, order)
    assert refused.value.code == "sales.stock_not_pickable"
    assert "L-BAD" in refused.value.render_message()


def test_a_wrong_password_opens_nothing(desk, ship, unchanged):
    ship("L-BAD")
    logged = SecurityEvent.objects.count()
    with unchanged(*TABLES, Signature), pytest.raises(DomainError) as refused:
        desk.open("L-BAD", credentials={"password": PASSWORD + "x"})
    assert refused.value.code.startswith("identity.")
    assert lot("L-BAD").status == "released"
    assert SecurityEvent.objects.count() > logged  # the refusal is security-logged (ES-13)


def test_an_unknown_lot_is_refused(desk, unchanged):
    with unchanged(*TABLES, Signature), pytest.raises(DomainError) as refused:
        desk.open("NO-SUCH-LOT")
    assert refused.value.code == "compliance.unknown_lot"


def test_a_lot_already_in_an_open_recall_is_refused(desk, ship, unchanged):
    ship("L-BAD")
    first = desk.open("L-BAD")
    with unchanged(*TABLES, Signature), pytest.raises(DomainError) as refused:
        desk.open("L-BAD", by=desk.closer)
    assert refused.value.code == "compliance.already_recalled"
    assert first.number in refused.value.render_message()


@pytest.mark.parametrize(
    "change,code",
    [
        ({"classification": "IV"}, "compliance.recall_class_unknown"),
        ({"reason": "  "}, "compliance.recall_reason_missing"),
        ({"decision_date": dt.date(2026, 6, 16)}, "compliance.recall_date_invalid"),
    ],
)
def test_a_bad_decision_is_refused_before_signing(desk, ship, unchanged, change, code):
    ship("L-BAD")
    with unchanged(*TABLES, Signature), pytest.raises(DomainError) as refused:
        desk.open("L-BAD", **change)
    assert refused.value.code == code


def test_nothing_named_is_refused(desk, unchanged):
    with unchanged(*TABLES, Signature), pytest.raises(DomainError) as refused:
        desk.open()
    assert refused.value.code == "compliance.recall_scope_missing"


def test_a_seller_may_not_open_a_recall(desk, ship, unchanged):
    ship("L-BAD")
    with unchanged(*TABLES, Signature), pytest.raises(DomainError) as refused:
        desk.open("L-BAD", by=desk.world.seller)
    assert refused.value.code == "permission_denied"


def test_a_lot_can_be_named_by_scanning_its_label(desk, ship):
    ship("L-BAD")
    recall = desk.open(gs1(desk.world.lot_product, lot="L-BAD"))
    assert recall.scope_summary.startswith("lot L-BAD")


def test_the_opener_cannot_close_the_recall(desk, ship, unchanged):
    ship("L-BAD")
    recall = desk.open("L-BAD")
    desk.notify_all(recall)
    with unchanged(Recall, Signature), pytest.raises(DomainError) as refused:
        desk.close(recall, by=desk.opener)
    assert refused.value.code == "signatures.sod_distinct_signers"
    assert Recall.objects.get(pk=recall.pk).state == "open"


def test_a_recall_closes_only_once_every_consignee_was_notified(desk, ship):
    ship("L-BAD")
    recall = desk.open("L-BAD")
    with pytest.raises(DomainError) as refused:
        desk.close(recall)
    assert refused.value.code == "compliance.recall_not_notified"
    desk.notify_all(recall)
    closed = desk.close(recall)
    assert (closed.state, closed.closed_by) == ("closed", desk.closer)
    assert closed.effectiveness == Decimal("0")
    sig = Signature.objects.get(record_type="compliance.recall", meaning="closed")
    assert closed.close_signature == sig
    assert OutboxEvent.objects.filter(event_type="recall.closed").exists()
    with pytest.raises(DomainError) as again:
        desk.close(closed, by=desk.tracker)
    assert again.value.code == "workflow.wrong_state"


def test_closing_needs_the_assessment_as_reason(desk, ship):
    ship("L-BAD")
    recall = desk.open("L-BAD")
    desk.notify_all(recall)
    with pytest.raises(DomainError) as refused:
        desk.close(recall, reason="")
    assert refused.value.code == "workflow.reason_required"


def test_a_closed_recall_lets_the_lot_be_recalled_again(desk, ship):
    ship("L-BAD")
    first = desk.open("L-BAD")
    desk.notify_all(first)
    desk.close(first)
    second = desk.open("L-BAD", by=desk.closer)
    assert second.number == "RC-2026-00002"
    item = RecallItem.objects.get(recall=second)
    assert item.previous_status == "recalled"


def test_stock_of_no_released_status_keeps_it(desk, put_stock):
    w = desk.world
    put_stock(w.lot_product, "L-REJ", "5", status="rejected")
    recall = desk.open("L-REJ")
    assert Lot.objects.get(number="L-REJ").status == "rejected"
    assert RecallItem.objects.get(recall=recall).previous_status == "rejected"
    assert (recall.affected_lots, recall.line_count) == (1, 0)
