"""Supplier evaluation: the scorecard from receipts, inspections, NCRs and delivery dates; the
draft; its approval by another QA manager's signature setting the supplier's status (ISO 13485
§7.4.1; CN-21; 生产办法 第三十一条; 21 CFR 11.50, 11.70; ES-12)."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest

from mederp.core import clock
from mederp.core.actors import Actor
from mederp.core.errors import DomainError
from mederp.core.models import AuditEntry, OutboxEvent, Signature
from mederp.partners import services as partners
from mederp.partners.models import Partner
from mederp.quality.nonconformance.services import open_ncr
from mederp.quality.suppliers import selectors, services
from mederp.quality.suppliers.models import SupplierEvaluation
from tests.procurement.conftest import sign

from .conftest import TODAY

TABLES = (SupplierEvaluation, Partner, Signature)


def refused(unchanged, fn, *args, **kwargs) -> DomainError:
    with unchanged(*TABLES), pytest.raises(DomainError) as caught:
        fn(*args, **kwargs)
    return caught.value


def test_the_scorecard_counts_acceptance_rejections_and_on_time_delivery(quality):
    """CN-21: acceptance results from receipts, on-time delivery against the expected date."""
    quality.receive("100")
    quality.receive("100", accepted="80", lot="L2")
    quality.receive("50", expected=TODAY - dt.timedelta(days=3), lot="L3")  # late
    quality.receive("10", expected=None, lot="L4")  # no date: not a delivery either way
    start, end = selectors.default_period()
    f = selectors.figures_of(quality.world.supplier.pk, start, end)
    assert (f.receipt_lines, f.quantity_received, f.quantity_accepted) == (4, 260, 240)
    assert f.lines_rejected == 1
    assert (f.deliveries, f.deliveries_on_time) == (3, 2)


def test_the_scorecard_counts_ncrs_against_the_supplier(quality):
    quality.receive("100")
    open_ncr(
        Actor.for_user(quality.qa),
        source="receipt",
        source_id=None,
        source_ref="R1",
        product=quality.world.lot_product,
        description="Cracked barrels",
        items=[],
        supplier=quality.world.supplier,
    )
    card = selectors.scorecards(*selectors.default_period())[0]
    assert card.supplier == quality.world.supplier
    assert card.figures.ncrs == 1
    assert card.components["ncr"] == Decimal("0.7500")


def test_receipts_outside_the_period_do_not_count(quality):
    quality.receive("100")
    f = selectors.figures_of(
        quality.world.supplier.pk, TODAY - dt.timedelta(days=30), TODAY - dt.timedelta(days=1)
    )
    assert f.empty


def test_a_draft_snapshots_the_scorecard_with_a_number_audit_and_event(quality):
    quality.receive("100", accepted="90")
    ev = quality.evaluate("conditional", rationale="10 % rejected at receiving")
    assert ev.number == f"SE-{TODAY.year}-00001"
    assert ev.state == "draft"
    assert (ev.period_start, ev.period_end) == (TODAY - dt.timedelta(days=364), TODAY)
    assert (ev.receipt_lines, ev.quantity_received, ev.quantity_accepted) == (1, 100, 90)
    # (0.9 x 35 + 1 x 20 + 1 x 20) / 75: no inspection in the period
    assert ev.score == Decimal("95.3")
    assert ev.suggested_status == "approved"
    assert ev.proposed_status == "conditional"
    assert AuditEntry.objects.filter(
        record_type="supplier_quality.supplierevaluation", record_id=str(ev.pk), action="create"
    ).exists()
    event = OutboxEvent.objects.get(event_type="supplier.evaluation.drafted")
    assert event.payload["number"] == ev.number and event.payload["score"] == "95.3"


def test_approval_by_another_qa_sets_the_supplier_status_in_the_same_transaction(quality):
    """CN-21: the signed decision is the supplier's status; the purchase gate reads it."""
    quality.receive("100", accepted="40")
    ev = quality.evaluate("disqualified", rationale="60 % rejected")
    ev = quality.approve(ev)
    assert ev.state == "approved" and ev.approved_at == clock.now()
    supplier = Partner.objects.get(pk=quality.world.supplier.pk)
    assert (supplier.status, supplier.status_evaluation) == ("blocked", ev.number)
    assert supplier.qualification_state == "approved"  # the 首营 approval still holds
    sig = Signature.objects.get(record_type="supplier_quality.supplierevaluation")
    assert sig.meaning == "approved" and sig.signer_id == quality.qa.pk
    changed = OutboxEvent.objects.get(event_type="supplier.status.changed")
    assert changed.payload["from"] == "conditional" and changed.payload["to"] == "blocked"
    assert changed.payload["evaluation"] == ev.number
    assert OutboxEvent.objects.filter(
        event_type="supplier.evaluated", aggregate_id=str(ev.pk)
    ).exists()
    entry = AuditEntry.objects.filter(
        record_type="partners.partner", record_id=str(supplier.pk)
    ).latest("id")
    assert json.loads(entry.changes)["status"] == ["conditional", "blocked"]
    assert ev.number in entry.reason


