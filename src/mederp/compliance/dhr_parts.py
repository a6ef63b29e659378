"""The parts of the device history record (:mod:`mederp.compliance.dhr`): each a list of plain
rows of codes and values, built from records already loaded (no query per row), plus the UDI text
and the signature groups. The component lots and their origins are in
:mod:`mederp.compliance.dhr_components`.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from mederp.core import audit, canonical, signatures
from mederp.core.models import Signature
from mederp.core.signatures import SignatureView
from mederp.inventory.models import Lot, Serial
from mederp.inventory.rules import normal
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


def work_order_row(order: WorkOrder, good: Decimal) -> dict[str, Any]:
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


def bom_row(order: WorkOrder) -> dict[str, Any]:
    bom = order.bom
    return {
        "id": bom.pk,
        "device": bom.product.code,
        "revision": bom.revision,
        "state": bom.state,
        "effective_from": bom.effective_from,
        "approved_at": bom.approved_at,
    }


def node_of(record: Any) -> tuple[str, int] | None:
    if record.serial_id is not None:
        return ("serial", record.serial_id)
    if record.lot_id is not None:
        return ("lot", record.lot_id)
    return None


def item_fields(record: Any) -> dict[str, Any]:
    lot = record.lot if record.lot_id is not None else None
    serial = record.serial if record.serial_id is not None else None
    return {
        "lot_id": record.lot_id,
        "lot_number": lot.number if lot is not None else None,
        "serial_id": record.serial_id,
        "serial_number": serial.serial_number if serial is not None else None,
    }


def operator_rows(
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


def shop_floor_row(record: Any) -> dict[str, Any]:
    return {
        "id": record.pk,
        "recorded_at": record.recorded_at,
        "operator": record.operator_name,
        "source": record.source,
        "event_id": record.event_id or None,
    }


def operation_row(op: OperationRecord) -> dict[str, Any]:
    return {
        **shop_floor_row(op),
        "operation": op.operation,
        "workstation": op.workstation,
        "started_at": op.started_at,
        "completed_at": op.completed_at,
        "quantity_good": quantity(op.quantity_good),
        "quantity_scrap": quantity(op.quantity_scrap),
        "notes": op.notes,
    }


def check_row(check: InProcessCheck) -> dict[str, Any]:
    return {
        **shop_floor_row(check),
        "operation": check.operation,
        "characteristic": check.characteristic,
        "specification": check.specification,
        "measured_value": check.measured_value,
        "result": check.result,
        "notes": check.notes,
    }


def scrap_row(s: ComponentScrap) -> dict[str, Any]:
    return {
        **shop_floor_row(s),
        "component": s.product.code,
        **item_fields(s),
        "quantity": quantity(s.quantity),
        "reason": s.reason,
    }


def unit_of(record: Any) -> tuple[Lot | None, Serial | None]:
    serial = record.serial if record.serial_id is not None else None
    lot = record.lot if record.lot_id is not None else None
    if lot is None and serial is not None:
        lot = serial.lot
    return lot, serial


def output_row(o: ProductionOutput) -> dict[str, Any]:
    lot, _serial = unit_of(o)
    return {
        **shop_floor_row(o),
        "kind": o.kind,
        **item_fields(o),
        "lot_number": lot.number if lot is not None else None,
        "quantity": quantity(o.quantity),
        "reason": o.reason,
    }


def output_items(order: WorkOrder, outputs: list[ProductionOutput]) -> list[dict[str, Any]]:
    """Each good output lot or serial once: its UDI, dates, status now and quantity made."""
    items: dict[tuple[str, int], dict[str, Any]] = {}
    for o in outputs:
        node = node_of(o)
        if o.kind != OutputKind.GOOD or node is None:
            continue
        if node in items:
            items[node]["quantity"] = quantity(
                Decimal(items[node]["quantity"]) + Decimal(o.quantity)
            )
            continue
        lot, serial = unit_of(o)
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


def signature_groups(order: WorkOrder, outputs: list[ProductionOutput]) -> list[SignatureGroup]:
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
        node = node_of(o)
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
