"""Receiving and acceptance inspection (验收; CN-08, TR-04, UDI-02..UDI-07, DI-02): the accepted
quantity goes into quarantine with the receiving inspector on the lot, the 进货查验记录 keeps
every acceptance field and the raw scan, the order follows what it received; every bad input
of issue 4 that concerns a receipt is refused with its code and writes nothing."""

from __future__ import annotations

import datetime as dt
import hashlib
from decimal import Decimal

import pytest

from mederp.core.actors import Actor
from mederp.core.errors import DomainError
from mederp.core.models import AuditEntry, OutboxEvent
from mederp.inventory import selectors as stock
from mederp.inventory.models import Lot, Move, Serial
from mederp.procurement import services
from mederp.procurement.models import PurchaseOrder, PurchaseOrderLine, Receipt, ReceiptLine

GS = "\x1d"
EXPIRY = dt.date(2028, 12, 31)
TABLES = (Receipt, ReceiptLine, Lot, Serial, Move, PurchaseOrder, PurchaseOrderLine)


@pytest.fixture
def inspector(world) -> Actor:
    return Actor.for_user(world.inspector)


@pytest.fixture
def order(approved_order):
    return approved_order()


@pytest.fixture
def line(order) -> PurchaseOrderLine:
    return order.lines.get()


def receive(world, line, **kw):
    kw.setdefault("location", world.quarantine)
    return services.record_receipt(Actor.for_user(world.inspector), line.pk, **kw)


def refused(unchanged, fn, *args, **kwargs) -> DomainError:
    with unchanged(*TABLES), pytest.raises(DomainError) as caught:
        fn(*args, **kwargs)
    return caught.value


def gs1(gtin: str, *, lot: str = "", serial: str = "", made: str = "", expires: str = "281231"):
    """A GS1 element string: fixed-length AIs first, variable ones separated by <GS>."""
    parts = [f"01{gtin}"]
    if made:
        parts.append(f"11{made}")
    if expires:
        parts.append(f"17{expires}")
    variable = []
    if lot:
        variable.append(f"10{lot}")
    if serial:
        variable.append(f"21{serial}")
    return "".join(parts) + GS.join(variable)


# --- the good path -----------------------------------------------------------------------------


def test_accepted_goods_go_into_quarantine_with_the_inspector_on_the_lot(world, line):
    receipt = receive(world, line, quantity="40", lot="L2406A", expiry_date=EXPIRY)
    rline = receipt.lines.get()
    assert (rline.quantity_received, rline.quantity_accepted, rline.result) == (
        Decimal("40"),
        Decimal("40"),
        "accepted",
    )
    lot = Lot.objects.get(pk=rline.lot_id)
    assert (lot.number, lot.status, lot.expiry_date) == ("L2406A", "quarantine", EXPIRY)
    assert lot.inspected_by == world.inspector
    assert stock.balance_of(world.lot_product, location=world.quarantine, lot=lot) == 40
    move = rline.move
    assert (move.document_type, move.document_id, move.from_location) == (
        "procurement.receipt",
        str(receipt.pk),
        world.supplier_location,
    )


def test_the_receipt_is_the_purchase_inspection_record_of_cn_08(world, line):
    receipt = receive(
        world,
        line,
        quantity="40",
        lot="L1",
        manufacture_date=dt.date(2026, 1, 5),
        expiry_date=EXPIRY,
    )
    assert receipt.supplier_name == world.supplier.name
    assert receipt.supplier_address == world.supplier.address
    assert "王工" in receipt.supplier_contact
    assert receipt.inspector == world.inspector and "inspector" in receipt.inspector_name
    assert receipt.received_at is not None
    rline = receipt.lines.get()
    product = world.lot_product
    assert rline.product_name == product.name_zh
    assert rline.specification == product.specification
    assert rline.registration_number == product.registrations.get().number
    assert rline.registrant == product.registrations.get().holder
    assert rline.manufacturer == product.manufacturer
    assert rline.udi_di == product.gtin
    assert (rline.lot_number, rline.manufacture_date, rline.expiry_date) == (
        "L1",
        dt.date(2026, 1, 5),
        EXPIRY,
    )
    assert receipt.number == f"GR{receipt.pk:08d}"


