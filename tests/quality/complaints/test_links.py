"""A complaint opens its NCR and CAPA through their services and links a recall (QE-01, QE-07,
QE-09; ISO 13485 §8.2.2)."""

from __future__ import annotations

import pytest

from mederp.core.actors import Actor
from mederp.core.errors import DomainError
from mederp.core.models import OutboxEvent
from mederp.quality.complaints import services

from .conftest import TABLES

pytestmark = pytest.mark.django_db


def test_an_ncr_is_opened_from_the_complaint_and_linked(desk):
    from mederp.quality.nonconformance.models import Nonconformance

    c = desk.assess(desk.receive())
    c = services.open_ncr_for(desk.actor(), c)
    assert c.ncr_id is not None
    ncr = Nonconformance.objects.get(pk=c.ncr_id)
    assert (ncr.source, ncr.source_id, ncr.source_ref) == ("complaint", c.pk, c.number)
    assert c.ncr_number == ncr.number and ncr.product == desk.product
    link = OutboxEvent.objects.get(event_type="complaint.linked")
    assert link.payload["kind"] == "ncr" and link.payload["ref_number"] == ncr.number


def test_a_second_ncr_is_refused(desk, unchanged):
    from mederp.quality.nonconformance.models import Nonconformance

    c = services.open_ncr_for(desk.actor(), desk.receive())
    with unchanged(*TABLES, Nonconformance), pytest.raises(DomainError) as exc:
        services.open_ncr_for(desk.actor(), c)
    assert exc.value.code == "complaints.already_linked"


def test_a_bad_quantity_opens_no_ncr(desk, unchanged):
    from mederp.quality.nonconformance.models import Nonconformance

    c = desk.receive()
    for bad in ("0", "-1", "abc", 0.5):
        with unchanged(*TABLES, Nonconformance), pytest.raises(DomainError) as exc:
            services.open_ncr_for(desk.actor(), c, quantity=bad)
        assert exc.value.code == "complaints.quantity_invalid"


def test_a_capa_is_opened_linked_to_the_complaint_and_its_ncr(desk):
    from mederp.quality.capa.models import CapaLink

    c = services.open_ncr_for(desk.actor(), desk.receive())
    c = services.open_capa_for(desk.actor(), c, title="Plunger seal tolerance")
    assert c.capa_id is not None
    links = set(CapaLink.objects.filter(capa_id=c.capa_id).values_list("kind", "ref_id"))
    assert {("complaint", c.pk), ("ncr", c.ncr_id)} <= {(k, int(i or 0)) for k, i in links}
    assert c.capa_number.startswith("CA-")


def test_a_capa_needs_a_title(desk, unchanged):
    c = desk.receive()
    with unchanged(*TABLES), pytest.raises(DomainError) as exc:
        services.open_capa_for(desk.actor(), c, title=" ")
    assert exc.value.code == "complaints.title_missing"


def test_an_unknown_recall_is_refused(desk, unchanged):
    c = desk.receive()
    with unchanged(*TABLES), pytest.raises(DomainError) as exc:
        services.link_recall(desk.actor(), c, recall_number="RC-2026-09999")
    assert exc.value.code == "complaints.recall_unknown"


def test_sales_may_not_link(desk, unchanged):
    c = desk.receive()
    with unchanged(*TABLES), pytest.raises(DomainError) as exc:
        services.link_recall(Actor.for_user(desk.seller), c, recall_number="RC-2026-00001")
    assert exc.value.code == "permission_denied"
