"""A serial's distribution record is matched by its serial, a lot's by its lot: tracing a lot of
serialised units lists each shipped unit once, never once for the serial and again for the lot
(TR-01, TR-02, RC-04). Built with the sales plant (tests/sales/conftest.py): stock received,
released and shipped through the services."""

from __future__ import annotations

from decimal import Decimal

from tests.sales import conftest as sales_fixtures

from mederp.compliance import trace
from mederp.sales.models import DistributionRecord

world = sales_fixtures.world
make_product = sales_fixtures.make_product
make_customer = sales_fixtures.make_customer
put_stock = sales_fixtures.put_stock
make_order = sales_fixtures.make_order
confirmed = sales_fixtures.confirmed
allocated = sales_fixtures.allocated
picked = sales_fixtures.picked
reviewed = sales_fixtures.reviewed
shipped = sales_fixtures.shipped
clock_frozen = sales_fixtures.clock_frozen


def test_units_of_a_serialised_lot_are_each_counted_once(world, put_stock, shipped):
    put_stock(world.serial_product, "SL-1", serials=["S1", "S2", "S3"])
    shipped((world.serial_product, 2))
    records = list(DistributionRecord.objects.order_by("id"))
    assert all(r.lot_id and r.serial_id for r in records)  # each names both

    report = trace.trace_forward(trace.roots_for("SL-1"))

    assert sorted((r.node[0], r.serial_number, r.quantity) for r in report.records) == [
        ("serial", s.serial_number, Decimal(1))
        for s in sorted(records, key=lambda r: r.serial_number)
    ]
    assert report.shipped == Decimal(2)
    assert [(s.serial_number, s.quantity) for s in report.stock] == [
        (n, Decimal(1)) for n in {"S1", "S2", "S3"} - {r.serial_number for r in records}
    ]


def test_a_serial_traced_alone_has_only_its_own_record(world, put_stock, shipped):
    put_stock(world.serial_product, "SL-1", serials=["S1", "S2"])
    shipped((world.serial_product, 2))

    report = trace.trace_forward(trace.roots_for("S2"))

    assert [(i.kind, i.serial_number) for i in report.items] == [("serial", "S2")]
    assert [r.serial_number for r in report.records] == ["S2"]
    assert report.stock == []


def test_a_lot_tracked_record_is_matched_by_its_lot(world, put_stock, shipped, make_customer):
    put_stock(world.lot_product, "L-7", "10")
    other, _licence = make_customer(world.qa)
    shipped((world.lot_product, 4))
    shipped((world.lot_product, 2), customer=other)

    report = trace.trace_forward(trace.roots_for("L-7"))

    assert [(c.customer_code, c.quantity) for c in report.consignees] == [
        (world.customer.code, Decimal(4)),
        (other.code, Decimal(2)),
    ]
    assert [(s.location_code, s.quantity) for s in report.stock] == [("A-01", Decimal(4))]
