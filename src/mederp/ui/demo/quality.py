"""The plant's quality system, lived in (issue 6; shared/DEMO.md "one open nonconformance and
one CAPA once quality exists"), through the services by the people who would do it (ISO 13485
§7.4.1, §7.4.3, §8.2.2, §8.2.6, §8.3, §8.5.2; QE-01, QE-05, QE-07; CN-21):

1. qa drafts and approves by signature an incoming inspection plan for the needle component
   (CMP-NEEDLE: penetration force 0.20–0.70 N, and a visual check; a sampling table) and a final
   one for the made syringe (SYR-5ML). The syringes already made were made before that plan,
   so they have no final inspection: the gate lets them be (no plan, no inspection);
2. buyer orders needles from the second-source supplier (SUP-003), qa approves, qc receives two
   lots (:data:`NEEDLES_PASSED`, :data:`NEEDLES_FAILED`) into quarantine, which creates their
   incoming inspections; qc records the results: the first passes (qa releases it, wh shelves
   it), the second's penetration force is out of limits, so the inspection fails and opens an
   NCR that holds the lot; qa records the investigation and disposes the lot "return to
   supplier" by signature (the lot is rejected and leaves for the supplier location);
3. qa opens a CAPA from that NCR, records the root cause and adds two actions: the supplier's
   8D report, owned by buyer and due today — overdue from the next day on, since the demo never
   antedates (:mod:`.story`, "Why history happens now") — and tightened incoming sampling,
   owned by qc; the CAPA is *implementing*. The NCR waits dispositioned for qa to close it;
4. sales takes a complaint from 苏州大学附属第二医院 about the made syringe lot it was shipped
   (:data:`~.making.SYRINGE_LOT`): a needle detached during an injection and injured the
   patient. qa assesses it reportable in China as a serious injury: the NMPA report (20 days)
   is open on the deadline board;
5. supplier evaluations: qa drafts one per supplier that delivered, a second QA manager
   (:data:`QA2`, 质量主管 李华, made here when missing) approves each by signature: the main
   supplier SUP-001 stays *approved*, SUP-003 becomes *conditional* (the buyer's order page
   warns, the purchase gate still lets orders through).

Each chapter runs once: it looks for the record it makes first and is skipped when found.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from mederp.core import workflow
from mederp.core.actors import Actor
from mederp.identity import admin_services
from mederp.identity import services as identity
from mederp.identity.models import User
from mederp.partners.models import Partner
from mederp.procurement.models import PurchaseOrder
from mederp.quality.capa import services as capa
from mederp.quality.capa.models import CapaLink
from mederp.quality.complaints import services as complaints
from mederp.quality.complaints.models import Complaint
from mederp.quality.inspections import services as inspections
from mederp.quality.inspections.models import Inspection, InspectionPlan
from mederp.quality.nonconformance import services as ncrs
from mederp.quality.nonconformance.models import Nonconformance
from mederp.quality.suppliers import services as suppliers
from mederp.quality.suppliers.models import SupplierEvaluation
from mederp.ui.demo import making, plant
from mederp.ui.demo.people import Desk
from mederp.ui.demo.story import (
    Delivery,
    Plant,
    actor,
    order_approved,
    person,
    product,
    receive_by_scan,
    release_and_put_away,
)

QA2 = next(user for user in plant.USERS if user[0] == "qa2")
PO_NEEDLES = "注射针第二供应商首批采购（演示）"
NEEDLE_SUPPLIER = "SUP-003"
NEEDLES_PASSED = "NDL2612B"
NEEDLES_FAILED = "NDL2612C"
NEEDLES: Delivery = (
    ("CMP-NEEDLE", NEEDLES_PASSED, 1700, 500, ()),
    ("CMP-NEEDLE", NEEDLES_FAILED, 1700, 500, ()),
)
FORCE = "穿刺力 Penetration force"
VISUAL = "外观 Visual"
#: The measurements qc types: (penetration force in N, visual passed).
MEASURED = {NEEDLES_PASSED: ("0.42", True), NEEDLES_FAILED: ("0.95", True)}
RETURN_REFERENCE = "RMA-SUP003-2601"
CAPA_TITLE = "第二供应商注射针穿刺力超标（演示）"
COMPLAINT_TEXT = (
    "注射过程中针头与针筒脱离，患者注射部位软组织损伤，需缝合处理（演示）。"
    " Needle detached from the barrel during injection; soft-tissue injury needing sutures."
)

#: (product, stage, title, characteristics, sampling table)
PLANS: tuple[tuple[str, str, str, list[dict[str, Any]], list[dict[str, Any]]], ...] = (
    (
        "CMP-NEEDLE",
        "incoming",
        "注射针进货检验 Needle incoming inspection",
        [
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
        [
            {"lot_size_from": "1", "lot_size_to": "150", "sample_size": "8"},
            {"lot_size_from": "151", "lot_size_to": "1200", "sample_size": "32"},
            {"lot_size_from": "1201", "lot_size_to": None, "sample_size": "80"},
        ],
    ),
    (
        "SYR-5ML",
        "final",
        "注射器成品检验 Syringe final inspection",
        [
            {
                "name": "容量允差 Volume tolerance",
                "kind": "numeric",
                "lower_limit": "-4",
                "upper_limit": "4",
                "unit": "%",
                "critical": True,
            },
            {"name": "密合性 Leak tightness", "kind": "pass_fail", "critical": True},
            {"name": "标签与说明书 Labelling", "kind": "pass_fail"},
        ],
        [
            {"lot_size_from": "1", "lot_size_to": "500", "sample_size": "20"},
            {"lot_size_from": "501", "lot_size_to": None, "sample_size": "50"},
        ],
    ),
)


def plans_approved(p: Plant) -> None:
    """qa drafts each plan and approves it by signature (ISO 13485 §7.4.3, §8.2.6); a product
    and stage with any plan already is left alone."""
    for code, stage, title, characteristics, sampling in PLANS:
        item = product(code)
        if InspectionPlan.objects.filter(product=item, stage=stage).exists():
            continue
        plan = inspections.create_plan(
            p.qa.actor,
            product_id=item.pk,
            stage=stage,
            title=title,
            characteristics=characteristics,
            sampling=sampling,
        )
        inspections.approve_plan(
            p.qa.actor, plan.pk, credentials=workflow.Credentials(**p.qa.sign())
        )


def _inspection_of(number: str) -> Inspection:
    return Inspection.objects.get(lot__product__code="CMP-NEEDLE", lot__number=number)


def _inspected(number: str) -> Inspection:
    """qc types the two results of the lot's incoming inspection."""
    inspection = _inspection_of(number)
    by_name = {c.name: c.pk for c in inspection.plan.characteristics.all()}
    force, visual = MEASURED[number]
    inspections.record_results(
        actor("qc"),
        inspection.pk,
        [
            {"characteristic_id": by_name[FORCE], "value": force},
            {"characteristic_id": by_name[VISUAL], "passed": visual},
        ],
    )
    inspection.refresh_from_db()
    return inspection