def test_a_receipt_is_audited_and_announced_in_one_event(world, line):
    receipt = receive(world, line, quantity="40", lot="L1", expiry_date=EXPIRY)
    event = OutboxEvent.objects.get(event_type="procurement.receipt.recorded")
    assert event.aggregate_type == "procurement.purchaseorder"
    assert event.payload["number"] == receipt.number
    assert event.payload["lines"][0]["quantity_accepted"] == "40"
    assert event.payload["lines"][0]["lot_number"] == "L1"
    assert AuditEntry.objects.filter(record_type="procurement.receipt", action="create").exists()
    assert AuditEntry.objects.filter(record_type="procurement.receiptline").count() == 1
    update = AuditEntry.objects.get(record_type="procurement.purchaseorderline", action="update")
    assert update.reason == f"receipt {receipt.number}"


def test_the_order_follows_what_it_received(world, order, line):
    receive(world, line, quantity="40", lot="L1", expiry_date=EXPIRY)
    assert PurchaseOrder.objects.get(pk=order.pk).state == "partially_received"
    receive(world, line, quantity="60", lot="L2", expiry_date=EXPIRY)
    order.refresh_from_db()
    line.refresh_from_db()
    assert order.state == "received"
    assert line.accepted_quantity == 100
    assert OutboxEvent.objects.filter(event_type="procurement.po.received").exists()


def test_expiry_comes_from_the_shelf_life_when_only_the_manufacture_date_is_known(world, line):
    receipt = receive(world, line, quantity="5", lot="L1", manufacture_date=dt.date(2026, 1, 1))
    assert receipt.lines.get().expiry_date == dt.date(2026, 1, 1) + dt.timedelta(days=1095)


def test_partial_acceptance_records_the_rejection_and_keeps_it_out_of_stock(world, line):
    receipt = receive(
        world,
        line,
        quantity="50",
        accepted="45",
        lot="L1",
        expiry_date=EXPIRY,
        rejection_reason="5 cartons crushed",
    )
    rline = receipt.lines.get()
    assert (rline.quantity_rejected, rline.result) == (Decimal("5"), "partial")
    assert stock.balance_of(world.lot_product, location=world.quarantine, lot=rline.lot) == 45
    line.refresh_from_db()
    assert (line.accepted_quantity, line.rejected_quantity) == (45, 5)


def test_everything_rejected_is_recorded_and_nothing_enters_stock(world, order, line):
    receipt = receive(
        world,
        line,
        quantity="100",
        accepted="0",
        lot="L1",
        expiry_date=EXPIRY,
        rejection_reason="wrong temperature on arrival",
    )
    rline = receipt.lines.get()
    assert (rline.result, rline.lot_id, rline.move_id) == ("rejected", None, None)
    assert not Lot.objects.exists()
    # Rejected goods went back: the order still waits for them.
    assert PurchaseOrder.objects.get(pk=order.pk).state == "approved"
    assert receive(world, line, quantity="100", lot="L2", expiry_date=EXPIRY).pk


@pytest.mark.parametrize("none", [0, "0.000"])
def test_nothing_accepted_is_written_as_zero_in_any_form(world, line, none):
    receipt = receive(
        world, line, quantity="3", accepted=none, lot="L", expiry_date=EXPIRY, rejection_reason="x"
    )
    assert receipt.lines.get().result == "rejected"


def test_serials_are_received_one_by_one(world, approved_order):
    order = approved_order((world.serial_product, "2"))
    line = order.lines.get()
    receive(world, line, quantity="1", serial="SN-001", expiry_date=EXPIRY)
    receipt = receive(world, line, quantity="1", serial="SN-002", lot="B7", expiry_date=EXPIRY)
    serial = Serial.objects.get(serial_number="SN-002")
    assert receipt.lines.get().serial == serial
    assert serial.inspected_by == world.inspector
    assert PurchaseOrder.objects.get(pk=order.pk).state == "received"


def test_an_untracked_component_is_received_without_lot(world, approved_order):
    order = approved_order((world.plain_product, "500"))
    receipt = receive(world, order.lines.get(), quantity="500")
    assert receipt.lines.get().lot_id is None
    assert stock.balance_of(world.plain_product, location=world.quarantine) == 500


