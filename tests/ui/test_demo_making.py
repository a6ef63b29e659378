"""The demo plant makes things (shared/DEMO.md "Stock and history": a completed work order for
syringes and one for stents, so that the trace from a needle lot reaches hospitals), through the
services by the people who would do it: components approved (首营) and bought; BOM versions
drafted by the planner and approved by qa's signature (CM-01); work orders planned and released
by the planner, components issued by prod scanning their labels, an operation and an in-process
check recorded, output reported into quarantine (21 CFR 820.184); the syringe lot released by
qa, not by prod who reported it (TR-04), its work order closed by qa's "reviewed" signature on
the device history record; made syringes shipped to a hospital, so the forward trace from the
needle lot reaches it (TR-01, RC-04)."""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

import pytest
from django.core.management import call_command

from mederp.catalog.models import BillOfMaterials, Product
from mederp.compliance.trace import trace_forward
from mederp.compliance.trace_roots import roots_for
from mederp.core import signatures
from mederp.core.models import AuditEntry, Signature
from mederp.identity.models import User
from mederp.inventory.models import Balance, Lot, Serial
from mederp.production.models import (
    InProcessCheck,
    MaterialIssue,
    OperationRecord,
    ProductionOutput,
    WorkOrder,
)
from mederp.sales.models import DistributionRecord, SalesOrder
from mederp.ui.demo import making, plant

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def loaded() -> None:
    out = io.StringIO()
    call_command("demo", stdout=out, stderr=out)
    assert "demo:" not in out.getvalue(), out.getvalue()


def signer_of(record: Any, meaning: str) -> str:
    """Who signed ``record`` with ``meaning`` (its record type is its model's label)."""
    found = Signature.objects.get(
        record_type=record._meta.label_lower, record_id=str(record.pk), meaning=meaning
    )
    return found.signer.username


def test_the_needle_lots_forward_trace_reaches_a_hospital():
    """TR-01 / RC-04: needle lot → the syringe work order → the made lot → the hospital."""
    report = trace_forward(roots_for(making.NEEDLE_LOT))
    assert [(c.customer_code, c.customer_name) for c in report.consignees] == [
        ("CUS-002", "苏州大学附属第二医院")
    ]
    assert report.shipped == making.SYRINGES_SOLD
    assert {r.lot_number for r in report.records} == {making.SYRINGE_LOT}
    (order,) = report.work_orders
    assert order.number == WorkOrder.objects.get(output_lot_number=making.SYRINGE_LOT).number


def test_components_were_approved_but_one_waits_in_review_for_qa():
    components = Product.objects.filter(device_class="none")
    waiting = components.get(approval_state="in_review")
    assert waiting.code == plant.COMPONENT_IN_REVIEW
    assert not signatures.signatures_for(waiting)
    for component in components.exclude(pk=waiting.pk):
        assert component.approval_state == "approved"
        (signed,) = signatures.signatures_for(component)
        assert signed.signature.signer_username == "qa"
    needles = Lot.objects.get(number=making.NEEDLE_LOT)
    assert needles.status == "released" and needles.inspected_by.username == "qc"


def test_the_planner_drafted_the_boms_and_qa_approved_them():
    lines = {
        bom.product.code: sorted(
            (c.component.code, c.quantity_per_unit) for c in bom.components.all()
        )
        for bom in BillOfMaterials.objects.select_related("product")
    }
    assert lines == {
        "SYR-5ML": [("CMP-BARREL", 1), ("CMP-NEEDLE", 1), ("CMP-PLUNGER", 1)],
        "STENT-DES": [("CMP-DRUG", 1), ("CMP-TUBE", 1)],
    }
    for bom in BillOfMaterials.objects.all():
        assert bom.state == "approved" and signer_of(bom, "approved") == "qa"
        created = AuditEntry.objects.get(
            record_type="catalog.billofmaterials", record_id=str(bom.pk), action="create"
        )
        assert created.actor_id == User.objects.get(username="planner").pk


def test_syringes_were_made_released_by_qa_and_their_work_order_closed_by_qa():
    order = WorkOrder.objects.get(output_lot_number=making.SYRINGE_LOT)
    assert order.state == "closed" and signer_of(order, "reviewed") == "qa"
    issues = MaterialIssue.objects.filter(work_order=order)
    assert sorted(issues.values_list("product__code", "quantity")) == [
        ("CMP-BARREL", Decimal(500)),
        ("CMP-NEEDLE", Decimal(500)),
        ("CMP-PLUNGER", Decimal(500)),
    ]
    for issue in issues:
        assert issue.method == "scan" and issue.scan_raw.startswith("01")
        assert issue.operator.username == "prod"
    assert OperationRecord.objects.filter(work_order=order, operator__username="prod").exists()
    assert InProcessCheck.objects.get(work_order=order).result == "pass"
    (output,) = ProductionOutput.objects.filter(work_order=order)
    assert output.kind == "good" and output.quantity == making.SYRINGES_MADE
    lot = output.lot
    assert lot.status == "released" and lot.inspected_by.username == "prod"
    assert signer_of(lot, "released") == "qa"
    on_shelf = Balance.objects.filter(lot=lot, location__code="STO").get().quantity
    assert on_shelf == making.SYRINGES_MADE - making.SYRINGES_SOLD


def test_the_stents_wait_for_qa_their_work_order_completed_not_closed():
    order = WorkOrder.objects.get(output_lot_number=making.STENT_LOT)
    assert order.state == "completed" and not Signature.objects.filter(
        record_type="production.workorder", record_id=str(order.pk)
    )
    made = Serial.objects.filter(product__code="STENT-DES", lot__number=making.STENT_LOT)
    assert sorted(made.values_list("serial_number", "status")) == [
        (s, "quarantine") for s in making.STENT_SERIALS
    ]
    out = io.StringIO()
    call_command("demo", "--logins", stdout=out)
    assert f"Work order {order.number} (STENT-DES) is completed" in out.getvalue()


def test_the_hospital_that_takes_only_long_dated_stock_got_the_made_syringes():
    """FEFO passed over the bought lots, too short-dated for the customer (TR-06)."""
    order = SalesOrder.objects.get(customer_reference=making.SO_MADE)
    assert order.status == "shipped" and signer_of(order, "reviewed") == "qa"
    (record,) = DistributionRecord.objects.filter(order=order)
    assert (record.lot_number, record.quantity) == (making.SYRINGE_LOT, making.SYRINGES_SOLD)
