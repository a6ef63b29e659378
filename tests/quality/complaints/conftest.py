"""Complaint fixtures: QA people who assess and sign, a sales user who takes complaints, two
products (lot- and serial-tracked) with a lot and serials, and a qualified customer. Products and
customers come from the sales plant's fixtures (real services); lots and serials are created as
rows, as receiving them is inventory's to prove."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from mederp.catalog import services as catalog
from mederp.catalog.models import Product
from mederp.core import clock
from mederp.core.actors import Actor
from mederp.identity.models import User
from mederp.inventory.models import Lot, Serial
from mederp.partners.models import Partner
from mederp.quality.complaints import services
from mederp.quality.complaints.models import Complaint, RegulatoryReport, ReportingRule
from tests.sales import conftest as sales_fixtures
from tests.sales.conftest import GS, gs1, person, sign
from tests.signing_support import frozen_clock

make_product = sales_fixtures.make_product
make_customer = sales_fixtures.make_customer

#: What a refused complaint request must leave alone (with the kernel tables).
TABLES = (Complaint, RegulatoryReport, ReportingRule)

#: Monday 15 June 2026, 10:00 in Suzhou (02:00 UTC).
START = dt.datetime(2026, 6, 15, 2, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def clock_frozen() -> Iterator[None]:
    with frozen_clock(START):
        yield


@dataclass
class Desk:
    qa: User
    qa2: User
    seller: User
    product: Product
    serial_product: Product
    other_product: Product
    lot: Lot
    serial: Serial
    customer: Partner

    def actor(self, user: User | None = None) -> Actor:
        return Actor.for_user(user or self.qa)

    def receive(self, **kw: Any) -> Complaint:
        values: dict[str, Any] = {
            "product": self.product,
            "lot_number": self.lot.number,
            "description": "Plunger sticks halfway; dose not delivered",
            "patient_involvement": "involved",
            "channel": "phone",
        }
        values.update(kw)
        by = values.pop("by", self.seller)
        return services.receive_complaint(Actor.for_user(by), **values)

    def assess(self, complaint: Complaint, **kw: Any) -> Complaint:
        values: dict[str, Any] = {
            "reportable": True,
            "event_classes": ["serious_injury"],
            "jurisdictions": ["CN"],
            "rationale": "Injury needing medical intervention",
        }
        values.update(kw)
        return services.assess(self.actor(), complaint, **values)

    def close(self, complaint: Complaint, *, by: User | None = None, **kw: Any) -> Complaint:
        user = by or self.qa
        credentials = sign(user)
        credentials.update(kw.pop("credentials", {}))
        closed: Complaint = services.close_complaint(
            Actor.for_user(user),
            complaint.pk,
            reason=kw.pop("reason", "Investigated, corrected, reported, replied"),
            **credentials,
            **kw,
        )
        return Complaint.objects.get(pk=closed.pk)


def _lot(product: Product, number: str) -> Lot:
    return Lot.objects.create(
        product=product,
        number=number,
        expiry_date=dt.date(2028, 6, 30),
        status="released",
        created_at=clock.now(),
    )


@pytest.fixture
def desk(
    db: Any, system: Actor, make_user: Callable[..., User], make_product: Any, make_customer: Any
) -> Desk:
    catalog.create_uom(system, code="EA", name_zh="个", name_en="each")
    product = make_product()
    serial_product = make_product(tracking="serial", device_class="III")
    other = make_product()
    lot = _lot(product, "L2606A")
    _lot(other, "L-OTHER")
    serial_lot = _lot(serial_product, "S-LOT-1")
    serial = Serial.objects.create(
        product=serial_product,
        serial_number="SN0001",
        lot=serial_lot,
        status="released",
        created_at=clock.now(),
    )
    customer, _licence = make_customer()
    return Desk(
        qa=person(make_user, "qa", "qa_manager"),
        qa2=person(make_user, "qa2", "qa_manager"),
        seller=person(make_user, "seller", "sales"),
        product=product,
        serial_product=serial_product,
        other_product=other,
        lot=lot,
        serial=serial,
        customer=customer,
    )


__all__ = ["GS", "START", "TABLES", "Desk", "gs1", "sign"]
