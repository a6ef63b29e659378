"""GET /api/v1/compliance/work-orders/{id}/dhr: the device history record as JSON
(21 CFR 820.184; :mod:`mederp.compliance.dhr`). Quantities are exact decimal strings, times UTC.
"""

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Schema

from mederp.compliance import dhr
from mederp.compliance.api.common import router
from mederp.core.apiperms import require_perm
from mederp.core.schemas import ERRORS


class DeviceOut(Schema):
    id: int
    code: str
    name_zh: str
    name_en: str
    gtin: str
    tracking: str


class DhrWorkOrderOut(Schema):
    id: int
    number: str
    state: str
    device: DeviceOut
    planned_quantity: str
    actual_quantity: str
    output_lot_number: str
    production_location: str
    output_location: str
    planned_start: dt.date
    planned_end: dt.date | None
    created_at: dt.datetime
    released_at: dt.datetime | None
    started_at: dt.datetime | None
    completed_at: dt.datetime | None
    closed_at: dt.datetime | None
    notes: str


class DhrBomOut(Schema):
    id: int
    device: str
    revision: int
    state: str
    effective_from: dt.date | None
    approved_at: dt.datetime | None


class DhrSupplierOut(Schema):
    name: str
    supplier_id: int
    receipt: str
    received_at: dt.datetime
    result: str


class IssuedItemOut(Schema):
    issue_id: int
    lot_id: int | None
    lot_number: str | None
    serial_id: int | None
    serial_number: str | None
    expiry_date: dt.date | None
    quantity: str
    from_location: str
    method: str
    issued_at: dt.datetime
    operator: str
    source: str
    origin: str
    suppliers: list[DhrSupplierOut]
    made_by_work_orders: list[str]


class DhrComponentOut(Schema):
    line_no: int
    component: DeviceOut
    uom: str
    quantity_per_unit: str
    planned: str
    expected: str
    issued: str
    scrapped: str
    items: list[IssuedItemOut]


class ActivityOut(Schema):
    activity: str
    count: int


class OperatorOut(Schema):
    name: str
    user_id: int | None
    sources: list[str]
    activities: list[ActivityOut]
    first_at: dt.datetime
    last_at: dt.datetime


class ShopFloorOut(Schema):
    id: int
    recorded_at: dt.datetime
    operator: str
    source: str
    event_id: str | None


class DhrOperationOut(ShopFloorOut):
    operation: str
    workstation: str
    started_at: dt.datetime | None
    completed_at: dt.datetime
    quantity_good: str
    quantity_scrap: str
    notes: str


class DhrCheckOut(ShopFloorOut):
    operation: str
    characteristic: str
    specification: str
    measured_value: str
    result: str
    notes: str


class DhrScrapOut(ShopFloorOut):
    component: str
    lot_id: int | None
    lot_number: str | None
    serial_id: int | None
    serial_number: str | None
    quantity: str
    reason: str


class DhrOutputOut(ShopFloorOut):
    kind: str
    lot_id: int | None
    lot_number: str | None
    serial_id: int | None
    serial_number: str | None
    quantity: str
    reason: str


class OutputItemOut(Schema):
    kind: str
    lot_id: int | None
    lot_number: str | None
    serial_id: int | None
    serial_number: str | None
    manufacture_date: dt.date | None
    expiry_date: dt.date | None
    status: str
    quantity: str
    udi: str


class TotalsOut(Schema):
    good: str
    scrap: str
    rework: str
    yield_ratio: str | None
    yield_percent: str | None


class SignatureManifestationOut(Schema):
    id: int
    meaning: str
    printed_name: str
    signer_username: str
    signed_at: dt.datetime
    method: str
    reason: str
    content_sha256: str
    valid: bool


class SignatureGroupOut(Schema):
    what: str
    record_type: str
    record_id: int
    label: str
    signatures: list[SignatureManifestationOut]


class DhrOut(Schema):
    work_order: DhrWorkOrderOut
    bom: DhrBomOut
    components: list[DhrComponentOut]
    operators: list[OperatorOut]
    operations: list[DhrOperationOut]
    checks: list[DhrCheckOut]
    component_scrap: list[DhrScrapOut]
    outputs: list[DhrOutputOut]
    output_items: list[OutputItemOut]
    totals: TotalsOut
    signatures: list[SignatureGroupOut]
    content_sha256: str


@router.get("/work-orders/{work_order_id}/dhr", response={200: DhrOut, **ERRORS})
@require_perm("production.view_workorder")
def get_device_history_record(request: HttpRequest, work_order_id: int) -> Any:
    """The device history record of a work order: BOM version, every component lot or serial
    with its supplier, operators, operations, checks, scrap, yield, output with UDI, status and
    release signatures, the close signature, and the SHA-256 of the record's content."""
    return dhr.device_history_record(work_order_id).as_dict()