def test_several_lines_in_one_receipt_is_one_transaction(world, approved_order, unchanged):
    order = approved_order((world.lot_product, "10"), (world.plain_product, "10"))
    first, second = order.lines.order_by("line_no")
    items = [
        {"order_line": first.pk, "quantity": "10", "lot_number": "L1", "expiry_date": EXPIRY},
        {"order_line": second.pk, "quantity": "11"},  # over-receipt on the second line
    ]
    exc = refused(
        unchanged,
        services.receive,
        Actor.for_user(world.inspector),
        order.pk,
        items,
        location=world.quarantine,
    )
    assert exc.code == "procurement.over_receipt"
    items[1]["quantity"] = "10"
    receipt = services.receive(
        Actor.for_user(world.inspector), order.pk, items, location=world.quarantine
    )
    assert receipt.lines.count() == 2
    assert PurchaseOrder.objects.get(pk=order.pk).state == "received"


# --- scanning (UDI-02..UDI-07, DI-02) ----------------------------------------------------------


def test_a_scan_fills_lot_and_dates_and_is_kept_raw_with_its_hash(world, line):
    raw = "]d2" + gs1(world.lot_product.gtin, lot="L77", made="260105", expires="281200")
    receipt = receive(world, line, quantity="10", scan=raw)
    rline = receipt.lines.get()
    assert (rline.lot_number, rline.manufacture_date, rline.expiry_date) == (
        "L77",
        dt.date(2026, 1, 5),
        dt.date(2028, 12, 31),  # day 00: the last day of the month (UDI-04)
    )
    assert rline.raw_scan == raw
    assert rline.scan_sha256 == hashlib.sha256(raw.encode()).hexdigest()
    assert rline.udi_di == world.lot_product.gtin


@pytest.mark.parametrize("spelling", ["<GS>", "{GS}", "\\x1d"], ids=["angle", "brace", "escaped"])
def test_a_typed_separator_works_like_ascii_29(world, approved_order, spelling):
    order = approved_order((world.serial_product, "1"))
    raw = f"01{world.serial_product.gtin}17281231" + f"10B1{spelling}21SN-9"
    receipt = receive(world, order.lines.get(), quantity="1", scan=raw)
    assert (receipt.lines.get().lot_number, receipt.lines.get().serial_number) == ("B1", "SN-9")


def test_the_parenthesised_form_and_a_digital_link_are_scans_too(world, line):
    gtin = world.lot_product.gtin
    receive(world, line, quantity="1", scan=f"(01){gtin}(17)281231(10)HRI-1")
    receipt = receive(
        world, line, quantity="1", scan=f"https://id.example.com/01/{gtin}/10/DL-1?17=281231"
    )
    assert receipt.lines.get().lot_number == "DL-1"


def test_what_was_typed_must_agree_with_the_scan(world, line, unchanged):
    raw = gs1(world.lot_product.gtin, lot="L77")
    exc = refused(unchanged, receive, world, line, quantity="1", lot="L78", scan=raw)
    assert exc.code == "procurement.scan_mismatch"
    assert exc.details["field"] == "lot_number"
    receipt = receive(world, line, quantity="1", lot="L77", expiry_date=EXPIRY, scan=raw)
    assert receipt.lines.get().lot_number == "L77"


def test_an_unknown_gtin_is_refused(world, line, unchanged):
    exc = refused(
        unchanged, receive, world, line, quantity="1", scan=gs1("04012345678901", lot="X")
    )
    assert exc.code == "procurement.gtin_unknown"


def test_the_gtin_of_another_product_is_refused(world, line, unchanged):
    other = world.serial_product
    exc = refused(unchanged, receive, world, line, quantity="1", scan=gs1(other.gtin, lot="X"))
    assert exc.code == "procurement.gtin_other_product"
    assert exc.details["scanned"] == other.code


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("0104012345", "barcodes.malformed"),
        ("hello", "barcodes.unrecognised"),
        ("01{gtin_bad}10L1", "barcodes.gtin_check_digit"),
        ("01{gtin}10L123" + "21SN0001", "barcodes.missing_separator"),
        ("01{gtin}17260230" + "10L1", "barcodes.date_invalid"),
        ("+A123BJC5D6E71G", "procurement.di_unknown"),
        ("+A123BJC5D6E71H", "barcodes.hibc_check_character"),
    ],
    ids=["malformed", "not-a-barcode", "check-digit", "no-separator", "30-feb", "hibc", "mod43"],
)
def test_bad_scans_are_refused(world, line, unchanged, raw, code):
    gtin = world.lot_product.gtin
    bad = gtin[:-1] + str((int(gtin[-1]) + 1) % 10)
    scan = raw.format(gtin=gtin, gtin_bad=bad)
    exc = refused(unchanged, receive, world, line, quantity="1", scan=scan)
    assert exc.code == code
    assert exc.details["field"] == "scan"


