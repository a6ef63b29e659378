"""Workflow guards (``core.workflow.add_guard``; ADR 0004): one app's precondition on another
app's transition, as the quality system's disposition gate is on inventory's release. A guard
refuses before any signature is asked for and again inside the transaction; a refusal writes
nothing (invariants 1-3; 11.10(f) operational checks)."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import transaction

from mederp.catalog import services as catalog
from mederp.catalog.models import Product
from mederp.core import workflow
from mederp.core.errors import DomainError, ValidationFailed
from mederp.core.models import AuditEntry, OutboxEvent

pytestmark = pytest.mark.django_db


class NotReadyForReview(ValidationFailed):
    code = "test.not_ready"
    message = "Not ready for review."


@pytest.fixture
def guards(monkeypatch: pytest.MonkeyPatch) -> Any:
    """An empty guard registry for the test, so nothing leaks into other tests."""
    monkeypatch.setattr(workflow, "_GUARDS", {})
    return workflow


@pytest.fixture
def product(db, system):
    catalog.create_uom(system, code="EA", name_zh="个", name_en="each")
    return catalog.create_product(
        system,
        code="P-G",
        name_zh="注射器",
        name_en="Syringe",
        gtin="06901230000010",
        uom="EA",
        tracking="lot",
        device_class="II",
        category_code="14-01",
    )


def test_a_guard_refuses_the_transition_and_nothing_is_written(guards, product, system):
    seen: list[str] = []

    def refuse(actor: Any, record: Any) -> None:
        seen.append(record.approval_state)
        raise NotReadyForReview()

    guards.add_guard("catalog.product", "submit", refuse)
    audit_before, events_before = AuditEntry.objects.count(), OutboxEvent.objects.count()
    with pytest.raises(DomainError) as exc, transaction.atomic():
        workflow.transition(system, product, "submit")
    assert exc.value.code == "test.not_ready"
    assert seen == ["draft"]
    assert Product.objects.get(pk=product.pk).approval_state == "draft"
    assert (AuditEntry.objects.count(), OutboxEvent.objects.count()) == (
        audit_before,
        events_before,
    )


def test_a_guard_on_another_transition_or_record_type_is_not_consulted(guards, product, system):
    def refuse(actor: Any, record: Any) -> None:
        raise NotReadyForReview()

    guards.add_guard("catalog.product", "approve", refuse)
    guards.add_guard("partners.partner", "submit", refuse)
    with transaction.atomic():
        workflow.transition(system, product, "submit")
    assert Product.objects.get(pk=product.pk).approval_state == "in_review"


def test_adding_the_same_guard_twice_registers_it_once(guards):
    def allow(actor: Any, record: Any) -> None:
        return None

    guards.add_guard("catalog.product", "submit", allow)
    guards.add_guard("catalog.product", "submit", allow)
    assert guards.guards_of("catalog.product", "submit") == (allow,)


def test_the_disposition_gate_is_registered_on_inventorys_release_and_reject():
    """The quality system registers its gate at start-up (DispositionConfig.ready)."""
    for record_type in ("inventory.lot", "inventory.serial"):
        assert workflow.guards_of(record_type, "release")
        assert workflow.guards_of(record_type, "reject")
