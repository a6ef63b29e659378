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


def test_every_capa_record_is_audited(desk):
    """Invariant 2, AT-01: the CAPA, its actions and its links each get an audit entry."""
    capa = desk.investigated(links=[("audit", "IA-2026-02")])
    action = desk.action(capa)
    for record_type, record_id in (
        ("capa.capa", capa.pk),
        ("capa.capaaction", action.pk),
        ("capa.capalink", capa.links.get().pk),
    ):
        assert AuditEntry.objects.filter(
            record_type=record_type, record_id=str(record_id), action="create"
        ).exists(), record_type
    changes = AuditEntry.objects.filter(record_type="capa.capa", action="update").first()
    assert changes is not None and "root_cause" in changes.changes


def test_a_capa_opened_inside_a_callers_transaction_rolls_back_with_it(desk):
    """The contract: open_capa nests in the caller's transaction (an NCR service's)."""
    from django.db import transaction

    try:
        with transaction.atomic():
            desk.open()
            raise RuntimeError("the caller fails afterwards")
    except RuntimeError:
        pass
    assert not Capa.objects.exists()
    assert desk.open().number == "CA-2026-00001"  # the number was given back


def test_aging_selector_and_chart(desk):
    """The dashboard's contract: capa_aging(today) -> [{bucket, label, count, overdue}]."""
    import datetime as dt

    from mederp.quality.capa.aging_svg import aging_svg
    from mederp.quality.capa.selectors import capa_aging

    desk.open(due_date=dt.date(2026, 6, 20))
    rows = capa_aging(dt.date(2026, 9, 30))
    assert [r["bucket"] for r in rows] == ["0-30", "31-60", "61-90", "90+"]
    assert {k: rows[3][k] for k in ("count", "overdue")} == {"count": 1, "overdue": 1}
    assert sum(r["count"] for r in capa_aging(dt.date(2026, 6, 16))) == 1
    svg = str(aging_svg(rows))
    assert svg.startswith("<svg") and svg.count("<rect") == 4 + 1  # legend + one segment
    assert 'data-bucket="90+" data-count="1"' in svg
