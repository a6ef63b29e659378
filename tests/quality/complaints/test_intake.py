"""Receiving a complaint (QE-02, UDI-15, DI-09; 820.35(a)): the device is identified by product,
UDI scan, lot or serial; a complaint without product identification is refused and writes
nothing."""

from __future__ import annotations

import datetime as dt

import pytest

from mederp.core.actors import Actor
from mederp.core.errors import DomainError
from mederp.core.models import AuditEntry, OutboxEvent
from mederp.inventory.models import Lot
from mederp.quality.complaints import services

from .conftest import GS, START, TABLES, gs1

pytestmark = pytest.mark.django_db


def test_a_complaint_is_numbered_audited_and_announced(desk):
    c = desk.receive(
        customer_code=desk.customer.code,
        complainant_name="王护士",
        complainant_phone="0512-0000000",
        event_date=dt.date(2026, 6, 14),
    )
    assert c.number == "CP-2026-00001" and c.state == "open"
    assert (c.product, c.lot, c.received_at) == (desk.product, desk.lot, START)
    assert c.customer == desk.customer and c.complainant_name == "王护士"
    assert (
        AuditEntry.objects.filter(record_type="complaints.complaint", action="create").count() == 1
    )
    event = OutboxEvent.objects.get(event_type="complaint.received")
    assert event.payload["lot"] == "L2606A" and event.payload["product_code"] == desk.product.code


def test_a_gs1_scan_fills_product_and_lot(desk):
    c = desk.receive(
        product=None, lot_number="", udi=gs1(desk.product, lot="L2606A", expiry="280630")
    )
    assert (c.product, c.lot) == (desk.product, desk.lot)
    assert c.udi.startswith("01")


def test_a_gs1_scan_fills_product_and_serial(desk):
    scan = gs1(desk.serial_product, lot="S-LOT-1", serial="SN0001")
    c = desk.receive(product=None, lot_number="", udi=scan, patient_involvement="injury")
    assert (c.product, c.serial.serial_number, c.lot.number) == (
        desk.serial_product,
        "SN0001",
        "S-LOT-1",
    )


def test_the_group_separator_may_be_typed(desk):
    scan = gs1(desk.serial_product, lot="S-LOT-1", serial="SN0001").replace(GS, "<GS>")
    assert desk.receive(product=None, lot_number="", udi=scan).serial == desk.serial


def test_a_lot_number_alone_identifies_its_product(desk):
    assert desk.receive(product=None).product == desk.product


def test_a_serial_number_alone_identifies_its_product(desk):
    c = desk.receive(product=None, lot_number="", serial_number="SN0001")
    assert (c.product, c.serial) == (desk.serial_product, desk.serial)


def test_a_complaint_without_product_identification_is_refused(desk, unchanged):
    """The issue's bad input: no product, no UDI, no lot, no serial."""
    with unchanged(*TABLES), pytest.raises(DomainError) as exc:
        desk.receive(product=None, lot_number="")
    assert exc.value.code == "complaints.product_missing"
    assert exc.value.details["field"] == "product"


def test_an_unknown_product_code_is_no_identification(desk, unchanged):
    with unchanged(*TABLES), pytest.raises(DomainError) as exc:
        desk.receive(product=None, product_code="NOPE", lot_number="")
    assert exc.value.code == "complaints.product_missing"


@pytest.mark.parametrize(
    "kw,code",
    [
        ({"lot_number": "L-OTHER"}, "complaints.lot_not_of_product"),
        ({"lot_number": "", "serial_number": "SN0001"}, "complaints.lot_not_of_product"),
        ({"product": None, "lot_number": "NO-SUCH-LOT"}, "complaints.lot_unknown"),
        ({"description": "   "}, "complaints.description_missing"),
        ({"event_date": dt.date(2026, 6, 16)}, "complaints.event_date_in_future"),
        ({"received_at": START + dt.timedelta(minutes=5)}, "complaints.received_in_future"),
        ({"patient_involvement": "bruise"}, "complaints.choice_unknown"),
        ({"channel": "pigeon"}, "complaints.choice_unknown"),
        ({"customer_code": "CUS-404"}, "complaints.customer_unknown"),
        ({"product": None, "lot_number": "", "udi": "0106905550000001"}, "barcodes."),
    ],
)
def test_bad_intake_is_refused_and_writes_nothing(desk, unchanged, kw, code):
    with unchanged(*TABLES), pytest.raises(DomainError) as exc:
        desk.receive(**kw)
    assert exc.value.code == code or (code.endswith(".") and exc.value.code.startswith(code))


def test_a_scan_of_an_unknown_device_is_refused(desk, unchanged):
    from tests.sales.conftest import gtin

    with unchanged(*TABLES), pytest.raises(DomainError) as exc:
        desk.receive(product=None, lot_number="", udi=f"01{gtin(999)}10L2606A")
    assert exc.value.code == "complaints.udi_product_unknown"


def test_a_scan_must_agree_with_what_was_typed(desk, unchanged):
    scan = gs1(desk.product, lot="L2606A")
    with unchanged(*TABLES), pytest.raises(DomainError) as exc:
        desk.receive(product=desk.other_product, lot_number="", udi=scan)
    assert exc.value.code == "complaints.udi_product_mismatch"
    with unchanged(*TABLES), pytest.raises(DomainError) as exc:
        desk.receive(product=None, lot_number="L9999", udi=scan)
    assert exc.value.code == "complaints.udi_lot_mismatch"


def test_a_lot_number_two_products_share_needs_the_product(desk, unchanged):
    Lot.objects.create(product=desk.other_product, number="L2606A", created_at=START)
    with unchanged(*TABLES), pytest.raises(DomainError) as exc:
        desk.receive(product=None)
    assert exc.value.code == "complaints.lot_ambiguous"
    assert desk.receive(product=desk.other_product).lot.product == desk.other_product


def test_a_complaint_needs_the_permission(desk, make_user, unchanged):
    nobody = make_user("nobody")
    with unchanged(*TABLES), pytest.raises(DomainError) as exc:
        services.receive_complaint(
            Actor.for_user(nobody),
            product=desk.product,
            description="x",
            patient_involvement="none",
        )
    assert exc.value.code == "permission_denied"
