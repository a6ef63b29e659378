"""The genealogy drawing (TR-01): boxes by depth with their labels and status colour, arrows
labelled with the work order, consignees as the forward trace's leaves, every text escaped,
and a cap past which the tables take over. Pure: no database."""

from __future__ import annotations

import datetime as dt
import xml.dom.minidom
from decimal import Decimal

import pytest
from django.utils import translation

from mederp.compliance.trace import (
    BackwardTrace,
    DistributionLine,
    ForwardTrace,
    TracedItem,
    TraceEdge,
)
from mederp.compliance.trace_svg import FILLS, draw


@pytest.fixture(autouse=True)
def _english() -> object:
    """The labels are asserted in English: never depend on what an earlier test activated."""
    with translation.override("en"):
        yield


def item(
    n: int, depth: int, *, code: str = "DEV-1", status: str = "released", kind: str = "lot"
) -> TracedItem:
    return TracedItem(
        kind=kind,
        id=n,
        product_id=1,
        product_code=code,
        product_name="输液器",
        product_name_en="Infusion set",
        gtin="06907770000121",
        lot_id=None,
        lot_number=f"L{n}" if kind == "lot" else "",
        serial_number=f"S{n}" if kind == "serial" else "",
        expiry_date=dt.date(2028, 1, 1),
        status=status,
        expired=False,
        depth=depth,
    )


def record(node: tuple[str, int], customer: int, qty: str) -> DistributionLine:
    return DistributionLine(
        record_id=customer * 10 + node[1],
        node=node,
        customer_id=customer,
        customer_code=f"CUS-{customer}",
        customer_name="医院 <A&B>",
        customer_address="路 1 号",
        customer_contact="李",
        product_code="DEV-1",
        product_name="输液器",
        gtin="06907770000121",
        lot_number="L2",
        serial_number="",
        expiry_date=None,
        quantity=Decimal(qty),
        returned=Decimal(0),
        shipped_at=dt.datetime(2026, 6, 15, tzinfo=dt.UTC),
        shipped_on=dt.date(2026, 6, 15),
        shipment_number="SH-1",
        order_number="SO-1",
    )


def forward(items, edges=(), records=()) -> ForwardTrace:
    return ForwardTrace(
        roots=[items[0].node],
        items=list(items),
        edges=list(edges),
        work_orders=[],
        records=list(records),
        returns=[],
        stock=[],
    )


def test_boxes_arrows_and_consignees_are_drawn():
    a, b = item(1, 0, code="CMP-1"), item(2, 1)
    edge = TraceEdge(a.node, b.node, 7, "WO-2026-00007", Decimal("2"))
    drawing = draw(forward([a, b], [edge], [record(b.node, 1, "3"), record(b.node, 1, "2")]))

    svg = str(drawing.svg)
    xml.dom.minidom.parseString(svg)  # well-formed
    assert svg.startswith("<svg")
    for text in ("CMP-1", "lot L1", "DEV-1", "lot L2", "WO-2026-00007", "CUS-1", "5 shipped"):
        assert f">{text}<" in svg
    assert svg.count('class="trace-node"') == 3  # two lots, one consignee
    assert svg.count('class="trace-edge"') == 2  # the work order, the shipment
    assert FILLS["released"] in svg and FILLS["consignee"] in svg
    assert (drawing.drawn, drawing.hidden) == (3, 0)


def test_every_text_is_escaped():
    evil = item(1, 0, code='<script>alert("x")</script>&')
    svg = str(draw(forward([evil], records=[record(evil.node, 1, "1")])).svg)

    xml.dom.minidom.parseString(svg)
    assert "<script>" not in svg
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;" in svg
    assert "医院 &lt;A&amp;B&gt;" in svg


def test_status_colours_the_box():
    svg = str(draw(forward([item(1, 0, status="recalled")])).svg)
    assert FILLS["recalled"] in svg and FILLS["released"] not in svg


def test_big_graphs_are_capped_with_a_note():
    items = [item(0, 0)] + [item(n, 1) for n in range(1, 251)]
    drawing = draw(forward(items), cap=200)

    assert (drawing.drawn, drawing.hidden) == (200, 51)
    assert ">51 more in the table<" in str(drawing.svg)
    assert str(drawing.svg).count('class="trace-node"') == 200


def test_a_backward_trace_is_mirrored_roots_on_the_right():
    root, part = item(1, 0, code="KIT"), item(2, 1, code="CMP")
    edge = TraceEdge(part.node, root.node, 1, "WO-1", Decimal(1))
    svg = str(
        draw(
            BackwardTrace(
                roots=[root.node], items=[root, part], edges=[edge], work_orders=[], receipts=[]
            )
        ).svg
    )

    x_of = {
        code: int(svg.split(f">{code}<")[0].rsplit('x="', 1)[1].split('"')[0])
        for code in ("CMP", "KIT")
    }
    assert x_of["CMP"] < x_of["KIT"]
