"""Fixtures for the bill-of-materials tests.

A plant in a few lines: a planner who drafts BOM versions, two QA managers who sign (each with
an enrolled authenticator), a finished lot-tracked device approved by signature (首营品种), and
components: a lot-tracked part, a serial-tracked part and an untracked material, all counted in
EA, plus a BOX unit for the wrong-unit case. Master data is made by the system actor and
approved through the real signing services.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from tests.catalog.conftest import product_fields
from tests.signing_support import PASSWORD, code, enrol_totp, frozen_clock, later

from mederp.catalog import services
from mederp.catalog.models import BillOfMaterials, BomComponent, Product, UnitOfMeasure
from mederp.core.actors import Actor
from mederp.identity.models import User

#: The frozen clock's day (10:00 in Shanghai on 2026-06-15).
TODAY = dt.date(2026, 6, 15)
#: What a refused BOM operation must leave alone (with the kernel tables ``unchanged`` checks).
TABLES = (BillOfMaterials, BomComponent)


@pytest.fixture(autouse=True)
def clock_frozen() -> Iterator[None]:
    with frozen_clock():
        yield


def person(make_user: Callable[..., User], username: str, *roles: str) -> User:
    user = make_user(username, *roles, printed_name=f"{username} 签名人")
    user.secret = enrol_totp(user)  # type: ignore[attr-defined]
    user.actor = Actor.for_user(user)  # type: ignore[attr-defined]
    return user


def sign(user: User) -> dict[str, Any]:
    """The credentials of a signature by ``user`` now (a fresh TOTP step each time)."""
    later()
    return {"password": PASSWORD, "totp": code(user.secret)}  # type: ignore[attr-defined]


@dataclass
class Plant:
    planner: User
    qa: User
    qa2: User
    device: Product
    part: Product
    serial_part: Product
    material: Product
    box: UnitOfMeasure
    system: Actor

    def approve_product(self, product: Product) -> Product:
        services.submit_product(self.system, product.pk)
        return services.approve_product(self.qa.actor, product.pk, **sign(self.qa))  # type: ignore[attr-defined]

    def product(self, seq: int, *, approve: bool = False, **fields: Any) -> Product:
        made = services.create_product(self.system, **product_fields(seq, **fields))
        return self.approve_product(made) if approve else made

    def draft(self, product: Product | None = None, **kwargs: Any) -> BillOfMaterials:
        """A draft version by the planner with the lot part ×2 and the serial part ×1."""
        bom = services.create_bom(
            self.planner.actor,  # type: ignore[attr-defined]
            product_id=(product or self.device).pk,
            **kwargs,
        )
        if "copy_from_id" not in kwargs:
            self.add(bom, self.part, "2")
            self.add(bom, self.serial_part, 1)
        return bom

    def add(self, bom: BillOfMaterials, component: Product, quantity: Any) -> BomComponent:
        return services.add_component(
            self.planner.actor,  # type: ignore[attr-defined]
            bom.pk,
            component_id=component.pk,
            quantity_per_unit=quantity,
        )

    def approve(
        self, bom: BillOfMaterials, by: User | None = None, **kwargs: Any
    ) -> BillOfMaterials:
        signer = by or self.qa
        return services.approve_bom(signer.actor, bom.pk, **sign(signer), **kwargs)  # type: ignore[attr-defined]

    def obsolete(self, bom: BillOfMaterials, reason: str = "superseded by v2") -> BillOfMaterials:
        return services.obsolete_bom(self.qa.actor, bom.pk, reason=reason, **sign(self.qa))  # type: ignore[attr-defined]


@pytest.fixture
def plant(ea: UnitOfMeasure, make_user: Callable[..., User], system: Actor) -> Plant:
    box = services.create_uom(system, code="BOX", name_zh="盒", name_en="box")
    qa = person(make_user, "qa", "qa_manager")
    world = Plant(
        planner=person(make_user, "planner", "production_planner"),
        qa=qa,
        qa2=person(make_user, "qa2", "qa_manager"),
        device=services.create_product(system, **product_fields(1)),
        part=services.create_product(
            system,
            **product_fields(2, name_zh="针管", name_en="Barrel", device_class="none"),
        ),
        serial_part=services.create_product(
            system,
            **product_fields(
                3, name_zh="控制器", name_en="Controller", device_class="none", tracking="serial"
            ),
        ),
        material=services.create_product(
            system,
            **product_fields(
                4, name_zh="包装袋", name_en="Pouch", device_class="none", tracking="none"
            ),
        ),
        box=box,
        system=system,
    )
    world.device = world.approve_product(world.device)
    return world
