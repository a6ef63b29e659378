"""The components of a device history record: per BOM line, the quantities planned, expected and
issued, and every lot or serial issued with where it came from: the supplier on its goods
receipt (procurement), or the work order that made it in-house (21 CFR 820.184(d); ISO 13485
§7.5.9 traceability; 生产质量管理规范 第五十八条).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Q

from mederp.catalog.models import BomComponent
from mederp.compliance.dhr_parts import (
    IN_HOUSE,
    SUPPLIER,
    UNKNOWN,
    item_fields,
    node_of,
    quantity,
)
from mederp.inventory.models import Lot, Serial
from mederp.procurement.models import ReceiptLine
from mederp.production import rules
from mederp.production.models import (
    ComponentScrap,
    MaterialIssue,
    OutputKind,
    ProductionOutput,
    WorkOrder,
)


@dataclass
class Origins:
    """Where each issued lot or serial came from."""

    suppliers: dict[tuple[str, int], list[dict[str, Any]]]
    made_by: dict[tuple[str, int], list[str]]


def origins_of(issues: Iterable[MaterialIssue]) -> Origins:
    """Receipts and producing work orders of every issued lot and serial: two queries."""
    lots = {i.lot_id for i in issues if i.lot_id is not None}
    serials = {i.serial_id for i in issues if i.serial_id is not None}
    suppliers: dict[tuple[str, int], list[dict[str, Any]]] = defaultdict(list)
    made_by: dict[tuple[str, int], list[str]] = defaultdict(list)
    if not lots and not serials:
        return Origins(suppliers, made_by)
    match = Q(lot_id__in=lots) | Q(serial_id__in=serials)
    for line in ReceiptLine.objects.filter(match).select_related("receipt").order_by("id"):
        entry = {
            "name": line.receipt.supplier_name,
            "supplier_id": line.receipt.supplier_id,
            "receipt": line.receipt.number,
            "received_at": line.receipt.received_at,
            "result": line.result,
        }
        keys = []
        if line.serial_id is not None and line.serial_id in serials:
            keys.append(("serial", line.serial_id))
        if line.lot_id is not None and line.lot_id in lots:
            keys.append(("lot", line.lot_id))
        for key in keys:
            if entry not in suppliers[key]:
                suppliers[key].append(entry)
    produced = (
        ProductionOutput.objects.filter(kind=OutputKind.GOOD)
        .filter(match)
        .values_list("lot_id", "serial_id", "work_order__number")
        .order_by("id")
    )
    for lot_id, serial_id, number in produced:
        for key in (("serial", serial_id), ("lot", lot_id)):
            wanted = serials if key[0] == "serial" else lots
            if key[1] in wanted and number not in made_by[key]:
                made_by[key].append(number)
    return Origins(suppliers, made_by)


def component_rows(
    lines: list[BomComponent],
    issues: list[MaterialIssue],
    scrap: list[ComponentScrap],
    good: Decimal,
    order: WorkOrder,
    origins: Origins,
) -> list[dict[str, Any]]:
    by_product: dict[int, list[MaterialIssue]] = defaultdict(list)
    for issue in issues:
        by_product[issue.product_id].append(issue)
    scrapped: dict[int, Decimal] = defaultdict(Decimal)
    for s in scrap:
        scrapped[s.product_id] += s.quantity
    rows = []
    for line in lines:
        component = line.component
        mine = by_product.get(line.component_id, [])
        issued = rules.total(i.quantity for i in mine)
        items = []
        for issue in mine:
            node = node_of(issue)
            suppliers = origins.suppliers.get(node, []) if node else []
            made_by = origins.made_by.get(node, []) if node else []
            lot = issue.lot or (issue.serial.lot if issue.serial is not None else None)
            unit: Lot | Serial | None = issue.serial or issue.lot
            expiry = unit.expiry_date if unit is not None else None
            items.append(
                {
                    "issue_id": issue.pk,
                    **item_fields(issue),
                    "lot_number": lot.number if lot is not None else None,
                    "expiry_date": expiry,
                    "quantity": quantity(issue.quantity),
                    "from_location": issue.from_location.code,
                    "method": issue.method,
                    "issued_at": issue.recorded_at,
                    "operator": issue.operator_name,
                    "source": issue.source,
                    "origin": SUPPLIER if suppliers else IN_HOUSE if made_by else UNKNOWN,
                    "suppliers": suppliers,
                    "made_by_work_orders": made_by,
                }
            )
        rows.append(
            {
                "line_no": line.line_no,
                "component": {
                    "id": component.pk,
                    "code": component.code,
                    "name_zh": component.name_zh,
                    "name_en": component.name_en,
                    "gtin": component.gtin,
                    "tracking": component.tracking,
                },
                "uom": line.uom.code,
                "quantity_per_unit": quantity(line.quantity_per_unit),
                "planned": quantity(line.quantity_per_unit * order.planned_quantity),
                "expected": quantity(rules.expected_consumption(line.quantity_per_unit, good)),
                "issued": quantity(issued),
                "scrapped": quantity(scrapped.get(line.component_id, Decimal(0))),
                "items": items,
            }
        )
    return rows
