"""Forward and backward traces over a history made through the real services (TR-01, TR-02,
RC-04): supplier receipt → component lot → subassembly → device → consignees, and back.

The plant is described in trace_support.py.
"""

from __future__ import annotations

from decimal import Decimal

from tests.compliance.trace_support import production_clock, production_plant, trace_plant

from mederp.compliance import trace

__all__ = ["production_clock", "production_plant", "trace_plant"]


def lot(t, number: str) -> tuple[str, int]:
    return trace.roots_for(number)[0]


def test_forward_from_a_component_reaches_the_device_and_every_consignee(trace_plant):
    t = trace_plant

    report = trace.trace_forward(trace.roots_for("P-L1"))

    assert [(i.product_code, i.lot_number, i.depth, i.status) for i in report.items] == [
        ("CMP-LOT", "P-L1", 0, "released"),
        ("SUB-001", "SUB-01", 1, "released"),
        ("KIT-001", "KIT-01", 2, "released"),
    ]
    wo1, wo2 = t.work_orders
    assert [(e.work_order_number, e.quantity) for e in report.edges] == [
        (wo1.number, Decimal("20")),
        (wo2.number, Decimal("5")),
    ]
    assert [w.number for w in report.work_orders] == [wo1.number, wo2.number]
    assert [
        (
            c.customer_code,
            c.customer_name,
            c.customer_address,
            c.customer_contact,
            c.quantity,
            c.returned,
        )
        for c in report.consignees
    ] == [
        ("CUS-1", "上海示例医院1", "示例路1号", "李老师 0512-0000000", Decimal("3"), Decimal("1")),
        ("CUS-2", "上海示例医院2", "示例路2号", "李老师 0512-0000000", Decimal("1"), Decimal("0")),
    ]


def test_forward_records_carry_what_a_recall_notice_needs(trace_plant):
    t = trace_plant

    report = trace.trace_forward(trace.roots_for("P-L1"))

    first = report.records[0]
    record = t.records[0]
    assert (first.record_id, first.node) == (record.pk, ("lot", t.kit_lot.pk))
    assert (first.product_code, first.gtin, first.lot_number, first.quantity) == (
        "KIT-001",
        t.kit.gtin,
        "KIT-01",
        Decimal("3"),
    )
    assert (first.shipment_number, first.order_number, first.shipped_on) == (
        record.shipment_number,
        record.order_number,
        record.shipped_on,
    )
    assert first.expiry_date == t.kit_lot.expiry_date
    assert [(r.record_id, r.quantity, r.location_code) for r in report.returns] == [
        (record.pk, Decimal("1"), "RET")
    ]
    assert report.shipped == Decimal("4")


def test_forward_shows_the_stock_still_on_hand_at_every_level(trace_plant):
    report = trace.trace_forward(trace.roots_for("P-L1"))

    assert sorted(
        (s.lot_number, s.warehouse_code, s.location_code, s.location_kind, s.quantity)
        for s in report.stock
    ) == [
        ("KIT-01", "WH1", "A-01", "storage", Decimal("1")),
        ("KIT-01", "WH1", "RET", "returns", Decimal("1")),
        ("P-L1", "WH1", "A-01", "storage", Decimal("80")),
        ("SUB-01", "WH1", "A-01", "storage", Decimal("5")),
    ]


def test_forward_from_the_middle_does_not_reach_upstream(trace_plant):
    report = trace.trace_forward(trace.roots_for("SUB-01"))

    assert [i.lot_number for i in report.items] == ["SUB-01", "KIT-01"]
    assert {s.lot_number for s in report.stock} == {"SUB-01", "KIT-01"}


def test_backward_from_the_device_reaches_the_supplier_and_its_receipt(trace_plant):
    t = trace_plant

    report = trace.trace_backward(trace.roots_for("KIT-01"))

    assert [(i.lot_number, i.depth) for i in report.items] == [
        ("KIT-01", 0),
        ("SUB-01", 1),
        ("P-L1", 2),
    ]
    assert [w.number for w in report.work_orders] == [w.number for w in t.work_orders]
    (line,) = report.receipts
    rline = t.receipt.lines.get()
    assert (line.receipt_number, line.supplier_code, line.supplier_name) == (
        t.receipt.number,
        "SUP-1",
        t.supplier.name,
    )
    assert (line.result, line.quantity_accepted, line.inspector) == (
        "accepted",
        Decimal("100"),
        t.receipt.inspector_name,
    )
    assert line.registration_number == rline.registration_number
    assert line.scan_sha256 == rline.scan_sha256 != ""
    assert line.received_at == t.receipt.received_at
    assert [(s.code, s.name) for s in report.suppliers] == [("SUP-1", t.supplier.name)]


def test_backward_from_the_component_is_just_its_receipt(trace_plant):
    report = trace.trace_backward(trace.roots_for("P-L1"))

    assert [i.lot_number for i in report.items] == ["P-L1"]
    assert report.work_orders == []
    assert len(report.receipts) == 1


def test_both_reports_as_json(trace_plant):
    forward = trace.trace_forward(trace.roots_for("P-L1")).as_dict()
    backward = trace.trace_backward(trace.roots_for("KIT-01")).as_dict()

    assert forward["totals"] == {
        "items": 3,
        "records": 2,
        "consignees": 2,
        "shipped": "4",
        "on_hand": "87",
    }
    assert forward["records"][0]["shipped_on"] == trace_plant.records[0].shipped_on.isoformat()
    assert backward["totals"] == {"items": 3, "receipts": 1, "suppliers": 1}
    assert backward["receipts"][0]["quantity_accepted"] == "100"


def test_the_forward_report_stays_within_five_queries(trace_plant, django_assert_num_queries):
    roots = trace.roots_for("P-L1")

    with django_assert_num_queries(5):
        trace.trace_forward(roots)