def test_an_hibc_label_is_received_on_the_products_hibc_identifier(
    world, approved_order, make_product, unchanged
):
    """UDI-06: a device labelled HIBC is identified by its HIBC identifier (LIC + product
    number + unit digit); another product's HIBC label is refused like another GTIN."""
    hibc = make_product(world.qa, hibc_di="a123bjc5d6e71")
    assert hibc.hibc_di == "A123BJC5D6E71"
    line = approved_order((hibc, "5")).lines.get()
    receipt = receive(
        world, line, quantity="2", lot="H-1", expiry_date=EXPIRY, scan="+A123BJC5D6E71G"
    )
    assert receipt.lines.get().lot.number == "H-1"
    other_line = approved_order((world.lot_product, "5")).lines.get()
    exc = refused(unchanged, receive, world, other_line, quantity="1", scan="+A123BJC5D6E71G")
    assert exc.code == "procurement.gtin_other_product"
    assert exc.details["scanned"] == hibc.code


def test_a_scan_with_only_a_lot_has_no_device_identifier(world, line, unchanged):
    from mederp.catalog.barcodes.hibc import check_character

    data = "+$LOT9G"
    exc = refused(unchanged, receive, world, line, quantity="1", scan=data + check_character(data))
    assert exc.code == "procurement.scan_without_di"


# --- refusals ------------------------------------------------------------------------------------


def test_a_lot_already_expired_at_receipt_is_refused(world, line, unchanged):
    exc = refused(
        unchanged, receive, world, line, quantity="1", lot="OLD", expiry_date=dt.date(2026, 6, 14)
    )
    assert exc.code == "procurement.lot_expired"
    assert exc.details["expiry_date"] == "2026-06-14"


def test_a_lot_expiring_today_is_still_received(world, line):
    assert receive(world, line, quantity="1", lot="TODAY", expiry_date=dt.date(2026, 6, 15)).pk


def test_an_expired_lot_by_scan_is_refused(world, line, unchanged):
    raw = gs1(world.lot_product.gtin, lot="OLD", expires="260500")  # 2026-05-31
    exc = refused(unchanged, receive, world, line, quantity="1", scan=raw)
    assert exc.code == "procurement.lot_expired"


def test_a_manufacture_date_in_the_future_is_refused(world, line, unchanged):
    exc = refused(
        unchanged, receive, world, line, quantity="1", lot="L", manufacture_date=dt.date(2026, 7, 1)
    )
    assert exc.code == "procurement.manufacture_date_in_future"


def test_manufacture_after_expiry_is_refused(world, line, unchanged):
    exc = refused(
        unchanged,
        receive,
        world,
        line,
        quantity="1",
        lot="L",
        manufacture_date=dt.date(2026, 6, 10),
        expiry_date=dt.date(2026, 6, 1),
    )
    assert exc.code == "inventory.lot_dates_invalid"


def test_a_serial_already_in_stock_is_refused(world, approved_order, unchanged):
    order = approved_order((world.serial_product, "3"))
    line = order.lines.get()
    receive(world, line, quantity="1", serial="SN-1", expiry_date=EXPIRY)
    exc = refused(unchanged, receive, world, line, quantity="1", serial="SN-1", expiry_date=EXPIRY)
    assert exc.code == "inventory.serial_in_stock"


def test_a_serial_is_one_unit(world, approved_order, unchanged):
    order = approved_order((world.serial_product, "3"))
    exc = refused(
        unchanged,
        receive,
        world,
        order.lines.get(),
        quantity="2",
        serial="SN-1",
        expiry_date=EXPIRY,
    )
    assert exc.code == "inventory.serial_quantity"


