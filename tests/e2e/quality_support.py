"""The plant the quality journey (test_quality_journey.py) starts from, made through the services
with real time and real sign-in sessions, as tests/e2e/production_support.py does (the browser
signs with the codes its people's authenticators show now).

What is there:

- people: ``inspector`` (qc_inspector: receives and inspects), ``qa`` (qa_manager with an
  authenticator: the NCR, the CAPA, every signature in the browser), ``qa_lead`` (qa_manager
  with an authenticator: signs the master data, the plan and the order in setup), ``buyer``;
- ``supplier`` (qualified by qa_lead's signature) and ``component``, a lot-tracked needle,
  approved by qa_lead's signature;
- warehouse SZ01: SUP (supplier), QUA (quarantine), STO (storage);
- an incoming inspection plan for the component, approved by qa_lead's signature (ISO 13485
  §7.4.3): :data:`FORCE` numeric 0.20–0.70 N and :data:`VISUAL` pass/fail; sampling 1–150: 8,
  151 and up: 32;
- lot :data:`LOT` (:data:`RECEIVED` units) ordered by the buyer, approved by qa_lead, received
  into quarantine by the inspector scanning its label, which created its incoming inspection.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from mederp.catalog import services as catalog
from mederp.catalog.models import Product
from mederp.catalog.selectors import business_date
from mederp.core import workflow
from mederp.core.actors import Actor
from mederp.identity.models import User
from mederp.inventory import services as inventory
from mederp.inventory.models import Location, Lot
from mederp.partners.models import Partner
from mederp.procurement import services as procurement
from mederp.quality.inspections import services as inspections
from mederp.quality.inspections.models import Inspection, InspectionPlan
from tests.e2e.conftest import enrol_totp
from tests.e2e.production_support import GS, PASSWORD, _approved, _partner, signing
from tests.production.conftest import _product

LOT = "NDL2612X"
RECEIVED = Decimal(100)
FORCE = "穿刺力 Penetration force"
VISUAL = "外观 Visual"

PEOPLE = (
    ("inspector", ("qc_inspector",), "质检员 李强"),
    ("qa", ("qa_manager",), "质量经理 王芳"),
    ("qa_lead", ("qa_manager",), "质量负责人 吴军"),
    ("buyer", ("purchasing",), "采购员 陈刚"),
)


@dataclass
class QualityJourneyPlant:
    component: Product
    supplier: Partner
    quarantine: Location
    supplier_location: Location
    plan: InspectionPlan
    lot: Lot
    inspection: Inspection

    @staticmethod
    def user(username: str) -> User:
        return User.objects.get(username=username)


def build_plant(make_user: Callable[..., User]) -> QualityJourneyPlant:
    for username, roles, name in PEOPLE:
        make_user(username, *roles, printed_name=name)
    for username in ("qa", "qa_lead"):
        enrol_totp(username)
    system = Actor.system("e2e setup")
    lead = signing("qa_lead")
    buyer = Actor.for_user(User.objects.get(username="buyer"))
    today = business_date()

    catalog.create_uom(system, code="EA", name_zh="个", name_en="each")
    component = _approved(
        system,
        lead,
        _product(system, 31, code="NDL-23G", name_zh="注射针 23G", name_en="Needle 23G"),
    )
    supplier = _partner(system, lead, "SUP-003", "常州普通耗材有限公司", "MA1E2Q003", supplier=True)
    warehouse = inventory.create_warehouse(system, code="SZ01", name_zh="苏州仓", name_en="Suzhou")

    def place(code: str, name: str, kind: str) -> Location:
        return inventory.create_location(system, warehouse.pk, code=code, name=name, kind=kind)

    supplier_location = place("SUP", "供应商（在途）", "supplier")
    quarantine = place("QUA", "待验区", "quarantine")
    place("STO", "合格品区", "storage")

    plan = inspections.create_plan(
        lead.actor,
        product_id=component.pk,
        stage="incoming",
        title="注射针进货检验",
        characteristics=[
            {
                "name": FORCE,
                "kind": "numeric",
                "lower_limit": "0.20",
                "upper_limit": "0.70",
                "unit": "N",
                "critical": True,
            },
            {"name": VISUAL, "kind": "pass_fail"},
        ],
        sampling=[
            {"lot_size_from": "1", "lot_size_to": "150", "sample_size": "8"},
            {"lot_size_from": "151", "lot_size_to": None, "sample_size": "32"},
        ],
    )
    inspections.approve_plan(lead.actor, plan.pk, credentials=workflow.Credentials(**lead.sign()))

    made, expiry = today - dt.timedelta(days=20), today + dt.timedelta(days=1500)
    order = procurement.create_order(
        buyer,
        supplier=supplier,
        lines=[{"product": component, "quantity": str(RECEIVED), "unit_price": "0.11"}],
    )
    procurement.submit_order(buyer, order.pk)
    procurement.approve_order(lead.actor, order.pk, **lead.sign())
    procurement.record_receipt(
        Actor.for_user(User.objects.get(username="inspector")),
        order.lines.get().pk,
        quantity=str(RECEIVED),
        scan=f"01{component.gtin}10{LOT}{GS}17{expiry:%y%m%d}11{made:%y%m%d}",
        location=quarantine,
    )
    lead.sign_out()
    lot = Lot.objects.get(product=component, number=LOT)
    return QualityJourneyPlant(
        component=component,
        supplier=supplier,
        quarantine=quarantine,
        supplier_location=supplier_location,
        plan=InspectionPlan.objects.get(pk=plan.pk),
        lot=lot,
        inspection=Inspection.objects.get(lot=lot, stage="incoming"),
    )


__all__ = ["FORCE", "LOT", "PASSWORD", "RECEIVED", "VISUAL", "QualityJourneyPlant", "build_plant"]
