"""``mederp demo``'s quality chapter (:mod:`mederp.ui.demo.quality`): approved inspection plans,
an incoming inspection passed and one failed with its NCR returned to the supplier, a CAPA
implementing with an action due, a reportable complaint with its NMPA deadline open, and
supplier evaluations approved by a second QA manager (issue 6; QE-01, QE-05, QE-07; CN-21;
ISO 13485 §7.4.1, §7.4.3, §8.3, §8.5.2)."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.management import call_command

from mederp.catalog.selectors import business_date
from mederp.core.models import Signature
from mederp.inventory.models import Balance, Lot, Move
from mederp.partners.models import Partner
from mederp.quality.capa import selectors as capa_selectors
from mederp.quality.capa.models import Capa
from mederp.quality.complaints.models import Complaint, RegulatoryReport
from mederp.quality.inspections.models import Inspection, InspectionPlan
from mederp.quality.nonconformance.models import Nonconformance
from mederp.quality.suppliers.models import SupplierEvaluation
from mederp.ui.demo import making, quality

pytestmark = pytest.mark.django_db


def _load() -> str:
    out = io.StringIO()
    call_command("demo", stdout=out, stderr=out)
    return out.getvalue()


def test_the_quality_chapter_leaves_plans_inspections_an_ncr_returned_and_its_capa():
    """QE-01, QE-07; ISO 13485 §7.4.3, §8.3, §8.5.2: every earlier release passed the
    disposition gate (no chapter refused), the plans are approved by signature, one needle lot
    passed and is on the shelf, the other failed, its NCR returned it to the supplier (lot
    rejected, stock moved to the supplier location) and a CAPA implements the correction."""
    out = _load()
    assert "not loaded" not in out, out

    for code, stage in (("CMP-NEEDLE", "incoming"), ("SYR-5ML", "final")):
        plan = InspectionPlan.objects.get(product__code=code, stage=stage)
        assert plan.state == "approved"
        assert Signature.objects.filter(
            record_type="inspections.inspectionplan", record_id=str(plan.pk), meaning="approved"
        ).exists()

    passed = Inspection.objects.get(lot__number=quality.NEEDLES_PASSED)
    failed = Inspection.objects.get(lot__number=quality.NEEDLES_FAILED)
    assert (passed.state, passed.result, passed.ncr_id) == ("completed", "pass", None)
    assert (failed.state, failed.result) == ("completed", "fail")
    assert Lot.objects.get(number=quality.NEEDLES_PASSED).status == "released"
    on_shelf = Balance.objects.get(lot__number=quality.NEEDLES_PASSED, location__code="STO")
    assert on_shelf.quantity == Decimal(500)

    assert failed.ncr_id is not None
    ncr = Nonconformance.objects.get(pk=failed.ncr_id)
    assert (ncr.source, ncr.source_ref) == ("inspection", failed.number)
    assert (ncr.state, ncr.disposition) == ("dispositioned", "return_to_supplier")
    assert ncr.supplier is not None and ncr.supplier.code == quality.NEEDLE_SUPPLIER
    assert ncr.investigation and ncr.return_reference == quality.RETURN_REFERENCE
    assert Lot.objects.get(number=quality.NEEDLES_FAILED).status == "rejected"
    returned = Move.objects.get(
        lot__number=quality.NEEDLES_FAILED, document_type="nonconformance.disposition"
    )
    assert returned.to_location.kind == "supplier" and returned.quantity == Decimal(500)
    assert not Balance.objects.filter(
        lot__number=quality.NEEDLES_FAILED, quantity__gt=0, location__kind="quarantine"
    ).exists()

    capa = Capa.objects.get(links__kind="ncr", links__ref_id=ncr.pk)
    assert capa.state == "implementing" and capa.root_cause
    today = business_date()
    late = capa_selectors.overdue_actions(today + dt.timedelta(days=1)).filter(capa=capa)
    assert late.count() == 1 and late.get().owner.username == "buyer"
    assert not capa_selectors.overdue_actions(today).filter(capa=capa).exists()


def test_the_quality_chapter_leaves_a_reportable_complaint_and_supplier_statuses():
    """QE-05: the hospital's complaint about the shipped syringe lot is assessed a serious
    injury in China, its NMPA report due 20 days after awareness and not yet submitted; CN-21:
    each evaluation was drafted by qa and approved by qa2 (not its author), setting SUP-001
    approved and SUP-003 conditional."""
    _load()
    complaint = Complaint.objects.get(description=quality.COMPLAINT_TEXT)
    assert complaint.customer is not None and complaint.customer.code == "CUS-002"
    assert complaint.lot is not None and complaint.lot.number == making.SYRINGE_LOT
    assert (complaint.state, complaint.reportable) == ("assessed", True)
    report = RegulatoryReport.objects.get(complaint=complaint)
    assert report.jurisdiction == "CN" and report.submitted_at is None
    assert report.due_at - complaint.received_at == dt.timedelta(days=20)

    suppliers = Partner.objects.filter(code__in=["SUP-001", "SUP-003"])
    statuses = dict(suppliers.values_list("code", "status"))
    assert statuses == {"SUP-001": "approved", "SUP-003": "conditional"}
    for ev in SupplierEvaluation.objects.select_related("supplier"):
        assert ev.state == "approved" and ev.created_by_name.startswith("质量经理")
        signed = Signature.objects.get(
            record_type="supplier_quality.supplierevaluation", record_id=str(ev.pk)
        )
        assert signed.signer.username == "qa2"
