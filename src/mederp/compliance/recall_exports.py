"""The recall list as files: CSV, XLSX and PDF (RC-02, RC-03, RC-04; 21 CFR 806.10; 11.10(b);
11.50(b)).

Each file holds the recall's facts (number, class with China's level, reason, decision date,
notification deadline, who opened it with the signature's manifestation: printed name, meaning,
UTC time) and one row per consignee line: consignee with address and contact, device, UDI-DI
and the UDI as printed, lot or serial, quantity, ship date, shipment, and the tracking so far.

Column headers and fact labels are bilingual (简体中文 and English) whatever the language of
the person who downloads: the list travels to consignees and to the regulator. The CSV is UTF-8
with a byte-order mark so that Excel opens the Chinese text correctly; times are ISO 8601 UTC.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from mederp.compliance import recall_rules, recall_selectors
from mederp.compliance.models import Recall, RecallLine
from mederp.compliance.services.recall_tracking import effectiveness
from mederp.core import pdf, signatures
from mederp.inventory.rules import normal

CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PDF_TYPE = "application/pdf"

#: (key, 中文, English): the list's columns, in order.
COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("consignee_code", "收货单位代码", "Consignee code"),
    ("consignee_name", "收货单位", "Consignee"),
    ("consignee_address", "地址", "Address"),
    ("consignee_contact", "联系人", "Contact"),
    ("consignee_phone", "电话", "Phone"),
    ("consignee_email", "电子邮件", "Email"),
    ("product_code", "产品代码", "Product code"),
    ("product_name", "产品名称", "Device name"),
    ("specification", "型号规格", "Model / specification"),
    ("gtin", "UDI-DI", "UDI-DI (GTIN)"),
    ("udi", "UDI", "UDI"),
    ("lot_number", "批号", "Lot"),
    ("serial_number", "序列号", "Serial"),
    ("expiry_date", "失效日期", "Expiry"),
    ("quantity", "发货数量", "Quantity shipped"),
    ("shipped_on", "发货日期", "Ship date"),
    ("shipment_number", "发货单号", "Shipment"),
    ("order_number", "销售订单", "Order"),
    ("notified_at", "通知时间", "Notified (UTC)"),
    ("notified_via", "通知方式", "Notified by way of"),
    ("acknowledged_at", "确认时间", "Acknowledged (UTC)"),
    ("previously_returned", "召回前已退回", "Returned before the recall"),
    ("quantity_returned", "召回退回数量", "Returned"),
    ("quantity_accounted", "其他处理数量", "Otherwise accounted for"),
    ("disposition", "处理方式", "Disposition"),
)

#: The columns the PDF prints (a page is narrower than a spreadsheet).
PDF_COLUMNS = (
    "consignee_name",
    "consignee_address",
    "consignee_contact",
    "product_code",
    "udi",
    "quantity",
    "shipped_on",
    "notified_at",
)


def label(zh: str, en: str) -> str:
    return f"{zh} {en}"


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return f"{normal(value):f}"
    if hasattr(value, "isoformat"):
        return str(value.isoformat())
    return str(value)


def line_values(line: RecallLine) -> dict[str, Any]:
    values = {key: getattr(line, key, None) for key, _zh, _en in COLUMNS if key != "udi"}
    values["udi"] = recall_rules.udi_text(
        line.gtin, lot=line.lot_number, serial=line.serial_number, expiry=line.expiry_date
    )
    return values


def facts(recall: Recall) -> list[tuple[str, str]]:
    """The header facts, each as (bilingual label, text)."""
    accounted, shipped, ratio = effectiveness(recall)
    opened = [s for s in signatures.signatures_for(recall) if s.meaning == "opened"]
    manifestation = "; ".join(
        f"{s.printed_name} ({s.signature.signer_username}), {s.meaning_label}, "
        f"{pdf.utc_text(s.signed_at)}"
        for s in opened
    )
    rows = [
        (label("召回编号", "Recall number"), recall.number),
        (
            label("召回级别", "Class"),
            recall_rules.class_label(recall.classification, translated=False),
        ),
        (label("召回原因", "Reason"), recall.reason),
        (label("涉及批号/序列号", "Named lots and serials"), recall.scope_summary),
        (label("召回决定日期", "Decision date"), _text(recall.decision_date)),
        (label("通知期限", "Notify consignees by"), _text(recall.notification_deadline)),
        (label("发起人", "Opened by"), recall.opened_by_name),
        (label("发起时间", "Opened (UTC)"), pdf.utc_text(recall.opened_at)),
        (label("电子签名", "Electronic signature"), manifestation or "—"),
        (label("状态", "State"), recall.state),
        (label("涉及批次", "Lots affected"), str(recall.affected_lots)),
        (label("涉及序列号", "Serials affected"), str(recall.affected_serials)),
        (label("召回时库存", "On hand when opened"), _text(recall.on_hand_quantity)),
        (label("收货单位数", "Consignees"), str(recall.consignee_count)),
        (label("发货记录数", "Consignee lines"), str(recall.line_count)),
        (label("已发货数量", "Quantity shipped"), _text(shipped)),
        (label("已退回/已处理", "Returned and accounted for"), _text(accounted)),
        (label("召回有效性", "Effectiveness"), "—" if ratio is None else f"{ratio:.2%}"),
    ]
    if recall.closed_at is not None:
        rows.append((label("关闭人", "Closed by"), recall.closed_by_name))
        rows.append((label("关闭时间", "Closed (UTC)"), pdf.utc_text(recall.closed_at)))
    return rows


def _lines(recall: Recall) -> Iterator[RecallLine]:
    return recall_selectors.lines(recall.pk).iterator(chunk_size=2000)


def to_csv(recall: Recall) -> bytes:
    """UTF-8 with BOM: the facts as label/value rows, an empty row, then the list."""
    out = io.StringIO()
    writer = csv.writer(out)
    for name, value in facts(recall):
        writer.writerow([name, value])
    writer.writerow([])
    writer.writerow([label(zh, en) for _key, zh, en in COLUMNS])
    for line in _lines(recall):
        values = line_values(line)
        writer.writerow([_text(values[key]) for key, _zh, _en in COLUMNS])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def to_xlsx(recall: Recall) -> bytes:
    """Two sheets: the recall's facts, and the consignee list (streamed, write-only)."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    head = book.create_sheet(recall.number or "recall")
    for name, value in facts(recall):
        head.append([name, value])
    sheet = book.create_sheet("Consignees 收货单位")
    sheet.append([label(zh, en) for _key, zh, en in COLUMNS])
    for line in _lines(recall):
        values = line_values(line)
        row: list[Any] = []
        for key, _zh, _en in COLUMNS:
            value = values[key]
            row.append(value if isinstance(value, Decimal | int) else _text(value))
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def to_pdf(recall: Recall) -> bytes:
    """A4: the facts, the signatures' manifestations (11.50(b)), the consignees' summary and
    the list."""
    by_key = {key: (zh, en) for key, zh, en in COLUMNS}
    summary = recall_selectors.consignees(recall.pk)
    blocks: list[pdf.Block] = [
        pdf.Facts(facts(recall)),
        pdf.Signatures(
            signatures.signatures_for(recall), title=label("电子签名", "Electronic signatures")
        ),
        pdf.Table(
            columns=[
                label("收货单位", "Consignee"),
                label("发货数量", "Shipped"),
                label("已退回/已处理", "Accounted for"),
                label("已通知", "Notified"),
                label("已确认", "Acknowledged"),
            ],
            rows=[
                [
                    f"{c.code} {c.name}",
                    _text(c.shipped),
                    _text(c.accounted),
                    f"{c.notified}/{c.lines}",
                    f"{c.acknowledged}/{c.lines}",
                ]
                for c in summary
            ],
            title=label("收货单位汇总", "Consignees"),
            widths=[4, 1, 1, 1, 1],
        ),
        pdf.Table(
            columns=[label(*by_key[k]) for k in PDF_COLUMNS],
            rows=[
                [_text(line_values(line)[k]) or "—" for k in PDF_COLUMNS] for line in _lines(recall)
            ],
            title=label("召回通知清单", "Recall list"),
            widths=[3, 4, 2, 1.5, 4, 1, 1.5, 2],
            empty="—",
        ),
    ]
    return pdf.render_pdf(
        f"{recall.number} 召回通知清单 Recall list",
        blocks,
        subtitle=recall_rules.class_label(recall.classification, translated=False),
        content_sha256=signatures.content_sha256(recall),
    )


def filename(recall: Recall, extension: str) -> str:
    return f"{recall.number}-list.{extension}"
