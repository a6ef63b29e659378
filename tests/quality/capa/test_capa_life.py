"""A CAPA's life: open, root cause, actions, verification, effectiveness, closure by signature
(QE-07; ISO 13485 §8.5.2, §8.5.3)."""

from __future__ import annotations

from mederp.core.models import AuditEntry, OutboxEvent, Signature
from mederp.quality.capa.models import Capa


def events_of(capa: Capa) -> list[str]:
    return list(
        OutboxEvent.objects.filter(aggregate_type="capa.capa", aggregate_id=str(capa.pk))
        .order_by("id")
        .values_list("event_type", flat=True)
    )


def test_a_capa_goes_from_open_to_closed_by_signature(desk):
    """QE-07: problem, root cause, actions, effectiveness check and closure e-signature."""
    capa = desk.open()
    assert capa.number == "CA-2026-00001"
    assert desk.qa
    assert capa.state == "open"
    capa = desk.effective()
    assert capa.state == "verifying"
    closed = desk.close(capa)
    assert closed.state == "closed"
    assert closed.closed_at is not None
    sig = Signature.objects.get(record_type="capa.capa", record_id=str(capa.pk))
    assert (sig.meaning, sig.signer_id) == ("closed", desk.qa.pk)
    assert events_of(capa) == [
        "capa.opened",
        "capa.root_cause.recorded",
        "capa.investigation.started",
        "capa.action.added",
        "capa.implementation.started",
        "capa.action.completed",
        "capa.verification.started",
        "capa.effectiveness.checked",
        "capa.closed",
    ]
    assert AuditEntry.objects.filter(record_type="capa.capa", record_id=str(capa.pk)).count() >= 6