def test_the_author_cannot_approve_their_own_evaluation(quality, unchanged):
    """Segregation of duties (ES-12; invariant 9)."""
    quality.receive("100")
    ev = quality.evaluate("approved")
    creds = sign(quality.author)
    exc = refused(
        unchanged, services.approve_evaluation, Actor.for_user(quality.author), ev.pk, **creds
    )
    assert exc.code == "signatures.sod_author_cannot_approve"
    assert SupplierEvaluation.objects.get(pk=ev.pk).state == "draft"


def test_an_approved_evaluation_cannot_be_approved_again(quality, unchanged):
    quality.receive("100")
    ev = quality.approve(quality.evaluate("approved"))
    creds = sign(quality.qa)
    exc = refused(
        unchanged, services.approve_evaluation, Actor.for_user(quality.qa), ev.pk, **creds
    )
    assert exc.code == "workflow.wrong_state"


def test_a_wrong_password_changes_nothing(quality, unchanged):
    quality.receive("100")
    ev = quality.evaluate("disqualified")
    with unchanged(SupplierEvaluation, Signature), pytest.raises(DomainError):
        services.approve_evaluation(
            Actor.for_user(quality.qa), ev.pk, password="wrong", totp="000000"
        )
    assert Partner.objects.get(pk=quality.world.supplier.pk).status == "conditional"


def test_a_buyer_may_not_draft_an_evaluation(quality, unchanged):
    quality.receive("100")
    exc = refused(
        unchanged,
        services.create_evaluation,
        Actor.for_user(quality.world.buyer),
        supplier=quality.world.supplier,
        proposed_status="approved",
        rationale="x",
    )
    assert exc.code == "permission_denied"


@pytest.mark.parametrize(
    ("kw", "code_"),
    [
        ({"proposed_status": "blocked"}, "supplier_quality.status_invalid"),
        ({"rationale": "  "}, "supplier_quality.rationale_required"),
        (
            {"period_start": TODAY, "period_end": TODAY - dt.timedelta(days=1)},
            "supplier_quality.period_invalid",
        ),
        ({"period_end": TODAY + dt.timedelta(days=1)}, "supplier_quality.period_in_future"),
        (
            {
                "period_start": TODAY - dt.timedelta(days=9),
                "period_end": TODAY - dt.timedelta(days=1),
            },
            "supplier_quality.nothing_to_evaluate",
        ),
    ],
)
def test_bad_drafts_are_refused_and_write_nothing(quality, unchanged, kw, code_):
    quality.receive("100")
    body = {
        "supplier": quality.world.supplier,
        "proposed_status": "approved",
        "rationale": "ok",
        **kw,
    }
    exc = refused(unchanged, services.create_evaluation, Actor.for_user(quality.author), **body)
    assert exc.code == code_


def test_a_customer_is_not_evaluated_as_a_supplier(quality, unchanged, system):
    customer = partners.create_partner(
        system, code="CUS-1", name="医院", is_supplier=False, is_customer=True, country="HK"
    )
    exc = refused(
        unchanged,
        services.create_evaluation,
        Actor.for_user(quality.author),
        supplier=customer,
        proposed_status="approved",
        rationale="x",
    )
    assert exc.code == "supplier_quality.not_a_supplier"


def test_set_supplier_status_refuses_an_unknown_status_and_a_missing_reason(quality, unchanged):
    qa = Actor.for_user(quality.qa)
    supplier = quality.world.supplier
    exc = refused(
        unchanged,
        partners.set_supplier_status,
        qa,
        supplier,
        "banned",
        reason="x",
        evaluation_ref="SE-1",
    )
    assert exc.code == "partners.supplier_status_invalid"
    exc = refused(
        unchanged,
        partners.set_supplier_status,
        qa,
        supplier,
        "approved",
        reason=" ",
        evaluation_ref="SE-1",
    )
    assert exc.code == "partners.status_reason_required"
    buyer = Actor.for_user(quality.world.buyer)
    exc = refused(
        unchanged,
        partners.set_supplier_status,
        buyer,
        supplier,
        "approved",
        reason="x",
        evaluation_ref="",
    )
    assert exc.code == "permission_denied"
