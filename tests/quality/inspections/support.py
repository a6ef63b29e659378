"""Helpers of the inspection tests: plans drafted and approved by QA's signature, receipts,
result sets (ISO 13485 §7.4.3, §8.2.6)."""

from __future__ import annotations

from typing import Any

from mederp.catalog.models import Product
from mederp.core import workflow
from mederp.core.actors import Actor
from mederp.identity.models import User
from mederp.procurement import services as procurement
from mederp.quality.inspections import services
from mederp.quality.inspections.models import Inspection, InspectionPlan, InspectionResult
from tests.signing_support import PASSWORD, code, later

#: What a refused inspection request must leave alone (with the kernel tables).
TABLES = (InspectionPlan, Inspection, InspectionResult)

#: A plan of three characteristics: a diameter 4.9..5.1 mm, a visual check and a note.
CHARACTERISTICS: list[dict[str, Any]] = [
    {
        "name": "Outer diameter",
        "kind": "numeric",
        "lower_limit": "4.9",
        "upper_limit": "5.1",
        "unit": "mm",
        "critical": True,
    },
    {"name": "Visual inspection", "kind": "pass_fail"},
    {"name": "Packaging note", "kind": "text"},
]
#: Up to 50 units: 5; 51..500: 20; above: 50.
SAMPLING: list[dict[str, Any]] = [
    {"lot_size_from": "1", "lot_size_to": "50", "sample_size": "5"},
    {"lot_size_from": "51", "lot_size_to": "500", "sample_size": "20"},
    {"lot_size_from": "501", "lot_size_to": None, "sample_size": "50"},
]


def credentials(user: User) -> workflow.Credentials:
    """A fresh signature by ``user`` (a new TOTP step each time)."""
    later()
    return workflow.Credentials(password=PASSWORD, totp=code(user.secret))  # type: ignore[attr-defined]


def sign_body(user: User) -> dict[str, Any]:
    later()
    return {"password": PASSWORD, "totp": code(user.secret)}  # type: ignore[attr-defined]


def make_plan(
    qa: User,
    product: Product,
    stage: str = "incoming",
    *,
    characteristics: list[dict[str, Any]] | None = None,
    sampling: list[dict[str, Any]] | None = None,
    approve: bool = True,
) -> InspectionPlan:
    plan = services.create_plan(
        Actor.for_user(qa),
        product_id=product.pk,
        stage=stage,
        characteristics=characteristics if characteristics is not None else CHARACTERISTICS,
        sampling=sampling if sampling is not None else SAMPLING,
        title=f"{stage} plan",
    )
    if approve:
        plan = services.approve_plan(Actor.for_user(qa), plan.pk, credentials=credentials(qa))
    return InspectionPlan.objects.get(pk=plan.pk)


def receive(w: Any, line: Any, **kw: Any) -> Any:
    kw.setdefault("location", w.quarantine)
    return procurement.record_receipt(Actor.for_user(w.inspector), line.pk, **kw)


def results_for(
    inspection: Inspection, *, diameter: str = "5.0", visual: bool = True
) -> list[dict[str, Any]]:
    by_name = {c.name: c.pk for c in inspection.plan.characteristics.all()}
    return [
        {"characteristic_id": by_name["Outer diameter"], "value": diameter},
        {"characteristic_id": by_name["Visual inspection"], "passed": visual},
        {"characteristic_id": by_name["Packaging note"], "text": "carton intact"},
    ]
