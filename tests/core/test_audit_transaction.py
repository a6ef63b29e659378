"""The audit entry and the outbox event live and die with the change (invariants 1-3; AT-01).

A change without its audit entry, or an entry without its change, must be impossible: whatever
raises inside a service's transaction - the caller, the kernel, a missing reason - leaves no row,
no entry and no event behind.
"""

from __future__ import annotations

import json

import pytest
from django.db import transaction

from mederp.catalog import services
from mederp.catalog.models import UnitOfMeasure
from mederp.core import audit, outbox
from mederp.core.errors import ReasonRequired
from mederp.core.models import AuditEntry, OutboxEvent

pytestmark = pytest.mark.django_db


class Crash(Exception):
    """Stands for anything that fails after the service wrote: a later step, a lost process."""


def test_create_inside_a_transaction_that_then_fails_leaves_nothing(system, unchanged):
    with unchanged(UnitOfMeasure), pytest.raises(Crash), transaction.atomic():
        uom = services.create_uom(system, code="box", name_zh="盒", name_en="box")
        assert AuditEntry.objects.filter(record_id=str(uom.pk)).exists()  # written, in the txn
        assert OutboxEvent.objects.filter(aggregate_id=str(uom.pk)).exists()
        raise Crash


def test_failure_inside_the_service_after_the_audit_entry_rolls_everything_back(
    system, unchanged, monkeypatch
):
    """AT-01: the process dies between the audit entry and the event; nothing remains."""

    def dies(*args, **kwargs):
        assert AuditEntry.objects.exists()  # the row and its entry are already written
        raise Crash

    monkeypatch.setattr(outbox, "emit", dies)
    with unchanged(UnitOfMeasure), pytest.raises(Crash):
        services.create_uom(system, code="box", name_zh="盒", name_en="box")


def test_change_without_a_reason_is_refused_and_the_row_keeps_its_values(system, unchanged):
    """AT-04: the row was already saved when the audit refused; the save is rolled back too."""
    uom = services.create_uom(system, code="box", name_zh="盒", name_en="box")
    with unchanged(UnitOfMeasure), pytest.raises(ReasonRequired) as exc:
        services.change_uom(system, uom.pk, reason="   ", name_en="Box")
    assert exc.value.code == "audit.reason_required"
    uom.refresh_from_db()
    assert (uom.name_en, uom.version) == ("box", 1)
    assert AuditEntry.objects.filter(action=audit.UPDATE).count() == 0


def test_a_change_writes_one_entry_with_old_and_new_values_and_one_event(system):
    """AT-02: who, when, what record, each field's old and new value, why, the request id."""
    uom = services.create_uom(system, code="box", name_zh="盒", name_en="box")
    services.change_uom(system, uom.pk, reason="capitalise", name_en="Box", name_zh="箱")
    entry = AuditEntry.objects.get(action=audit.UPDATE)
    assert json.loads(entry.changes) == {
        "name_en": ["box", "Box"],
        "name_zh": ["盒", "箱"],
        "version": [1, 2],
    }
    assert (entry.reason, entry.actor_kind, entry.record_type, entry.record_id) == (
        "capitalise",
        "system",
        "catalog.unitofmeasure",
        str(uom.pk),
    )
    assert entry.request_id == system.request_id and entry.occurred_at.tzinfo is not None
    events = OutboxEvent.objects.filter(aggregate_id=str(uom.pk)).order_by("aggregate_seq")
    assert [e.event_type for e in events] == ["catalog.uom.created", "catalog.uom.changed"]


def test_a_change_that_changes_nothing_writes_no_entry_and_no_event(system, unchanged):
    uom = services.create_uom(system, code="box", name_zh="盒", name_en="box")
    with unchanged(UnitOfMeasure):
        services.change_uom(system, uom.pk, reason="no-op", name_en="box")
