"""A production plant for tests: people, devices, an approved BOM, released component stock.

Other test packages (traceability, recalls, the device history record) reuse it::

    from tests.production import conftest as production_fixtures

    production_plant = production_fixtures.production_plant
    production_clock = production_fixtures.production_clock

    def test_something(production_plant):
        p = production_plant
        wo = p.work_order(release=True)
        p.issue(wo)                    # FEFO, every BOM component for the planned quantity
        p.output(wo, "5")              # good output into lot wo.output_lot_number

What is in it (:class:`ProductionPlant`):

- people, each with an enrolled authenticator: ``planner`` (production_planner), ``operator``
  and ``operator2`` (production), ``qa`` and ``qa2`` (qa_manager), ``clerk`` (warehouse);
- ``device``: a finished, lot-tracked class II device (shelf life 1095 days), approved by QA's
  signature (首营品种), with ``bom``: an approved BOM version (v1, effective today) of
  ``part`` × 2 (lot-tracked component), ``serial_part`` × 1 (serial-tracked) and
  ``material`` × 3 (untracked);
- ``serial_device``: a finished serial-tracked class III device with ``serial_bom``: ``part``
  × 1;
- ``outsider``: an approved component that is in no BOM;
- warehouse ``WH1`` with locations ``supplier`` (SUP), ``quarantine`` (QUA), ``storage``
  (A-01), ``storage2`` (A-02), ``line`` (PRD-1, kind production), ``scrap`` (SCR) and
  ``fg_quarantine`` (FG-Q, the quarantine location finished output waits in);
- :meth:`ProductionPlant.stock` receives component stock through
  ``inventory.receive_into_quarantine`` (the clerk as inspector), releases it by QA's signed
  ``release_lot``/``release_serial`` and puts it away by ``inventory.transfer``: real released
  stock in storage, as procurement would leave it.

The clock is frozen at 2026-06-15 10:00 in Shanghai (:data:`TODAY`); every signature moves it
on by a TOTP step (``tests.signing_support.later``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from tests.signing_support import PASSWORD, code, enrol_totp, frozen_clock, later

from mederp.catalog import services as catalog
from mederp.catalog.models import BillOfMaterials, Product
from mederp.catalog.rules import gtin_check_digit
from mederp.core.actors import Actor
from mederp.identity.models import User
from mederp.inventory import services as inventory
from mederp.inventory.models import Location, Lot, Move, Reservation, Serial
from mederp.production import services
from mederp.production.models import (
    ComponentScrap,
    GenealogyEdge,
    InProcessCheck,
    MaterialIssue,
    OperationRecord,
    ProductionOutput,
    WorkOrder,
)

#: The day production tests live on (the frozen clock: 10:00 in Shanghai).
TODAY = dt.date(2026, 6, 15)
#: Far enough ahead for every component lot received here.
EXPIRY = dt.date(2028, 6, 30)
#: What a refused production request must leave alone (with the kernel tables ``unchanged``
#: checks): the records, the ledger, reservations, lots and serials.
TABLES = (
    WorkOrder,
    MaterialIssue,
    ProductionOutput,
    ComponentScrap,
    OperationRecord,
    InProcessCheck,
    GenealogyEdge,
    Move,
    Reservation,
    Lot,
    Serial,
)

GS = "\x1d"


def gtin(seq: int) -> str:
    base = f"0690777{seq:06d}"
    return base + gtin_check_digit(base)


def gs1(product: Product, *, lot: str | None = None, serial: str | None = None) -> str:
    """The element string on a label: (01) GTIN, (10) lot, (21) serial, with the group
    separator after a variable-length element that is followed by another."""
    text = f"01{product.gtin}"
    if lot is not None:
        text += f"10{lot}" + (GS if serial is not None else "")
    if serial is not None:
        text += f"21{serial}"
    return text


def sign(user: User) -> dict[str, Any]:
    """The credentials of a signature by ``user`` now (a fresh TOTP step each time)."""
    later()
    return {"password": PASSWORD, "totp": code(user.secret)}  # type: ignore[attr-defined]


def person(make_user: Callable[..., User], username: str, *roles: str) -> User:
    user = make_user(username, *roles, printed_name=f"{username} 签名人")
    user.secret = enrol_totp(user)  # type: ignore[attr-defined]
    return user


@pytest.fixture
def production_clock() -> Iterator[None]:
    """Frozen at 2026-06-15 10:00 Asia/Shanghai; signatures move it on."""
    with frozen_clock(dt.datetime(2026, 6, 15, 2, 0, tzinfo=dt.UTC)):
        yield


@pytest.fixture
def without_disposition_gate(monkeypatch: pytest.MonkeyPatch) -> None:
    """Production's own defence in depth (the genealogy cycle check) sits behind a release the
    quality system's disposition gate no longer allows: an output lot of a work order still
    running (its DHR is not complete). The tests of that defence lift the guards on inventory's
    transitions (``core.workflow.add_guard``), nothing else."""
    from mederp.core import workflow

    monkeypatch.setattr(workflow, "_GUARDS", {})


@dataclass
class ProductionPlant:
    system: Actor
    planner: User
    operator: User
    operator2: User
    qa: User
    qa2: User
    clerk: User
    device: Product
    serial_device: Product
    part: Product
    serial_part: Product
    material: Product
    outsider: Product
    bom: BillOfMaterials
    serial_bom: BillOfMaterials
    supplier: Location
    quarantine: Location
    storage: Location
    storage2: Location
    line: Location
    scrap: Location
    fg_quarantine: Location

    @staticmethod
    def actor(user: User) -> Actor:
        return Actor.for_user(user)

    def stock(
        self,
        product: Product,
        lot: str | None = None,
        quantity: Any = "10",
        *,
        serials: list[str] | None = None,
        expiry: dt.date | None = EXPIRY,
        location: Location | None = None,
        release: bool = True,
        put_away: bool = True,
    ) -> Any:
        """Receive component stock into quarantine (the clerk inspects), release it by QA's
        signature and put it away in ``location`` (default A-01). Returns the lot, the list of
        serials, or None for untracked stock. ``release=False`` leaves it in quarantine."""
        units: list[str | None] = list(serials) if serials else [None]
        got: list[Move] = []
        for serial in units:
            got.append(
                inventory.receive_into_quarantine(
                    self.system,
                    product=product,
                    quantity=1 if serial else quantity,
                    from_location=self.supplier,
                    to_location=self.quarantine,
                    lot_number=lot if not serial else None,
                    serial_number=serial,
                    manufacture_date=dt.date(2026, 1, 5),
                    expiry_date=expiry,
                    inspector=self.clerk,
                    document_id="TEST-RECEIPT",
                )
            )
        if release:
            for move in got:
                if move.serial_id is not None:
                    inventory.release_serial(self.actor(self.qa2), move.serial_id, **sign(self.qa2))
                elif move.lot_id is not None and Lot.objects.get(pk=move.lot_id).status != (
                    "released"
                ):
                    inventory.release_lot(self.actor(self.qa2), move.lot_id, **sign(self.qa2))
        if release and put_away:
            for move in got:
                inventory.transfer(
                    self.system,
                    product=product,
                    quantity=move.quantity,
                    from_location=self.quarantine,
                    to_location=location or self.storage,
                    lot=move.lot_id,
                    serial=move.serial_id,
                )
        if serials:
            return [Serial.objects.get(pk=m.serial_id) for m in got]
        return Lot.objects.get(pk=got[0].lot_id) if got[0].lot_id else None

    def work_order(
        self,
        *,
        product: Product | None = None,
        quantity: Any = "5",
        lot: str = "FG-001",
        release: bool = True,
        **extra: Any,
    ) -> WorkOrder:
        """A work order by the planner (for ``device`` by default, lot FG-001), released
        unless ``release=False``."""
        order = services.create_work_order(
            self.actor(self.planner),
            product_id=(product or self.device).pk,
            planned_quantity=quantity,
            planned_start=extra.pop("planned_start", TODAY),
            production_location_id=self.line.pk,
            output_location_id=self.fg_quarantine.pk,
            output_lot_number=lot,
            **extra,
        )
        if release:
            order = services.release_work_order(self.actor(self.planner), order.pk)
        return WorkOrder.objects.get(pk=order.pk)

    def issue(self, order: WorkOrder, *, by: User | None = None, **kwargs: Any) -> Any:
        """Issue by FEFO: one component (``component=``, ``quantity=``), or every BOM line for
        the planned quantity when none is named."""
        actor = self.actor(by or self.operator)
        if "component" in kwargs or "scan" in kwargs or "lot_id" in kwargs:
            component = kwargs.pop("component", None)
            return services.issue_material(
                actor,
                order.pk,
                component_id=component.pk if component is not None else None,
                **kwargs,
            )
        issued = []
        for line in order.bom.components.select_related("component").order_by("line_no"):
            issued += services.issue_material(
                actor,
                order.pk,
                component_id=line.component_id,
                quantity=line.quantity_per_unit * order.planned_quantity,
            )
        return issued

    def output(
        self, order: WorkOrder, quantity: Any = "5", *, by: User | None = None, **kw: Any
    ) -> Any:
        actor = self.actor(by or self.operator)
        return services.report_output(actor, order.pk, quantity=quantity, **kw)

    def complete(self, order: WorkOrder) -> WorkOrder:
        return services.complete_work_order(self.actor(self.operator), order.pk)

    def close(self, order: WorkOrder, by: User | None = None, **kw: Any) -> WorkOrder:
        signer = by or self.qa
        result: WorkOrder = services.close_work_order(
            self.actor(signer), order.pk, **sign(signer), **kw
        )
        return result

    def stock_all(self, lot_qty: Any = "100", serials: int = 6) -> None:
        """Enough of every component of ``bom`` for a 5-unit work order (and a little more)."""
        self.stock(self.part, "P-L1", lot_qty)
        self.stock(self.material, None, lot_qty)
        self.stock(self.serial_part, serials=[f"SN-{i:03d}" for i in range(1, serials + 1)])


def _product(system: Actor, seq: int, **fields: Any) -> Product:
    values: dict[str, Any] = {
        "code": f"PRD-{seq:03d}",
        "name_zh": f"组件{seq}",
        "name_en": f"Component {seq}",
        "gtin": gtin(seq),
        "uom": "EA",
        "tracking": "lot",
        "device_class": "none",
        "category_code": "14-02",
        "shelf_life_days": 730,
        "specification": "",
        "manufacturer": "苏州示例医疗科技有限公司",
    }
    values.update(fields)
    product = catalog.create_product(system, **values)
    if values["device_class"] != "none":
        catalog.add_registration(
            system,
            product.pk,
            jurisdiction="CN",
            kind="registration",
            number=f"苏械注准2024214{seq:04d}",
            valid_from=dt.date(2024, 1, 1),
            valid_until=dt.date(2029, 1, 1),
            holder="苏州示例医疗科技有限公司",
        )
    return product


def _approved(system: Actor, qa: User, product: Product) -> Product:
    catalog.submit_product(system, product.pk)
    catalog.approve_product(Actor.for_user(qa), product.pk, **sign(qa))
    return Product.objects.get(pk=product.pk)


def _bom(
    planner: User, qa: User, product: Product, lines: list[tuple[Product, Any]]
) -> BillOfMaterials:
    """A BOM version drafted by the planner and approved by QA's signature (catalog's own
    services: the version is usable exactly as production will find it)."""
    actor = Actor.for_user(planner)
    bom = catalog.create_bom(actor, product_id=product.pk)
    for component, quantity in lines:
        catalog.add_component(actor, bom.pk, component_id=component.pk, quantity_per_unit=quantity)
    catalog.approve_bom(Actor.for_user(qa), bom.pk, **sign(qa))
    return BillOfMaterials.objects.get(pk=bom.pk)


@pytest.fixture
def production_plant(
    db: Any, production_clock: None, system: Actor, make_user: Callable[..., User]
) -> ProductionPlant:
    qa = person(make_user, "qa", "qa_manager")
    planner = person(make_user, "planner", "production_planner")
    catalog.create_uom(system, code="EA", name_zh="个", name_en="each")
    device = _approved(
        system,
        qa,
        _product(
            system,
            1,
            code="DEV-001",
            name_zh="一次性使用输液器",
            name_en="Infusion set",
            device_class="II",
            shelf_life_days=1095,
        ),
    )
    serial_device = _approved(
        system,
        qa,
        _product(
            system,
            2,
            code="DEV-002",
            name_zh="输液泵",
            name_en="Infusion pump",
            device_class="III",
            tracking="serial",
            shelf_life_days=None,
        ),
    )
    part = _product(system, 3, code="CMP-LOT", name_zh="针管", name_en="Barrel")
    serial_part = _product(
        system,
        4,
        code="CMP-SER",
        name_zh="控制板",
        name_en="Controller board",
        tracking="serial",
        shelf_life_days=None,
    )
    material = _product(
        system,
        5,
        code="CMP-NON",
        name_zh="包装袋",
        name_en="Pouch",
        tracking="none",
        shelf_life_days=None,
    )
    outsider = _product(system, 6, code="CMP-OUT", name_zh="其他", name_en="Other part")
    wh = inventory.create_warehouse(system, code="WH1", name_zh="一号仓", name_en="Warehouse 1")

    def loc(code_: str, kind: str) -> Location:
        return inventory.create_location(system, wh.pk, code=code_, name=code_, kind=kind)

    return ProductionPlant(
        system=system,
        planner=planner,
        operator=person(make_user, "operator", "production"),
        operator2=person(make_user, "operator2", "production"),
        qa=qa,
        qa2=person(make_user, "qa2", "qa_manager"),
        clerk=person(make_user, "clerk", "warehouse"),
        device=device,
        serial_device=serial_device,
        part=part,
        serial_part=serial_part,
        material=material,
        outsider=outsider,
        bom=_bom(planner, qa, device, [(part, "2"), (serial_part, 1), (material, "3")]),
        serial_bom=_bom(planner, qa, serial_device, [(part, 1)]),
        supplier=loc("SUP", "supplier"),
        quarantine=loc("QUA", "quarantine"),
        storage=loc("A-01", "storage"),
        storage2=loc("A-02", "storage"),
        line=loc("PRD-1", "production"),
        scrap=loc("SCR", "scrap"),
        fg_quarantine=loc("FG-Q", "quarantine"),
    )


def balance(product: Product, location: Location, lot: Lot | None = None) -> Decimal:
    from mederp.inventory import selectors

    return selectors.balance_of(product, location=location, lot=lot)


__all__ = [
    "EXPIRY",
    "GS",
    "TABLES",
    "TODAY",
    "ProductionPlant",
    "balance",
    "gs1",
    "gtin",
    "person",
    "production_clock",
    "production_plant",
    "sign",
]
