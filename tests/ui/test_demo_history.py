"""The demo plant's stock and history (shared/DEMO.md "Stock and history"), made through the
services by the people who would do it: a purchase order approved by qa's signature, received by
qc by scan, released by qa (not the inspector, TR-04), put away; a sale to 苏州市第一人民医院
allocated by FEFO, picked by scan, reviewed by a second person's signature, shipped with its
distribution records (CN-09), one return; a lot in quarantine, one near expiry, one at the end
of its life; stents by serial; cold-room readings in range (CN-14)."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.management import call_command

from mederp.catalog.selectors import business_date
from mederp.core.models import Signature
from mederp.identity.models import User
from mederp.inventory import selectors as stock
from mederp.inventory.models import Balance, Excursion, Lot, Serial, StockHold, TemperatureReading
from mederp.procurement.models import PurchaseOrder, ReceiptLine
from mederp.sales.models import DistributionRecord, Pick, SalesOrder, SalesReturn
from mederp.ui.demo import story

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def loaded() -> None:
    out = io.StringIO()
    call_command("demo", stdout=out, stderr=out)
    assert "demo:" not in out.getvalue(), out.getvalue()


def on_hand(lot_number: str, location: str) -> Decimal:
    return sum(
        (
            b.quantity
            for b in Balance.objects.filter(lot__number=lot_number, location__code=location)
        ),
        Decimal(0),
    )


def signatures_of(record_type: str, meaning: str) -> list[Signature]:
    return list(Signature.objects.filter(record_type=record_type, meaning=meaning))


def test_the_first_order_was_approved_by_qa_and_received_by_qc_scanning_labels():
    order = PurchaseOrder.objects.get(notes=story.PO_FIRST)
    assert order.state == "received"
    approval = Signature.objects.get(
        record_type="procurement.purchaseorder", record_id=str(order.pk), meaning="approved"
    )
    assert approval.signer.username == "qa"
    lines = ReceiptLine.objects.filter(receipt__order=order)
    assert lines.count() == 7  # four lots and three stents, each scanned
    for line in lines:
        assert line.raw_scan.startswith("01") and line.receipt.inspector.username == "qc"
    stent = lines.get(serial_number="DES2501-0002")
    assert "\x1d21DES2501-0002" in stent.raw_scan


def test_lots_were_released_by_qa_not_by_their_inspector():
    """TR-04 / SoD: the inspector (qc) received them, qa released them by signature."""
    for number in ("SYR2311A", "SYR2502B", story.EXPIRES_TODAY, "DES2501", "AG2504C"):
        lot = Lot.objects.get(number=number)
        assert lot.status == "released" and lot.inspected_by.username == "qc"
        released = Signature.objects.get(
            record_type="inventory.lot", record_id=str(lot.pk), meaning="released"
        )
        assert released.signer.username == "qa"
    assert Serial.objects.filter(product__code="STENT-DES", status="released").count() == 3


def test_one_lot_waits_in_quarantine_for_qa():
    masks = Lot.objects.get(number="MSK2505F")
    assert masks.status == "quarantine"
    assert on_hand("MSK2505F", "QUA") == 1000
    assert PurchaseOrder.objects.get(notes=story.PO_MASKS).state == "received"


def test_one_lot_is_near_expiry_and_one_is_blocked_from_tomorrow():
    today = business_date()
    near = Lot.objects.get(number="SYR2311A")
    assert near.expiry_date == today + dt.timedelta(days=45)
    assert "SYR2311A" in {row.lot_number for row in stock.near_expiry_rows()}
    last_day = Lot.objects.get(number=story.EXPIRES_TODAY)
    assert last_day.expiry_date == today
    assert on_hand(story.EXPIRES_TODAY, "STO") == 500
    tomorrow = today + dt.timedelta(days=1)
    assert stock.effective_status(last_day, tomorrow) == "expired"
    masks = last_day.product
    offered = {r.lot_number for r in stock.available_lots_fefo(masks, on_date=tomorrow)}
    assert story.EXPIRES_TODAY not in offered


def test_the_sale_to_the_hospital_took_the_lot_nearest_expiry_and_left_its_records():
    order = SalesOrder.objects.get(customer_reference=story.SO_HOSPITAL)
    assert order.status == "shipped" and order.customer.name == "苏州市第一人民医院"
    review = Signature.objects.get(
        record_type="sales.salesorder", record_id=str(order.pk), meaning="reviewed"
    )
    pickers = set(
        Pick.objects.filter(allocation__line__order=order).values_list(
            "picked_by__username", flat=True
        )
    )
    assert pickers == {"wh"} and review.signer.username == "qa"
    records = DistributionRecord.objects.filter(order=order)
    syringes = records.get(product__code="SYR-5ML")
    assert (syringes.lot_number, syringes.quantity) == ("SYR2311A", Decimal(200))
    assert syringes.gtin == syringes.product.gtin and syringes.expiry_date is not None
    assert sorted(
        records.filter(product__code="STENT-DES").values_list("serial_number", flat=True)
    ) == [
        "DES2501-0001",
        "DES2501-0002",
    ]
    assert records.get(product__code="IVD-AG").quantity == 20
    assert on_hand("SYR2311A", "STO") == 100 and on_hand("AG2504C", "COLD") == 80


def test_the_hospital_sent_ten_syringes_back_into_the_returns_zone():
    back = SalesReturn.objects.get()
    assert back.quantity == 10 and back.reason == story.RETURN_REASON
    assert on_hand("SYR2311A", "RET") == 10


def test_the_cold_room_has_two_days_of_readings_all_in_range():
    readings = TemperatureReading.objects.filter(location__code="COLD")
    assert readings.count() == 48
    assert all(Decimal(2) <= r.celsius <= Decimal(8) for r in readings)
    assert all(r.raw and r.source == story.LOGGER_SOURCE for r in readings)
    assert not Excursion.objects.exists() and not StockHold.objects.exists()


def test_every_signature_is_qas_and_names_its_method():
    """ES-09: the first signature of qa's one session took password and TOTP, later ones the
    password only; nobody else signed but qa2, who approves the supplier evaluations qa drafted
    (their author may not: :mod:`mederp.ui.demo.quality`), likewise in one session."""
    everything = list(Signature.objects.order_by("pk"))
    signed = [s for s in everything if s.signer.username == "qa"]
    by_qa2 = [s for s in everything if s.signer.username == "qa2"]
    assert len(signed) + len(by_qa2) == len(everything)
    assert {s.record_type for s in by_qa2} == {"supplier_quality.supplierevaluation"}
    assert [s.method for s in by_qa2] == ["password+totp", "password"]
    assert [s.method for s in signed[:2]] == ["password+totp", "password"]
    assert {s.method for s in signed[1:]} == {"password"}
    assert User.objects.get(username="qa").sessions.count() == 1
