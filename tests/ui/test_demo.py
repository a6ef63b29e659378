"""``mederp demo`` (shared/DEMO.md): loads through the services, is idempotent, and gives every
gate something to bite on (an expired and an expiring registration, unqualified partners)."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from mederp.catalog import selectors as catalog_selectors
from mederp.catalog.models import Product
from mederp.core import chain
from mederp.core.models import AuditEntry, OutboxEvent
from mederp.identity.models import User
from mederp.partners import selectors as partner_selectors
from mederp.partners.models import Partner

pytestmark = pytest.mark.django_db


def _load() -> str:
    out = io.StringIO()
    call_command("demo", stdout=out)
    return out.getvalue()


def test_demo_loads_through_the_services_with_audit_and_events():
    assert "users +8" in _load()
    assert User.objects.filter(username__in=["admin", "qa", "auditor"]).count() == 3
    assert AuditEntry.objects.filter(record_type="catalog.product", action="create").count() == 10
    assert OutboxEvent.objects.filter(event_type="partners.partner.created").count() == 8
    chain.seal()
    assert chain.verify().ok


def test_running_the_demo_twice_changes_nothing():
    _load()
    before = (AuditEntry.objects.count(), OutboxEvent.objects.count(), Product.objects.count())
    assert "products +0" in _load()
    assert (AuditEntry.objects.count(), OutboxEvent.objects.count(), Product.objects.count()) == (
        before
    )


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


def test_demo_logins_are_printed():
    out = io.StringIO()
    call_command("demo", "--logins", stdout=out)
    text = out.getvalue()
    assert "MedERP-demo-2026" in text and "auditor" in text and "127.0.0.1:8000" in text
