"""core.workflow: declarative state machines (ES-12; AT-13 definitions are code, shown read-only).

The product approval workflow (catalog) is the registered example.
"""

from __future__ import annotations

import pytest
from django.db import transaction
from django.test import Client

from mederp.catalog import services as catalog
from mederp.catalog.models import Product
from mederp.core import workflow
from mederp.core.actors import Actor
from mederp.core.errors import DomainError
from mederp.core.models import AuditEntry, OutboxEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def product(db, system):
    catalog.create_uom(system, code="EA", name_zh="个", name_en="each")
    return catalog.create_product(
        system,
        code="P-1",
        name_zh="注射器",
        name_en="Syringe",
        gtin="06901230000010",
        uom="EA",
        tracking="lot",
        device_class="II",
        category_code="14-01",
    )


def test_a_definition_naming_an_unknown_state_is_refused_at_import():
    with pytest.raises(ValueError, match="unknown states"):
        workflow.Workflow(
            record_type="x.y",
            state_field="state",
            states=(("draft", "draft"),),
            initial="draft",
            transitions=(
                workflow.Transition("go", ("draft",), "gone", None, label="Go", event="x.gone"),
            ),
        )


def test_the_product_and_partner_workflows_are_registered():
    types = [wf.record_type for wf in workflow.workflows()]
    assert "catalog.product" in types and "partners.partner" in types


def test_a_transition_from_the_wrong_state_is_a_coded_409(product, system):
    with pytest.raises(DomainError) as exc, transaction.atomic():
        workflow.transition(system, product, "obsolete")
    assert (exc.value.code, exc.value.http_status) == ("workflow.wrong_state", 409)
    assert exc.value.details["current"] == "draft"


def test_a_signed_transition_without_a_signer_is_refused(product, system):
    with transaction.atomic():
        workflow.transition(system, product, "submit")
    with pytest.raises(DomainError) as exc, transaction.atomic():
        workflow.transition(system, product, "approve")
    assert exc.value.code == "workflow.signature_required"
    assert Product.objects.get(pk=product.pk).approval_state == "in_review"


def test_a_transition_is_audited_and_emitted_and_bumps_the_version(product, system):
    with transaction.atomic():
        workflow.transition(system, product, "submit", reason="ready")
    entry = AuditEntry.objects.get(action="transition")
    assert entry.changes == '{"approval_state":["draft","in_review"]}'
    assert entry.reason == "ready"
    event = OutboxEvent.objects.get(event_type="catalog.product.submitted")
    assert event.payload["from"] == "draft" and event.payload["to"] == "in_review"
    assert Product.objects.get(pk=product.pk).version == 2


def test_a_transition_needs_the_services_transaction(product, system):
    conn = transaction.get_connection()
    atomic = conn.in_atomic_block
    conn.in_atomic_block = False
    try:
        with pytest.raises(RuntimeError):
            workflow.transition(system, product, "submit")
    finally:
        conn.in_atomic_block = atomic


def test_a_transition_needs_its_permission(product, make_user):
    clerk = Actor.for_user(make_user("clerk", "warehouse"))
    with pytest.raises(DomainError) as exc, transaction.atomic():
        workflow.transition(clerk, product, "submit")
    assert exc.value.code == "permission_denied"


def test_available_offers_only_permitted_steps_from_the_current_state(product, make_user):
    qa = Actor.for_user(make_user("qa", "qa_manager"))
    clerk = Actor.for_user(make_user("clerk", "warehouse"))
    assert [t.name for t in workflow.available(qa, product)] == ["submit"]
    assert workflow.available(clerk, product) == []


def test_automatic_steps_are_never_offered(product, system):
    with transaction.atomic():
        workflow.transition(system, product, "submit")
    product.approval_state = "approved"
    names = [t.name for t in workflow.available(system, product)]
    assert "reopen" not in names and "obsolete" in names


def test_the_definitions_are_shown_read_only_to_auditors(make_user):
    """AT-13: an auditor sees the workflows and signing rules in force."""
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(make_user("auditor", "auditor"))
    page = client.get("/audit/workflows/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "catalog.approve_product" in text and "partners.approve_partner" in text
    assert "cannot sign as: approved." in text
    api = client.get("/api/v1/core/workflows").json()
    product = next(w for w in api if w["record_type"] == "catalog.product")
    approve = next(t for t in product["transitions"] if t["name"] == "approve")
    assert approve == {
        "name": "approve",
        "label": "Approve",
        "from": ["in_review"],
        "to": "approved",
        "permission": "catalog.approve_product",
        "signature": "approved",
        "reason_required": False,
        "automatic": False,
        "event": "catalog.product.approved",
    }
    reject = next(t for t in product["transitions"] if t["name"] == "reject")
    assert reject["reason_required"] is True


def test_the_definitions_page_is_closed_to_other_roles(make_user):
    client = Client()
    client.force_login(make_user("clerk", "warehouse"))
    assert client.get("/audit/workflows/").status_code == 403
    assert client.get("/api/v1/core/workflows").status_code == 403
