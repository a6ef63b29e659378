"""Deviations (ISO 13485 §8.2.6; 21 CFR 820.80(d); 21 CFR 11.50, 11.70; ES-12): requested as a
draft with reason, justification and risk assessment, approved by QA's signature (never the
requester's), closed or cancelled with a reason; each step audited and announced; every bad
request refused with its code and nothing written."""

from __future__ import annotations

import pytest

from mederp.core.actors import Actor
from mederp.core.errors import DomainError
from mederp.core.models import AuditEntry, OutboxEvent, Signature
from mederp.quality.disposition import approval, services
from mederp.quality.disposition.models import Deviation
from tests.production.conftest import sign
from tests.quality.disposition.conftest import TABLES, make_finished

TEXTS = {
    "reason": "Release before the final inspection",
    "justification": "Validated process",
    "risk_assessment": "Low",
}


def _request(made, **kw):
    values = {"lot_id": made.lot.pk, "inspection_id": made.final.pk, **TEXTS, **kw}
    return services.request_deviation(Actor.for_user(made.plant.qa), **values)


def test_a_request_is_a_numbered_draft_audited_and_announced(made):
    d = _request(made)
    assert d.number.startswith("DV-2026-") and d.state == "draft"
    assert d.inspection_number == made.final.number and d.stage == "final"
    assert d.requested_by_name.startswith("qa")
    assert AuditEntry.objects.filter(
        record_type="disposition.deviation", record_id=str(d.pk), action="create"
    ).exists()
    event = OutboxEvent.objects.get(event_type="deviation.requested")
    assert event.payload["number"] == d.number
    assert event.payload["inspection_number"] == made.final.number
    assert event.payload["lot_number"] == "FG-001"


def test_qa_approves_by_signature_and_the_event_carries_it(made):
    d = _request(made)
    services.approve_deviation(Actor.for_user(made.plant.qa2), d.pk, **sign(made.plant.qa2))
    d.refresh_from_db()
    assert d.state == "approved" and d.approval_signature is not None
    assert d.approval_signature.meaning == "approved"
    assert d.approved_by_name.startswith("qa2")
    event = OutboxEvent.objects.get(event_type="deviation.approved")
    assert event.payload["signature_id"] == d.approval_signature_id


def test_the_requester_may_not_approve_their_own_deviation(made, unchanged):
    d = _request(made)
    with unchanged(*TABLES), pytest.raises(DomainError) as refused:
        services.approve_deviation(Actor.for_user(made.plant.qa), d.pk, **sign(made.plant.qa))
    assert refused.value.code == "signatures.sod_author_cannot_approve"
    assert Deviation.objects.get(pk=d.pk).state == "draft"


def test_someone_without_the_permission_cannot_approve(made, unchanged):
    d = _request(made)
    operator = made.plant.operator
    with unchanged(*TABLES), pytest.raises(DomainError) as refused:
        services.approve_deviation(Actor.for_user(operator), d.pk, **sign(operator))
    assert refused.value.code == "signatures.not_permitted"


def test_an_approved_deviation_cannot_be_approved_again(made, unchanged):
    d = made.deviation()
    with unchanged(*TABLES), pytest.raises(DomainError) as refused:
        services.approve_deviation(Actor.for_user(made.plant.qa2), d.pk, **sign(made.plant.qa2))
    assert refused.value.code == "workflow.wrong_state"


def test_closing_needs_a_reason_and_ends_with_who_and_why(made, unchanged):
    d = made.deviation()
    qa = Actor.for_user(made.plant.qa)
    with unchanged(*TABLES), pytest.raises(DomainError) as refused:
        services.end_deviation(qa, d.pk, approval.CLOSE, reason=" ")
    assert refused.value.code == "workflow.reason_required"
    services.end_deviation(qa, d.pk, approval.CLOSE, reason="Result arrived: pass")
    d.refresh_from_db()
    assert d.state == "closed" and d.end_reason == "Result arrived: pass" and d.ended_at
    assert OutboxEvent.objects.filter(event_type="deviation.closed").count() == 1


def test_a_draft_can_be_cancelled_but_not_closed(made):
    d = _request(made)
    qa = Actor.for_user(made.plant.qa)
    with pytest.raises(DomainError) as refused:
        services.end_deviation(qa, d.pk, approval.CLOSE, reason="x")
    assert refused.value.code == "workflow.wrong_state"
    services.end_deviation(qa, d.pk, approval.CANCEL, reason="Not needed")
    assert Deviation.objects.get(pk=d.pk).state == "cancelled"


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"lot_id": None}, "disposition.deviation_item_missing"),
        ({"serial_id": 1}, "disposition.deviation_item_missing"),  # lot and serial both
        ({"lot_id": 999999}, "disposition.deviation_item_unknown"),
        ({"inspection_id": None}, "disposition.deviation_target_missing"),
        ({"inspection_id": None, "stage": "packing"}, "disposition.deviation_stage_unknown"),
        ({"inspection_id": 999999}, "disposition.deviation_inspection_unknown"),
        ({"reason": ""}, "disposition.deviation_text_missing"),
        ({"justification": "  "}, "disposition.deviation_text_missing"),
        ({"risk_assessment": ""}, "disposition.deviation_text_missing"),
    ],
)
def test_a_bad_request_is_refused_and_writes_nothing(made, unchanged, change, code):
    with unchanged(*TABLES), pytest.raises(DomainError) as refused:
        _request(made, **change)
    assert refused.value.code == code


def test_an_inspection_of_another_lot_is_refused(production_plant, unchanged):
    p = production_plant
    first = make_finished(p, lot="FG-001")
    order = p.work_order(quantity="1", lot="FG-002")
    p.issue(order)
    p.output(order, "1")
    other = Deviation.objects.none()
    with unchanged(*TABLES), pytest.raises(DomainError) as refused:
        services.request_deviation(
            Actor.for_user(p.qa),
            lot_id=first.lot.pk,
            inspection_id=first.final.pk + 1,  # FG-002's final inspection
            **TEXTS,
        )
    assert refused.value.code == "disposition.deviation_inspection_elsewhere"
    assert not other.exists()


def test_a_completed_inspection_cannot_be_waived(made, unchanged):
    made.record(passed=False)
    with unchanged(*TABLES), pytest.raises(DomainError) as refused:
        _request(made)
    assert refused.value.code == "disposition.deviation_inspection_completed"


def test_requesting_needs_the_permission(made, unchanged):
    with unchanged(*TABLES), pytest.raises(DomainError) as refused:
        services.request_deviation(
            Actor.for_user(made.plant.operator),
            lot_id=made.lot.pk,
            inspection_id=made.final.pk,
            **TEXTS,
        )
    assert refused.value.code == "permission_denied"
    assert not Signature.objects.filter(record_type="disposition.deviation").exists()
