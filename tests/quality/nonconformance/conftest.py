"""NCR fixtures: the procurement plant (tests/procurement/conftest.py: an approved supplier,
approved products, a warehouse with supplier, quarantine and storage locations, QA and QC
people with TOTP), plus a scrap location, received stock, and a QA signing session."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest

from mederp.core import clock
from mederp.core.actors import Actor
from mederp.identity.models import User, UserSession
from mederp.inventory import services as inventory
from mederp.inventory.models import Location, Lot, Move, Serial
from mederp.quality.nonconformance.models import Nonconformance, NonconformanceItem
from mederp.quality.nonconformance.services import AffectedItem, open_ncr
from tests.procurement import conftest as procurement
from tests.procurement.conftest import World, sign
from tests.signing_support import PASSWORD, code, later

clock_frozen = procurement.clock_frozen
make_product = procurement.make_product
world = procurement.world
send = procurement.send

#: What a refused NCR request must leave alone (with the kernel tables).
TABLES = (Nonconformance, NonconformanceItem, Move, Lot, Serial)


@dataclass
class Plant:
    world: World
    scrap: Location
    qa: User
    inspector: User
    receipts: list[int]

    def receive(self, quantity: str = "100", *, lot: str = "L1", serial: str | None = None) -> Any:
        """Goods received from the supplier into quarantine (inspected by QC)."""
        product = self.world.serial_product if serial else self.world.lot_product
        self.receipts.append(len(self.receipts) + 1)
        move = inventory.receive_into_quarantine(
            Actor.system("test"),
            product=product,
            quantity=Decimal(quantity),
            from_location=self.world.supplier_location,
            to_location=self.world.quarantine,
            lot_number=None if serial else lot,
            serial_number=serial,
            manufacture_date=clock.today(),
            inspector=self.inspector,
            document_id=f"T{self.receipts[-1]}",
        )
        return Serial.objects.get(pk=move.serial_id) if serial else Lot.objects.get(pk=move.lot_id)

    def release_to_storage(self, lot: Lot, quantity: str) -> Lot:
        inventory.release_lot(Actor.for_user(self.qa), lot.pk, **sign(self.qa))
        inventory.transfer(
            Actor.system("test"),
            product=lot.product_id,
            lot=lot.pk,
            quantity=Decimal(quantity),
            from_location=self.world.quarantine,
            to_location=self.world.storage,
        )
        return Lot.objects.get(pk=lot.pk)

    def open(self, *items: AffectedItem, by: User | None = None, **kw: Any) -> Nonconformance:
        fields: dict[str, Any] = {
            "source": "receipt",
            "source_id": 1,
            "source_ref": "GR00000001",
            "product": self.world.lot_product,
            "description": "Seal width below 5 mm on 3 of 20 samples",
            "items": list(items),
            "supplier": self.world.supplier,
        }
        fields.update(kw)
        return open_ncr(Actor.for_user(by or self.inspector), **fields)


@pytest.fixture
def plant(world: World, system: Actor) -> Plant:
    wh = world.quarantine.warehouse_id
    scrap = inventory.create_location(system, wh, code="SCR", name="SCR", kind="scrap")
    return Plant(world=world, scrap=scrap, qa=world.qa, inspector=world.inspector, receipts=[])


@pytest.fixture
def qa_session(plant: Plant) -> Callable[[], dict[str, Any]]:
    """``creds()``: QA's credentials in one continuous session: the first call carries the
    TOTP code, so every signature in it needs only the password afterwards (ES-09)."""
    UserSession.objects.create(
        session_key="qa-s1", user=plant.qa, created_at=clock.now(), last_seen_at=clock.now()
    )

    def creds() -> dict[str, Any]:
        later()
        return {
            "password": PASSWORD,
            "totp": code(plant.qa.secret),  # type: ignore[attr-defined]
            "session_key": "qa-s1",
        }

    return creds


@pytest.fixture
def sign_as() -> Callable[[User], dict[str, Any]]:
    """``sign_as(user)``: the password and a fresh TOTP code."""
    return sign
