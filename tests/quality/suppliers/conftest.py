"""Supplier evaluation fixtures: the procurement plant (tests/procurement/conftest.py: an approved
supplier, approved products, a warehouse, QA, buyer and QC people with TOTP), a second QA
manager who drafts evaluations (the approver must be someone else), and helpers that receive
goods against approved orders so the scorecard has figures."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from mederp.core.actors import Actor
from mederp.identity.models import User
from mederp.partners.models import Partner
from mederp.procurement import services as procurement_services
from mederp.procurement.models import PurchaseOrder, Receipt
from mederp.quality.suppliers import services
from mederp.quality.suppliers.models import SupplierEvaluation
from tests.procurement import conftest as procurement
from tests.procurement.conftest import World, person, sign

clock_frozen = procurement.clock_frozen
make_product = procurement.make_product
world = procurement.world
make_order = procurement.make_order
approved_order = procurement.approved_order
make_supplier = procurement.make_supplier
send = procurement.send

TODAY = procurement.TODAY


@dataclass
class Quality:
    world: World
    author: User  # drafts evaluations (QA manager)
    approved_order: Callable[..., PurchaseOrder]

    @property
    def qa(self) -> User:
        return self.world.qa

    def receive(
        self,
        quantity: str = "100",
        *,
        accepted: str | None = None,
        supplier: Partner | None = None,
        expected: dt.date | None = TODAY,
        lot: str = "L1",
    ) -> Receipt:
        """Goods received against a new approved order (expected ``expected``)."""
        order = self.approved_order(
            (self.world.lot_product, quantity),
            supplier=supplier or self.world.supplier,
            expected_date=expected,
        )
        line = order.lines.get()
        item: dict[str, Any] = {
            "order_line": line.pk,
            "quantity": quantity,
            "lot_number": lot,
            "expiry_date": dt.date(2029, 1, 1),
        }
        if accepted is not None:
            item["accepted"] = accepted
            item["rejection_reason"] = "damaged cartons"
        return procurement_services.receive(
            Actor.for_user(self.world.inspector), order.pk, [item], location=self.world.quarantine
        )

    def evaluate(
        self, status: str = "approved", supplier: Partner | None = None, **kw: Any
    ) -> SupplierEvaluation:
        return services.create_evaluation(
            Actor.for_user(self.author),
            supplier=supplier or self.world.supplier,
            proposed_status=status,
            rationale=kw.pop("rationale", "Scorecard reviewed"),
            **kw,
        )

    def approve(self, ev: SupplierEvaluation, user: User | None = None) -> SupplierEvaluation:
        signer = user or self.qa
        result: SupplierEvaluation = services.approve_evaluation(
            Actor.for_user(signer), ev.pk, **sign(signer)
        )
        return result


@pytest.fixture
def quality(world: World, make_user: Callable[..., User], approved_order: Any) -> Quality:
    return Quality(world, person(make_user, "qa2", "qa_manager"), approved_order)
