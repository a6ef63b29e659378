"""``mederp demo`` (shared/DEMO.md): loads through the services with audit trail and events,
is idempotent, and gives every gate something to bite on: an expired and an expiring
registration, a supplier and a customer whose licence expired, a supplier whose scope does not
cover IVD reagents (invariant 6; CN-03, CN-04, CN-05; AT-01, AT-07)."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from mederp.catalog import selectors as catalog_selectors
from mederp.catalog.models import BillOfMaterials, Product
from mederp.compliance.trace import trace_forward
from mederp.compliance.trace_roots import roots_for
from mederp.core import chain
from mederp.core.actors import Actor
from mederp.core.errors import DomainError
from mederp.core.models import AuditEntry, OutboxEvent, Signature
from mederp.identity import securitylog
from mederp.identity.models import SecurityEvent, User, UserSession
from mederp.inventory.models import Balance, Move, TemperatureReading
from mederp.inventory.reconcile import reconcile
from mederp.partners import selectors as partner_selectors
from mederp.partners.models import Partner
from mederp.procurement import gates as procurement_gates
from mederp.procurement import services as procurement
from mederp.procurement.models import PurchaseOrder
from mederp.production.models import MaterialIssue, ProductionOutput, WorkOrder
from mederp.sales import services as sales
from mederp.sales.models import SalesOrder
from mederp.ui.demo import making, story

pytestmark = pytest.mark.django_db


def _load() -> str:
    out = io.StringIO()
    call_command("demo", stdout=out, stderr=out)
    return out.getvalue()


def _everything() -> tuple[int, ...]:
    return tuple(
        m.objects.count()
        for m in (
            AuditEntry,
            OutboxEvent,
            Signature,
            SecurityEvent,
            UserSession,
            Product,
            Partner,
            PurchaseOrder,
            SalesOrder,
            Move,
            TemperatureReading,
            BillOfMaterials,
            WorkOrder,
            MaterialIssue,
            ProductionOutput,
        )
    )


def test_demo_loads_through_the_services_with_audit_and_events():
    out = _load()
    # nine people of plant.USERS and the second QA manager the quality chapter signs with
    assert "users +10" in out and "demo:" not in out, out
    assert User.objects.filter(username__in=["admin", "qa", "auditor"]).count() == 3
    assert AuditEntry.objects.filter(record_type="catalog.product", action="create").count() == 11
    assert OutboxEvent.objects.filter(event_type="partners.partner.created").count() == 8
    assert OutboxEvent.objects.filter(event_type="procurement.receipt.recorded").count() == 4
    assert OutboxEvent.objects.filter(event_type="sales.order.shipped").count() == 2
    assert OutboxEvent.objects.filter(event_type="catalog.bom.approved").count() == 2
    assert OutboxEvent.objects.filter(event_type="production.workorder.closed").count() == 1
    assert Move.objects.count() == AuditEntry.objects.filter(record_type="inventory.move").count()
    report = chain.verify()
    assert report.ok and report.unsealed_entries == 0, report
    assert securitylog.verify() is None  # no altered security event
    assert reconcile() == []


def test_running_the_demo_twice_changes_nothing():
    _load()
    before = _everything()
    out = _load()
    assert "products +0" in out and "signatures +0" in out and "purchase_orders +0" in out
    assert "boms +0" in out and "work_orders +0" in out and "sales_orders +0" in out
    assert _everything() == before
    # the second run adds no shipment, so the needle lot's trace is what the first run made
    report = trace_forward(roots_for(making.NEEDLE_LOT))
    assert report.shipped == making.SYRINGES_SOLD and len(report.records) == 1


def test_demo_gives_the_gates_something_to_bite_on():
    _load()
    status = {
        p.code: str(catalog_selectors.registration_status(p, "CN"))
        for p in Product.objects.prefetch_related("registrations")
    }
    assert "expired" in status["THERM-E"] and "expiring" in status["IVD-AG"]
    assert "valid" in status["SYR-5ML"]

    def overall(code: str) -> str:
        partner = Partner.objects.get(code=code)
        docs = partner_selectors.partner_documents(partner)
        return str(partner_selectors.qualification_of(docs).overall)

    assert "expired" in overall("SUP-002") and "expired" in overall("CUS-005")
    assert "expiring" in overall("CUS-004") and "valid" in overall("SUP-001")


def test_the_drafts_the_demo_leaves_are_refused_naming_the_expired_licence():
    _load()
    buyer = Actor.for_user(User.objects.get(username="buyer"))
    draft = PurchaseOrder.objects.get(notes=story.PO_REFUSED)
    with pytest.raises(DomainError) as refused:
        procurement.submit_order(buyer, draft.pk)
    assert refused.value.code == "procurement.supplier_licence_expired"
    assert refused.value.details["number"] == "苏药监械经营许20180002号"

    seller = Actor.for_user(User.objects.get(username="sales"))
    order = SalesOrder.objects.get(customer_reference=story.SO_REFUSED)
    with pytest.raises(DomainError) as refused:
        sales.confirm_order(seller, order.pk)
    assert refused.value.code == "sales.customer_licence_expired"
    assert refused.value.details["number"] == "浙药监械经营许20190005号"


def test_the_narrow_scope_supplier_and_the_expired_registration_are_refused():
    _load()
    scope_only = Partner.objects.get(code="SUP-003")
    kit, syringe, thermometer = (
        Product.objects.get(code=c) for c in ("IVD-AG", "SYR-5ML", "THERM-E")
    )
    assert [p.code for p in procurement_gates.problems(scope_only, [kit], "CN")] == [
        "procurement.supplier_scope"
    ]
    assert procurement_gates.problems(scope_only, [syringe], "CN") == []
    qualified = Partner.objects.get(code="SUP-001")
    assert [p.code for p in procurement_gates.problems(qualified, [thermometer], "CN")] == [
        "procurement.registration_expired"
    ]


def test_demo_logins_are_printed():
    _load()
    out = io.StringIO()
    call_command("demo", "--logins", stdout=out)
    text = out.getvalue()
    assert "MedERP-demo-2026" in text and "auditor" in text and "127.0.0.1:8000" in text
    assert "waits in quarantine" in text and "try to submit it" in text


def test_nothing_the_demo_writes_is_dated_before_it_ran():
    """The audit chain names an entry dated well before its seal as a back-dated insertion
    (AT-07): the demo's history is written at the moment it is loaded, never antedated."""
    _load()
    first, last = (
        AuditEntry.objects.order_by(f).values_list("occurred_at", flat=True).first()
        for f in ("occurred_at", "-occurred_at")
    )
    assert first is not None and last is not None
    assert (last - first).total_seconds() < 600
    assert not Balance.objects.filter(quantity__lt=0).exists()