def needles_inspected(p: Plant) -> None:
    """Two needle lots from the second source: one passes and is released; the other fails,
    its NCR holds it, qa investigates and returns it to the supplier by signature (QE-01)."""
    if PurchaseOrder.objects.filter(notes=PO_NEEDLES).exists():
        return
    order = order_approved(p, NEEDLE_SUPPLIER, PO_NEEDLES, [("CMP-NEEDLE", 1000, "0.11")])
    receive_by_scan(p, order, NEEDLES)
    _inspected(NEEDLES_PASSED)
    release_and_put_away(p, NEEDLES[:1])
    failed = _inspected(NEEDLES_FAILED)
    assert failed.ncr_id is not None, "a failed inspection opens its NCR"
    ncrs.investigate_ncr(
        p.qa.actor,
        failed.ncr_id,
        investigation=(
            "复测 32 支，穿刺力 0.81–0.97 N，全部超出 0.20–0.70 N；留样与供应商出厂检验报告"
            "不符。Retest of 32 needles: 0.81–0.97 N, all above the limit."
        ),
        root_cause=(
            "供应商针尖磨削工序砂轮更换后未重新验证 Grinding wheel changed without revalidation"
        ),
    )
    ncrs.disposition_ncr(
        p.qa.actor,
        failed.ncr_id,
        disposition="return_to_supplier",
        reason="整批退回供应商，供应商提供 8D 报告 Whole lot returned; supplier to send an 8D",
        return_reference=RETURN_REFERENCE,
        **p.qa.sign(),
    )


def _failed_ncr() -> Nonconformance:
    inspection = _inspection_of(NEEDLES_FAILED)
    assert inspection.ncr_id is not None
    return Nonconformance.objects.get(pk=inspection.ncr_id)


