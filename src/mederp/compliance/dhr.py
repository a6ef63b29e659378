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

import hashlib
from dataclasses import dataclass, field
from typing import Any

from mederp.catalog.models import BomComponent
from mederp.compliance.dhr_components import component_rows, origins_of
from mederp.compliance.dhr_parts import (
    ACTIVITIES,
    CHECK,
    IN_HOUSE,
    ISSUED,
    OPERATION,
    OUTPUT,
    SCRAPPED,
    SUPPLIER,
    UNKNOWN,
    SignatureGroup,
    bom_row,
    check_row,
    operation_row,
    operator_rows,
    output_items,
    output_row,
    quantity,
    scrap_row,
    signature_groups,
    udi_text,
    work_order_row,
)
from mederp.core import canonical
from mederp.core.errors import NotFound
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

__all__ = [
    "ACTIVITIES",
    "CHECK",
    "IN_HOUSE",
    "ISSUED",
    "OPERATION",
    "OUTPUT",
    "SCRAPPED",
    "SUPPLIER",
    "UNKNOWN",
    "Dhr",
    "SignatureGroup",
    "device_history_record",
    "udi_text",
]


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
    origins = origins_of(issues)

    dhr = Dhr(
        work_order=work_order_row(order, good),
        bom=bom_row(order),
        components=component_rows(lines, issues, scrap, good, order, origins),
        operators=operator_rows(issues, outputs, scrap, operations, checks),
        operations=[operation_row(op) for op in operations],
        checks=[check_row(c) for c in checks],
        component_scrap=[scrap_row(s) for s in scrap],
        outputs=[output_row(o) for o in outputs],
        output_items=output_items(order, outputs),
        totals={
            "good": quantity(good),
            "scrap": quantity(scrapped),
            "rework": quantity(rework),
            "yield_ratio": None if ratio is None else str(round(ratio, 4)),
            "yield_percent": None if ratio is None else str(round(ratio * 100, 1)),
        },
        signature_groups=signature_groups(order, outputs),
    )
    dhr.content_sha256 = hashlib.sha256(canonical.dumps(dhr.content()).encode()).hexdigest()
    return dhr
