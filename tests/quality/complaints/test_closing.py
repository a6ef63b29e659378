"""Investigation and closing by signature (820.35(a); 11.50, 11.70; QE-02): refused while a
regulatory report is not submitted or no investigation or justification is recorded."""

from __future__ import annotations

import pytest

from mederp.core.actors import Actor
from mederp.core.errors import DomainError
from mederp.core.models import OutboxEvent, Signature
from mederp.quality.complaints import services
from mederp.quality.complaints.models import RegulatoryReport

from .conftest import TABLES

pytestmark = pytest.mark.django_db


def _submit_all(desk, c):
    for r in RegulatoryReport.objects.filter(complaint=c):
        services.record_submission(desk.actor(), c, r.pk, authority_reference="REF-1")


def test_recording_the_investigation_moves_the_complaint_to_investigating(desk):
    c = desk.assess(desk.receive())
    c = services.record_investigation(
        desk.actor(), c, investigation="Plunger seal out of tolerance (lot sample)", reply="Sent"
    )
    assert c.state == "investigating" and c.reply == "Sent"
    types = list(OutboxEvent.objects.values_list("event_type", flat=True))
    assert "complaint.updated" in types and "complaint.investigated" in types


def test_the_investigation_needs_the_assessment_first(desk, unchanged):
    c = desk.receive()
    with unchanged(*TABLES), pytest.raises(DomainError) as exc:
        services.record_investigation(desk.actor(), c, investigation="x")
    assert exc.value.code == "complaints.not_assessed"


def test_a_complaint_closes_by_signature_once_reported_and_investigated(desk):
    c = desk.assess(desk.receive())
    _submit_all(desk, c)
    services.record_investigation(
        desk.actor(), c, investigation="Root cause found", correction="Lot held"
    )
    closed = desk.close(c)
    assert closed.state == "closed" and closed.closed_at is not None
    sig = Signature.objects.get(pk=closed.close_signature_id)
    assert sig.meaning == "closed" and sig.record_type == "complaints.complaint"
    assert OutboxEvent.objects.filter(event_type="complaint.closed").count() == 1


def test_a_justification_for_no_investigation_closes_from_assessed(desk):
    c = desk.assess(desk.receive(), reportable=False, rationale="Packaging dent, no harm possible")
    services.record_investigation(
        desk.actor(), c, no_investigation_justification="Same cause as CP-2026-00000, known"
    )
    c.refresh_from_db()
    assert c.state == "assessed"
    assert desk.close(c).state == "closed"


def test_closing_is_refused_while_a_report_is_not_submitted(desk, unchanged):
    c = desk.assess(desk.receive(), event_classes=["death"], jurisdictions=["CN", "US"])
    services.record_investigation(desk.actor(), c, investigation="Done")
    first = RegulatoryReport.objects.filter(complaint=c).order_by("due_at")[0]
    services.record_submission(desk.actor(), c, first.pk)
    with unchanged(*TABLES, Signature), pytest.raises(DomainError) as exc:
        desk.close(c)
    assert exc.value.code == "complaints.reports_outstanding"
    assert exc.value.details["count"] == 1 and "FDA-MDR-30D-DEATH" in exc.value.details["reports"]


def test_closing_is_refused_without_investigation_or_justification(desk, unchanged):
    c = desk.assess(desk.receive())
    _submit_all(desk, c)
    with unchanged(*TABLES, Signature), pytest.raises(DomainError) as exc:
        desk.close(c)
    assert exc.value.code == "complaints.investigation_missing"


def test_an_open_complaint_cannot_be_closed(desk, unchanged):
    c = desk.receive()
    with unchanged(*TABLES, Signature), pytest.raises(DomainError) as exc:
        desk.close(c)
    assert exc.value.code == "workflow.wrong_state"


def test_a_wrong_password_closes_nothing(desk, unchanged):
    c = desk.assess(desk.receive(), reportable=False, rationale="No harm")
    services.record_investigation(desk.actor(), c, investigation="Done")
    with unchanged(Signature), pytest.raises(DomainError) as exc:
        desk.close(c, credentials={"password": "wrong"})
    assert exc.value.code.startswith("identity.")
    c.refresh_from_db()
    assert c.state == "investigating" and c.closed_at is None


def test_closing_needs_a_reason_and_the_permission(desk, unchanged):
    c = desk.assess(desk.receive(), reportable=False, rationale="No harm")
    services.record_investigation(desk.actor(), c, investigation="Done")
    with unchanged(Signature), pytest.raises(DomainError) as exc:
        desk.close(c, reason=" ")
    assert exc.value.code == "workflow.reason_required"
    with unchanged(Signature), pytest.raises(DomainError) as exc:
        desk.close(c, by=desk.seller)
    assert exc.value.code in {"permission_denied", "signatures.not_permitted"}


def test_a_closed_complaint_no_longer_changes(desk, unchanged):
    c = desk.assess(desk.receive(), reportable=False, rationale="No harm")
    services.record_investigation(desk.actor(), c, investigation="Done")
    desk.close(c)
    with unchanged(*TABLES), pytest.raises(DomainError) as exc:
        services.record_investigation(desk.actor(), c, reply="Late reply")
    assert exc.value.code == "complaints.closed"
    with unchanged(*TABLES), pytest.raises(DomainError) as exc:
        services.link_recall(Actor.for_user(desk.qa), c, recall_number="RC-2026-00001")
    assert exc.value.code in {"complaints.closed", "complaints.recall_unknown"}
