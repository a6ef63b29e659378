"""The device history record of a work order (设备历史记录; 21 CFR 820.184; ISO 13485 §7.5.1,
§7.5.8, §7.5.9; 医疗器械生产质量管理规范 第五十八条 批生产记录).

Everything the record must show, read from the records production, procurement and inventory
already hold (nothing is copied or stored here): the dates of manufacture; the quantity made and
released for distribution; the BOM version and its approval signature; every component lot or
serial used, with where it came from (the supplier on its goods receipt, or the work order that
made it in-house); the operators and what they did; operations and in-process checks with their
results; scrap and rework; the yield; each output lot or serial with its UDI (the GS1 element
string), its status now and QA's release signature; and the signature that closed the work order
("reviewed": the DHR was reviewed).

The record carries the SHA-256 of its canonical content (:attr:`Dhr.content_sha256`), printed on
every page of the PDF, so a copy can be matched to the record it came from (21 CFR 11.10(b)).

A fixed number of queries whatever the number of lots, serials or records (no N+1).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Q

from mederp.catalog.models import BomComponent
from mederp.core import audit, canonical, signatures
from mederp.core.errors import NotFound
from mederp.core.models import Signature
from mederp.core.signatures import SignatureView
from mederp.inventory.models import Lot, Serial
from mederp.inventory.rules import normal
from mederp.procurement.models import ReceiptLine
from mederp.production import rules
from mederp.production.models import (
    ComponentScrap,
    InProcessCheck,
    MaterialIssue,
    OperationRecord,
    OutputKind,
    ProductionOutput,
    WorkOrder,
)

# What each operator did, in the order the DHR lists it.
ISSUED, OUTPUT, SCRAPPED, OPERATION, CHECK = "issue", "output", "scrap", "operation", "check"
ACTIVITIES = (ISSUED, OUTPUT, SCRAPPED, OPERATION, CHECK)
SUPPLIER, IN_HOUSE, UNKNOWN = "supplier", "in_house", "unknown"


def udi_text(
    gtin: str,
    *,
    expiry: dt.date | None = None,
    lot: str | None = None,
    serial: str | None = None,
) -> str:
    """The human-readable GS1 element string of a unit's UDI: ``(01)`` GTIN (UDI-DI), then the
    production identifiers (UDI-PI) ``(17)`` expiry YYMMDD, ``(10)`` lot, ``(21)`` serial, in
    the GS1 order, each only when the unit has it (UDI-01; 医疗器械唯一标识系统规则)."""
    text = f"(01){gtin}"
    if expiry is not None:
        text += f"(17){expiry:%y%m%d}"
    if lot:
        text += f"(10){lot}"
    if serial:
        text += f"(21){serial}"
    return text


def quantity(value: Decimal | None) -> str | None:
    """``Decimal("12.500000")`` → ``"12.5"`` (what the record shows and hashes)."""
    return None if value is None else str(normal(value))


@dataclass
class SignatureGroup:
    """The signatures of one record the DHR cites (the BOM version, an output lot, the work
    order), each a manifestation with its validity (11.50, 11.70)."""

    what: str  # bom | output_lot | output_serial | work_order
    record_type: str
    record_id: int
    label: str
    views: list[SignatureView]

    def as_dict(self) -> dict[str, Any]:
        return {
            "what": self.what,
            "record_type": self.record_type,
            "record_id": self.record_id,
            "label": self.label,
            "signatures": [signature_json(v) for v in self.views],
        }


def signature_json(view: SignatureView) -> dict[str, Any]:
    sig = view.signature
    return {
        "id": sig.pk,
        "meaning": sig.meaning,
        "printed_name": sig.printed_name,
        "signer_username": sig.signer_username,
        "signed_at": canonical.to_json_value(sig.signed_at),
        "method": sig.method,
        "reason": sig.reason,
        "content_sha256": sig.content_sha256,
        "valid": view.valid,
    }


@dataclass
class Dhr:
    """The device history record of one work order; rows are plain dicts of codes and values
    (the page translates the codes), ``as_dict()`` is the JSON and what is hashed."""

    work_order: dict[str, Any]
    bom: dict[str, Any]
    components: list[dict[str, Any]]
    operators: list[dict[str, Any]]
    operations: list[dict[str, Any]]
    checks: list[dict[str, Any]]
    component_scrap: list[dict[str, Any]]
    outputs: list[dict[str, Any]]
    output_items: list[dict[str, Any]]
    totals: dict[str, Any]
    signature_groups: list[SignatureGroup]
    content_sha256: str = field(default="")

    def content(self) -> dict[str, Any]:
        """Everything but the hash, JSON-safe."""
        return canonical.to_json_value(
            {
                "work_order": self.work_order,
                "bom": self.bom,
                "components": self.components,
                "operators": self.operators,
                "operations": self.operations,
                "checks": self.checks,
                "component_scrap": self.component_scrap,
                "outputs": self.outputs,
                "output_items": self.output_items,
                "totals": self.totals,
                "signatures": [g.as_dict() for g in self.signature_groups],
            }
        )

    def as_dict(self) -> dict[str, Any]:
        return {**self.content(), "content_sha256": self.content_sha256}

    def group(self, what: str) -> list[SignatureGroup]:
        return [g for g in self.signature_groups if g.what == what]


def device_history_record(work_order_id: int) -> Dhr:
    """The DHR of work order ``work_order_id`` as it stands now; 404 when there is none."""
    order = (
        WorkOrder.objects.select_related(
            "product", "bom", "bom__product", "production_location", "output_location"
        )
        .filter(pk=work_order_id)
        .first()
    )
    if order is None:
        raise NotFound(record_type="WorkOrder", record_id=work_order_id)
    related = ("product", "lot", "serial", "operator")
    issues = list(
        MaterialIssue.objects.filter(work_order=order)
        .select_related(*related, "serial__lot", "from_location")
        .order_by("id")
    )
    outputs = list(
        ProductionOutput.objects.filter(work_order=order)
        .select_related(*related, "lot__product", "serial__product", "serial__lot")
        .order_by("id")
    )
    scrap = list(
        ComponentScrap.objects.filter(work_order=order).select_related(*related).order_by("id")
    )
    operations = list(OperationRecord.objects.filter(work_order=order).order_by("id"))
    checks = list(InProcessCheck.objects.filter(work_order=order).order_by("id"))
    lines = list(
        BomComponent.objects.filter(bom_id=order.bom_id)
        .select_related("component", "uom")
        .order_by("line_no")
    )

    good = rules.total(o.quantity for o in outputs if o.kind == OutputKind.GOOD)
    scrapped = rules.total(o.quantity for o in outputs if o.kind == OutputKind.SCRAP)
    rework = rules.total(o.quantity for o in outputs if o.kind == OutputKind.REWORK)
    ratio = rules.yield_ratio(good, scrapped)
    origins = _origins(issues)

    dhr = Dhr(
        work_order=_work_order(order, good),
        bom=_bom(order),
        components=_components(lines, issues, scrap, good, order, origins),
        operators=_operators(issues, outputs, scrap, operations, checks),
        operations=[_operation(op) for op in operations],
        checks=[_check(c) for c in checks],
        component_scrap=[_scrap(s) for s in scrap],
        outputs=[_output(o) for o in outputs],
        output_items=_output_items(order, outputs),
        totals={
            "good": quantity(good),
            "scrap": quantity(scrapped),
            "rework": quantity(rework),
            "yield_ratio": None if ratio is None else str(round(ratio, 4)),
            "yield_percent": None if ratio is None else str(round(ratio * 100, 1)),
        },
        signature_groups=_signature_groups(order, outputs),
    )
    dhr.content_sha256 = hashlib.sha256(canonical.dumps(dhr.content()).encode()).hexdigest()
    return dhr


# --- the parts --------------------------------------------------------------------------------


def _work_order(order: WorkOrder, good: Decimal) -> dict[str, Any]:
    device = order.product
    return {
        "id": order.pk,
        "number": order.number,
        "state": order.state,
        "device": {
            "id": device.pk,
            "code": device.code,
            "name_zh": device.name_zh,
            "name_en": device.name_en,
            "gtin": device.gtin,
            "tracking": device.tracking,
        },
        "planned_quantity": quantity(order.planned_quantity),
        "actual_quantity": quantity(good),
        "output_lot_number": order.output_lot_number,
        "production_location": order.production_location.code,
        "output_location": order.output_location.code,
        "planned_start": order.planned_start,
        "planned_end": order.planned_end,
        "created_at": order.created_at,
        "released_at": order.released_at,
        "started_at": order.started_at,
        "completed_at": order.completed_at,
        "closed_at": order.closed_at,
        "notes": order.notes,
    }


def _bom(order: WorkOrder) -> dict[str, Any]:
    bom = order.bom
    return {
        "id": bom.pk,
        "device": bom.product.code,
        "revision": bom.revision,
        "state": bom.state,
        "effective_from": bom.effective_from,
        "approved_at": bom.approved_at,
    }


@dataclass
class _Origins:
    """Where each issued lot or serial came from."""

    suppliers: dict[tuple[str, int], list[dict[str, Any]]]
    made_by: dict[tuple[str, int], list[str]]


def _node(record: Any) -> tuple[str, int] | None:
    if record.serial_id is not None:
        return ("serial", record.serial_id)
    if record.lot_id is not None:
        return ("lot", record.lot_id)
    return None


def _origins(issues: Iterable[MaterialIssue]) -> _Origins:
    """Receipts and producing work orders of every issued lot and serial: two queries."""
    lots = {i.lot_id for i in issues if i.lot_id is not None}
    serials = {i.serial_id for i in issues if i.serial_id is not None}
    suppliers: dict[tuple[str, int], list[dict[str, Any]]] = defaultdict(list)
    made_by: dict[tuple[str, int], list[str]] = defaultdict(list)
    if not lots and not serials:
        return _Origins(suppliers, made_by)
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
    return _Origins(suppliers, made_by)


def _item_fields(record: Any) -> dict[str, Any]:
    lot = record.lot if record.lot_id is not None else None
    serial = record.serial if record.serial_id is not None else None
    return {
        "lot_id": record.lot_id,
        "lot_number": lot.number if lot is not None else None,
        "serial_id": record.serial_id,
        "serial_number": serial.serial_number if serial is not None else None,
    }


def _components(
    lines: list[BomComponent],
    issues: list[MaterialIssue],
    scrap: list[ComponentScrap],
    good: Decimal,
    order: WorkOrder,
    origins: _Origins,
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
            node = _node(issue)
            suppliers = origins.suppliers.get(node, []) if node else []
            made_by = origins.made_by.get(node, []) if node else []
            lot = issue.lot or (issue.serial.lot if issue.serial is not None else None)
            unit: Lot | Serial | None = issue.serial or issue.lot
            expiry = unit.expiry_date if unit is not None else None
            items.append(
                {
                    "issue_id": issue.pk,
                    **_item_fields(issue),
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


def _operators(
    issues: list[MaterialIssue],
    outputs: list[ProductionOutput],
    scrap: list[ComponentScrap],
    operations: list[OperationRecord],
    checks: list[InProcessCheck],
) -> list[dict[str, Any]]:
    """Distinct operators, each with what they did, how often, first and last time."""
    seen: dict[str, dict[str, Any]] = {}
    groups: list[tuple[str, Iterable[Any]]] = [
        (ISSUED, issues),
        (OUTPUT, outputs),
        (SCRAPPED, scrap),
        (OPERATION, operations),
        (CHECK, checks),
    ]
    for activity, records in groups:
        for r in records:
            entry = seen.setdefault(
                r.operator_name,
                {
                    "name": r.operator_name,
                    "user_id": r.operator_id,
                    "sources": [],
                    "activities": {},
                    "first_at": r.recorded_at,
                    "last_at": r.recorded_at,
                },
            )
            entry["activities"][activity] = entry["activities"].get(activity, 0) + 1
            if r.source not in entry["sources"]:
                entry["sources"].append(r.source)
            entry["first_at"] = min(entry["first_at"], r.recorded_at)
            entry["last_at"] = max(entry["last_at"], r.recorded_at)
    result = []
    for name in sorted(seen):
        entry = seen[name]
        entry["activities"] = [
            {"activity": a, "count": entry["activities"][a]}
            for a in ACTIVITIES
            if a in entry["activities"]
        ]
        entry["sources"] = sorted(entry["sources"])
        result.append(entry)
    return result


def _shop_floor(record: Any) -> dict[str, Any]:
    return {
        "id": record.pk,
        "recorded_at": record.recorded_at,
        "operator": record.operator_name,
        "source": record.source,
        "event_id": record.event_id or None,
    }


def _operation(op: OperationRecord) -> dict[str, Any]:
    return {
        **_shop_floor(op),
        "operation": op.operation,
        "workstation": op.workstation,
        "started_at": op.started_at,
        "completed_at": op.completed_at,
        "quantity_good": quantity(op.quantity_good),
        "quantity_scrap": quantity(op.quantity_scrap),
        "notes": op.notes,
    }


def _check(check: InProcessCheck) -> dict[str, Any]:
    return {
        **_shop_floor(check),
        "operation": check.operation,
        "characteristic": check.characteristic,
        "specification": check.specification,
        "measured_value": check.measured_value,
        "result": check.result,
        "notes": check.notes,
    }


def _scrap(s: ComponentScrap) -> dict[str, Any]:
    return {
        **_shop_floor(s),
        "component": s.product.code,
        **_item_fields(s),
        "quantity": quantity(s.quantity),
        "reason": s.reason,
    }


def _unit(record: Any) -> tuple[Lot | None, Serial | None]:
    serial = record.serial if record.serial_id is not None else None
    lot = record.lot if record.lot_id is not None else None
    if lot is None and serial is not None:
        lot = serial.lot
    return lot, serial


def _output(o: ProductionOutput) -> dict[str, Any]:
    lot, _serial = _unit(o)
    return {
        **_shop_floor(o),
        "kind": o.kind,
        **_item_fields(o),
        "lot_number": lot.number if lot is not None else None,
        "quantity": quantity(o.quantity),
        "reason": o.reason,
    }


def _output_items(order: WorkOrder, outputs: list[ProductionOutput]) -> list[dict[str, Any]]:
    """Each good output lot or serial once: its UDI, dates, status now and quantity made."""
    items: dict[tuple[str, int], dict[str, Any]] = {}
    for o in outputs:
        node = _node(o)
        if o.kind != OutputKind.GOOD or node is None:
            continue
        if node in items:
            items[node]["quantity"] = quantity(
                Decimal(items[node]["quantity"]) + Decimal(o.quantity)
            )
            continue
        lot, serial = _unit(o)
        unit: Any = serial or lot
        items[node] = {
            "kind": node[0],
            "lot_id": lot.pk if lot is not None else None,
            "lot_number": lot.number if lot is not None else None,
            "serial_id": serial.pk if serial is not None else None,
            "serial_number": serial.serial_number if serial is not None else None,
            "manufacture_date": unit.manufacture_date,
            "expiry_date": unit.expiry_date,
            "status": unit.status,
            "quantity": quantity(o.quantity),
            "udi": udi_text(
                order.product.gtin,
                expiry=unit.expiry_date,
                lot=lot.number if lot is not None else None,
                serial=serial.serial_number if serial is not None else None,
            ),
        }
    return list(items.values())


def _signature_groups(order: WorkOrder, outputs: list[ProductionOutput]) -> list[SignatureGroup]:
    """BOM approval, QA's release of each output lot or serial, the work order's close: the
    output's in two queries (lots, serials), whatever their number."""
    groups = [
        SignatureGroup(
            "bom",
            audit.record_type_of(order.bom),
            order.bom.pk,
            f"{order.bom.product.code} v{order.bom.revision}",
            signatures.signatures_for(order.bom),
        )
    ]
    units: dict[tuple[str, int], Any] = {}
    for o in outputs:
        node = _node(o)
        if o.kind == OutputKind.GOOD and node is not None and node not in units:
            units[node] = o.serial if node[0] == "serial" else o.lot
    for kind, model in (("lot", Lot), ("serial", Serial)):
        records = {pk: unit for (k, pk), unit in units.items() if k == kind}
        if not records:
            continue
        record_type = audit.record_type_of(model)
        stored: dict[str, list[Signature]] = defaultdict(list)
        for sig in Signature.objects.filter(
            record_type=record_type, record_id__in=[str(pk) for pk in records]
        ).order_by("signed_at", "id"):
            stored[sig.record_id].append(sig)
        for pk, unit in records.items():
            sigs = stored.get(str(pk), [])
            digest = signatures.content_sha256(unit) if sigs else ""
            label = unit.number if kind == "lot" else unit.serial_number
            groups.append(
                SignatureGroup(
                    f"output_{kind}",
                    record_type,
                    pk,
                    label,
                    [signatures.signature_status(s, unit, current=digest) for s in sigs],
                )
            )
    groups.append(
        SignatureGroup(
            "work_order",
            audit.record_type_of(order),
            order.pk,
            order.number,
            signatures.signatures_for(order),
        )
    )
    return groups