def test_a_lot_tracked_product_needs_its_lot(world, line, unchanged):
    exc = refused(unchanged, receive, world, line, quantity="1", expiry_date=EXPIRY)
    assert exc.code == "inventory.tracking_mismatch"
    assert exc.details["field"] == "lot_number"


def test_an_expiry_is_needed_for_a_product_with_a_shelf_life(world, line, unchanged):
    exc = refused(unchanged, receive, world, line, quantity="1", lot="L")
    assert exc.code == "inventory.expiry_required"


def test_more_than_the_line_has_open_is_refused(world, line, unchanged):
    receive(world, line, quantity="90", lot="L1", expiry_date=EXPIRY)
    exc = refused(unchanged, receive, world, line, quantity="11", lot="L2", expiry_date=EXPIRY)
    assert exc.code == "procurement.over_receipt"
    assert exc.details["open"] == Decimal("10")


@pytest.mark.parametrize(
    ("quantity", "code"),
    [
        ("0", "inventory.quantity_not_positive"),
        ("-1", "inventory.quantity_not_positive"),
        ("1.0001", "inventory.quantity_precision"),
        (2.5, "inventory.quantity_invalid"),
    ],
)
def test_quantities_not_above_zero_or_too_fine_are_refused(world, line, unchanged, quantity, code):
    exc = refused(unchanged, receive, world, line, quantity=quantity, lot="L", expiry_date=EXPIRY)
    assert exc.code == code


def test_more_accepted_than_received_is_refused(world, line, unchanged):
    exc = refused(
        unchanged, receive, world, line, quantity="5", accepted="6", lot="L", expiry_date=EXPIRY
    )
    assert exc.code == "procurement.accepted_exceeds_received"


def test_a_rejection_needs_its_reason(world, line, unchanged):
    exc = refused(
        unchanged, receive, world, line, quantity="5", accepted="4", lot="L", expiry_date=EXPIRY
    )
    assert exc.code == "procurement.rejection_reason_required"


def test_goods_for_an_order_not_yet_approved_are_refused(world, make_order, unchanged):
    order = make_order()
    exc = refused(
        unchanged, receive, world, order.lines.get(), quantity="1", lot="L", expiry_date=EXPIRY
    )
    assert exc.code == "procurement.order_not_receivable"


def test_a_line_of_another_order_is_refused(world, order, approved_order, unchanged):
    other = approved_order().lines.get()
    exc = refused(
        unchanged,
        services.receive,
        Actor.for_user(world.inspector),
        order.pk,
        [{"order_line": other.pk, "quantity": "1", "lot_number": "L", "expiry_date": EXPIRY}],
        location=world.quarantine,
    )
    assert exc.code == "procurement.line_not_on_order"


def test_goods_go_only_into_quarantine(world, line, unchanged):
    exc = refused(
        unchanged,
        receive,
        world,
        line,
        quantity="1",
        lot="L",
        expiry_date=EXPIRY,
        location=world.storage,
    )
    assert exc.code == "inventory.quarantine_required"


def test_the_inspector_is_a_person(world, line, unchanged, system):
    exc = refused(
        unchanged,
        services.record_receipt,
        system,
        line.pk,
        quantity="1",
        lot="L",
        expiry_date=EXPIRY,
        location=world.quarantine,
    )
    assert exc.code == "procurement.inspector_required"


def test_only_receiving_roles_record_receipts(world, line, unchanged):
    exc = refused(
        unchanged,
        services.record_receipt,
        Actor.for_user(world.buyer),
        line.pk,
        quantity="1",
        lot="L",
        expiry_date=EXPIRY,
        location=world.quarantine,
    )
    assert exc.code == "permission_denied"


def test_a_receipt_cannot_be_edited_or_deleted(world, line):
    """The 进货查验记录 is append-only in the database itself (CN-08, AT-06)."""
    from django.db import DatabaseError, transaction

    receipt = receive(world, line, quantity="1", lot="L", expiry_date=EXPIRY)
    for attempt in (
        lambda: Receipt.objects.filter(pk=receipt.pk).update(notes="changed"),
        lambda: ReceiptLine.objects.filter(receipt=receipt).delete(),
    ):
        with pytest.raises(DatabaseError), transaction.atomic():
            attempt()
