"""The recall list as CSV, XLSX and PDF: every consignee line with contact, address, product,
UDI, lot, quantity and ship date, under the recall's facts and the opener's signature
(RC-02, RC-03, RC-04; 11.10(b), 11.50(b); ES-02)."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook
from tests.compliance import recall_support

from mederp.compliance import recall_exports
from mederp.compliance.models import RecallLine

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
    other, _licence = make_customer(desk.world.qa, name="北京示例医院")
    ship("L-BAD", "4")
    ship("L-BAD", "6", customer=other)
    return desk.open("L-BAD", classification="I")


def test_the_csv_opens_in_excel_and_lists_every_line_under_the_facts(recall):
    data = recall_exports.to_csv(recall)
    assert data.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM for Excel
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    facts = dict(r for r in rows[: rows.index([])])
    assert facts["召回编号 Recall number"] == recall.number
    assert facts["召回级别 Class"] == "Class I / 一级召回"
    assert facts["通知期限 Notify consignees by"] == "2026-06-16"
    assert "qa 签名人" in facts["电子签名 Electronic signature"]
    table = rows[rows.index([]) + 1 :]
    header, body = table[0], table[1:]
    assert header[1] == "收货单位 Consignee"
    assert len(body) == RecallLine.objects.filter(recall=recall).count() == 2
    by_name = {r[1]: dict(zip(header, r, strict=True)) for r in body}
    row = by_name["北京示例医院"]
    assert row["发货数量 Quantity shipped"] == "6"
    assert row["批号 Lot"] == "L-BAD"
    assert row["UDI UDI"].startswith(f"(01){recall_support.lot('L-BAD').product.gtin}(17)280630")
    assert row["地址 Address"] and row["联系人 Contact"]
    assert row["发货日期 Ship date"] == "2026-06-15"


def test_the_xlsx_has_the_facts_and_the_list(recall):
    book = load_workbook(io.BytesIO(recall_exports.to_xlsx(recall)), read_only=True)
    facts, consignees = book.worksheets
    assert next(facts.iter_rows(values_only=True)) == ("召回编号 Recall number", recall.number)
    rows = list(consignees.iter_rows(values_only=True))
    assert rows[0][0] == "收货单位代码 Consignee code"
    assert len(rows) == 3
    quantities = sorted(r[14] for r in rows[1:])
    assert quantities == [4, 6]


def test_the_pdf_carries_the_list_and_the_signature(recall):
    data = recall_exports.to_pdf(recall)
    assert data.startswith(b"%PDF") and len(data) > 2000