def capa_opened(p: Plant) -> None:
    """qa opens a CAPA from the NCR, records the root cause, adds two actions (one due today,
    overdue from tomorrow): the CAPA is implementing (ISO 13485 §8.5.2; QE-07)."""
    ncr = _failed_ncr()
    if CapaLink.objects.filter(kind="ncr", ref_id=ncr.pk).exists():
        return
    found = capa.open_capa(
        p.qa.actor,
        title=CAPA_TITLE,
        problem=f"{ncr.number}: {ncr.description}",
        links=[("ncr", ncr.pk)],
        owner=person("qa"),
        due_date=p.date(30),
        effectiveness_criteria="后续 3 批该供应商注射针进货检验全部合格 Next three lots pass",
        effectiveness_due=p.date(90),
    )
    capa.record_root_cause(
        p.qa.actor,
        found.pk,
        root_cause=(
            "供应商磨削砂轮更换未纳入变更控制 Supplier's wheel change outside change control"
        ),
        method="5why",
    )
    capa.add_action(
        p.qa.actor,
        found.pk,
        description="供应商提交 8D 报告及砂轮更换验证记录 Supplier's 8D report and revalidation",
        owner=person("buyer"),
        due_date=p.today,
    )
    capa.add_action(
        p.qa.actor,
        found.pk,
        description="该供应商注射针加严检验（抽样量加倍）三批 Tightened sampling for three lots",
        owner=person("qc"),
        due_date=p.date(45),
        kind="preventive",
    )


def complaint_assessed(p: Plant) -> None:
    """A hospital's complaint about a shipped syringe lot, assessed reportable to the NMPA as a
    serious injury: the 20-day report is open (QE-02, QE-05)."""
    if Complaint.objects.filter(description=COMPLAINT_TEXT).exists():
        return
    complaint = complaints.receive_complaint(
        actor("sales"),
        description=COMPLAINT_TEXT,
        patient_involvement="injury",
        channel="phone",
        product_code="SYR-5ML",
        lot_number=making.SYRINGE_LOT,
        event_date=p.today,
        event_country="CN",
        customer_code="CUS-002",
        complainant_name="护士长 陈静",
        complainant_phone="0512-6778 0000",
    )
    complaints.assess(
        p.qa.actor,
        complaint.pk,
        reportable=True,
        event_classes=["serious_injury"],
        jurisdictions=["CN"],
        rationale="患者需缝合处理，属严重伤害，20 日内向监测机构报告 Serious injury: NMPA, 20 days",
    )


def _second_qa(system: Actor) -> Desk:
    """The second QA manager (the author of an evaluation may not approve it), made and
    identity-checked by the demo administrator when missing (ES-06)."""
    username, printed, role = QA2
    user = User.objects.filter(username=username).first()
    if user is None:
        user = identity.create_user(
            system,
            username=username,
            printed_name=printed,
            roles=[role],
            password=plant.DEMO_PASSWORD,
        )
    if user.identity_verified_at is None:
        admin_services.record_identity_verification(
            Actor.for_user(User.objects.get(username="admin")),
            user.pk,
            document="居民身份证 (demo)",
        )
    return Desk(username, plant.DEMO_PASSWORD)


#: (supplier, proposed status, rationale)
EVALUATIONS = (
    (
        "SUP-001",
        "approved",
        "年度评价：到货验收与交付均合格 Annual review: acceptance and delivery good",
    ),
    (
        NEEDLE_SUPPLIER,
        "conditional",
        "注射针批次检验不合格并退货，待 8D 关闭前有条件合格 Failed needle lot returned; "
        "conditional until the 8D is closed",
    ),
)


def suppliers_evaluated(p: Plant) -> None:
    """qa drafts each supplier's evaluation from its scorecard; qa2 approves it by signature,
    which sets the supplier's status (ISO 13485 §7.4.1; CN-21)."""
    if SupplierEvaluation.objects.filter(supplier__code=NEEDLE_SUPPLIER).exists():
        return
    before = User.objects.count()
    qa2 = _second_qa(Actor.system("mederp demo"))
    p.added["users"] += User.objects.count() - before
    try:
        for code, status, rationale in EVALUATIONS:
            ev = suppliers.create_evaluation(
                p.qa.actor,
                supplier=Partner.objects.get(code=code),
                proposed_status=status,
                rationale=rationale,
            )
            suppliers.approve_evaluation(qa2.actor, ev.pk, **qa2.sign())
    finally:
        qa2.close()


#: The quality chapters in story order (after the plant made and sold syringes).
CHAPTERS: tuple[Callable[[Plant], None], ...] = (
    plans_approved,
    needles_inspected,
    capa_opened,
    complaint_assessed,
    suppliers_evaluated,
)
