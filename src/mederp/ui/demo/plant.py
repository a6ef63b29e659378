"""The demo plant's master data (shared/DEMO.md): people, products, partners and the warehouse.

Every record is looked up by its business key first and created only when missing. Validity
dates count from the story's "today" (:class:`~mederp.ui.demo.timeline.Timeline`), so the
expired and expiring documents bite whenever a newcomer loads the demo.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from mederp.catalog import services as catalog
from mederp.catalog.models import Product, UnitOfMeasure
from mederp.core.actors import Actor
from mederp.identity import admin_services
from mederp.identity import services as identity
from mederp.identity.models import User
from mederp.inventory import services as inventory
from mederp.inventory.models import Location, Warehouse
from mederp.partners import services as partners
from mederp.partners.models import Partner
from mederp.partners.rules import uscc_check_character

DEMO_PASSWORD = "MedERP-demo-2026"  # noqa: S105 - printed by `make run`; demo only
COMPANY = "苏州示例医疗科技有限公司"

USERS = (
    ("admin", "系统管理员 Admin", "administrator"),
    ("qa", "质量经理 王芳 (QA)", "qa_manager"),
    # A second QA manager: the author of a supplier evaluation may not approve it.
    ("qa2", "质量主管 李华 (QA)", "qa_manager"),
    ("qc", "质检员 李强 (QC)", "qc_inspector"),
    ("wh", "仓管员 赵敏 (Warehouse)", "warehouse"),
    ("buyer", "采购员 陈刚 (Purchasing)", "purchasing"),
    ("sales", "销售 刘洋 (Sales)", "sales"),
    ("prod", "生产主管 周杰 (Production)", "production"),
    ("planner", "生产计划 孙丽 (Planner)", "production_planner"),
    ("auditor", "审核员 Auditor (read-only)", "auditor"),
)

#: The cold room's temperature logger posts its readings as an API client, as a real one would.
LOGGER = "coldroom-logger"


def gtin14(body13: str) -> str:
    """Append the GS1 mod-10 check digit to 13 digits (weights 3,1,3,... from the right)."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body13)))
    return body13 + str((10 - total % 10) % 10)


def uscc(region6: str, org9: str) -> str:
    """A well-formed 统一社会信用代码 (GB 32100-2015) for a demo company: 91 + region + org code."""
    body = "91" + region6 + org9
    return body + uscc_check_character(body)


@dataclass(frozen=True)
class DemoProduct:
    code: str
    name_zh: str
    name_en: str
    gtin_body: str
    device_class: str
    tracking: str
    category: str
    shelf_life_days: int | None = None
    storage: tuple[str, str] | None = None
    registration: tuple[str, str, int] | None = None  # (number, scope, days valid from today)
    specification: str = ""


PRODUCTS = (
    DemoProduct(
        "SYR-5ML",
        "一次性使用无菌注射器 5 ml",
        "Sterile single-use syringe 5 ml",
        "0690000000101",
        "II",
        "lot",
        "14-01",
        1095,
        None,
        ("苏械注准20232140001", "一次性使用无菌注射器（带针）", 900),
        "5 ml 带针",
    ),
    DemoProduct(
        "STENT-DES",
        "冠状动脉药物洗脱支架",
        "Coronary drug-eluting stent",
        "0690000000202",
        "III",
        "serial",
        "13-06",
        730,
        None,
        ("国械注准20233130002", "冠状动脉药物洗脱支架系统", 1400),
        "3.0 × 18 mm",
    ),
    DemoProduct(
        "IVD-AG",
        "新型冠状病毒抗原检测试剂盒",
        "SARS-CoV-2 antigen test kit (IVD)",
        "0690000000303",
        "II",
        "lot",
        "6840",
        548,
        ("2", "8"),
        ("苏械注准20222400003", "新型冠状病毒（2019-nCoV）抗原检测试剂盒（胶体金法）", 20),
        "20 人份/盒",
    ),
    DemoProduct(
        "MASK-SURG",
        "医用外科口罩",
        "Surgical mask",
        "0690000000404",
        "II",
        "lot",
        "14-14",
        730,
        None,
        ("苏械注准20212140004", "医用外科口罩（非无菌）", 600),
        "17.5 × 9.5 cm",
    ),
    DemoProduct(
        "THERM-E",
        "医用电子体温计",
        "Clinical electronic thermometer",
        "0690000000505",
        "II",
        "serial",
        "07-03",
        None,
        None,
        ("苏械注准20162070005", "医用电子体温计", -30),
        "MT-101",
    ),
    DemoProduct(
        "CMP-BARREL",
        "注射器外套",
        "Syringe barrel (component)",
        "0690000000606",
        "none",
        "lot",
        "14-01",
        1825,
    ),
    DemoProduct(
        "CMP-PLUNGER",
        "注射器芯杆",
        "Syringe plunger (component)",
        "0690000000707",
        "none",
        "lot",
        "14-01",
        1825,
    ),
    DemoProduct(
        "CMP-NEEDLE", "注射针", "Needle (component)", "0690000000808", "none", "lot", "14-01", 1825
    ),
    DemoProduct(
        "CMP-TUBE",
        "钴铬合金支架管材",
        "Stent tube, CoCr (component)",
        "0690000000909",
        "none",
        "lot",
        "13-06",
        1825,
    ),
    DemoProduct(
        "CMP-DRUG",
        "雷帕霉素药物涂层",
        "Sirolimus drug coating (component)",
        "0690000001005",
        "none",
        "lot",
        "13-06",
        365,
    ),
    # In no BOM yet: the new part waits in review for qa's 首营 approval in the UI.
    DemoProduct(
        "CMP-SHIELD",
        "注射针护帽",
        "Needle shield (component)",
        "0690000001104",
        "none",
        "lot",
        "14-01",
        1825,
    ),
)

#: The component qa finds waiting in review (首营品种), the UI's first task; the demo approves
#: the others when the plant starts making things (:mod:`.making`).
COMPONENT_IN_REVIEW = "CMP-SHIELD"

# TODO(partners/sales owners): a hospital holds a 医疗机构执业许可证, not a 医疗器械经营许可证,
# but partners has no such document kind and the sales gate reads only device licences
# (partners.rules.LICENCE_KINDS). Until it does, the demo files the hospitals' licences as
# distribution licences (as tests/sales does), so that selling to them can be shown.
HOSPITAL_LICENCE = "distribution_licence"

# (code, name, supplier?, customer?, org code, min remaining shelf life days,
#  [(kind, number, scope, days valid)])
PARTNERS = (
    (
        "SUP-001",
        "苏州优质医疗器械供应有限公司",
        True,
        False,
        "MA1DEM000",
        0,
        [
            ("business_licence", "BL-SUP-001", [], None),
            ("distribution_licence", "苏药监械经营许20230001号", ["07", "13", "14", "6840"], 900),
        ],
    ),
    (
        "SUP-002",
        "无锡过期器械贸易有限公司",
        True,
        False,
        "MA1DEM011",
        0,
        [
            ("business_licence", "BL-SUP-002", [], None),
            ("distribution_licence", "苏药监械经营许20180002号", ["07", "13", "14", "6840"], -45),
        ],
    ),
    (
        "SUP-003",
        "常州普通耗材有限公司",
        True,
        False,
        "MA1DEM022",
        0,
        [
            ("business_licence", "BL-SUP-003", [], None),
            ("distribution_licence", "苏药监械经营许20220003号", ["07", "13", "14"], 700),
        ],
    ),
    (
        "CUS-001",
        "苏州市第一人民医院",
        False,
        True,
        "MA1DEM033",
        30,
        [(HOSPITAL_LICENCE, "PDY-32050001", ["07", "13", "14", "6840"], 1200)],
    ),
    (
        "CUS-002",
        "苏州大学附属第二医院",
        False,
        True,
        "MA1DEM044",
        730,  # accepts only stock with two years of shelf life left: FEFO gives it new lots
        [(HOSPITAL_LICENCE, "PDY-32050002", ["07", "13", "14", "6840"], 1000)],
    ),
    (
        "CUS-003",
        "昆山市中医医院",
        False,
        True,
        "MA1DEM055",
        30,
        [(HOSPITAL_LICENCE, "PDY-32058303", ["07", "14", "6840"], 800)],
    ),
    (
        "CUS-004",
        "上海即将到期医疗器械经销有限公司",
        False,
        True,
        "MA1DEM066",
        90,
        [
            ("business_licence", "BL-CUS-004", [], None),
            ("distribution_licence", "沪药监械经营许20210004号", ["07", "13", "14", "6840"], 6),
        ],
    ),
    (
        "CUS-005",
        "杭州过期医疗器械经销有限公司",
        False,
        True,
        "MA1DEM077",
        90,
        [
            ("business_licence", "BL-CUS-005", [], None),
            ("distribution_licence", "浙药监械经营许20190005号", ["07", "14"], -20),
        ],
    ),
)

LOCATIONS = (
    ("QUA", "待验区", "Quarantine", "quarantine", None),
    ("STO", "合格品区", "Released storage", "storage", None),
    ("COLD", "冷库 2–8 °C", "Cold room 2–8 °C", "cold", ("2", "8")),
    ("REJ", "不合格品区", "Rejected", "rejected", None),
    ("RET", "退货区", "Returns", "returns", None),
    ("SUPPLIER", "供应商（在途）", "Suppliers (virtual)", "supplier", None),
    ("CUSTOMER", "客户（在途）", "Customers (virtual)", "customer", None),
    ("PROD", "生产车间", "Production", "production", None),
    ("SCRAP", "报废", "Scrap", "scrap", None),
)


def create_people(actor: Actor, added: dict[str, int]) -> None:
    """The demo users, their identity checks (ES-06) and the cold room's logger."""
    for username, printed, role in USERS:
        if not User.objects.filter(username=username).exists():
            identity.create_user(
                actor, username=username, printed_name=printed, roles=[role], password=DEMO_PASSWORD
            )
            added["users"] += 1
    _verify_identities()
    if not User.objects.filter(username=f"client:{LOGGER}").exists():
        # Its first key is not kept: an administrator issues one when a real logger is wired.
        identity.create_api_client(
            actor, name=LOGGER, roles=["warehouse"], scopes=["inventory:write"]
        )


def _verify_identities() -> None:
    """The demo administrator records each demo person's identity check (ES-06), so that they
    may sign. The administrator's own check needs a second administrator, as in a real plant,
    so it stays unrecorded."""
    admin = User.objects.get(username="admin")
    verifier = Actor.for_user(admin)
    for username, _printed, _role in USERS:
        if username == "admin":
            continue
        user = User.objects.get(username=username)
        if user.identity_verified_at is None:
            admin_services.record_identity_verification(
                verifier, user.pk, document="居民身份证 (demo)"
            )


def create_products(actor: Actor, today: dt.date, added: dict[str, int]) -> None:
    for code, zh, en in (("EA", "个", "each"), ("BOX", "盒", "box"), ("KIT", "人份", "test")):
        if not UnitOfMeasure.objects.filter(code=code).exists():
            catalog.create_uom(actor, code=code, name_zh=zh, name_en=en)
            added["uoms"] += 1
    ea = UnitOfMeasure.objects.get(code="EA")
    for p in PRODUCTS:
        if Product.objects.filter(code=p.code).exists():
            continue
        product = catalog.create_product(
            actor,
            code=p.code,
            name_zh=p.name_zh,
            name_en=p.name_en,
            gtin=gtin14(p.gtin_body),
            uom=ea,
            tracking=p.tracking,
            device_class=p.device_class,
            category_code=p.category,
            shelf_life_days=p.shelf_life_days,
            storage_min_c=Decimal(p.storage[0]) if p.storage else None,
            storage_max_c=Decimal(p.storage[1]) if p.storage else None,
            specification=p.specification,
            manufacturer=COMPANY,
        )
        if p.registration:
            number, scope, days = p.registration
            valid_until = today + dt.timedelta(days=days)
            catalog.add_registration(
                actor,
                product.pk,
                jurisdiction="CN",
                kind="registration",
                number=number,
                valid_until=valid_until,
                valid_from=valid_until - dt.timedelta(days=5 * 365),
                scope=scope,
                holder=COMPANY,
            )
        added["products"] += 1


def create_partners(actor: Actor, today: dt.date, added: dict[str, int]) -> None:
    for code, name, is_sup, is_cus, org, min_days, docs in PARTNERS:
        if Partner.objects.filter(code=code).exists():
            continue
        partner = partners.create_partner(
            actor,
            code=code,
            name=name,
            is_supplier=is_sup,
            is_customer=is_cus,
            uscc=uscc("320500", org),
            status="approved",
            address="江苏省苏州市",
            contact="联系人",
            phone="0512-00000000",
            min_remaining_shelf_life_days=min_days,
        )
        for kind, doc_number, doc_scope, doc_days in docs:
            until = None if doc_days is None else today + dt.timedelta(days=doc_days)
            partners.add_document(
                actor,
                partner.pk,
                kind=kind,
                number=doc_number,
                valid_until=until,
                valid_from=(until - dt.timedelta(days=5 * 365))
                if until
                else today - dt.timedelta(days=3 * 365),
                scope=doc_scope,
            )
        added["partners"] += 1


def create_warehouse(actor: Actor, added: dict[str, int]) -> None:
    warehouse = Warehouse.objects.filter(code="SZ01").first()
    if warehouse is None:
        warehouse = inventory.create_warehouse(
            actor,
            code="SZ01",
            name_zh="苏州仓",
            name_en="Suzhou warehouse",
            address="江苏省苏州市工业园区示例路 1 号",
        )
    for code, zh, en, kind, temp in LOCATIONS:
        if not Location.objects.filter(warehouse=warehouse, code=code).exists():
            inventory.create_location(
                actor,
                warehouse.pk,
                code=code,
                name=zh,
                name_en=en,
                kind=kind,
                temp_min_c=Decimal(temp[0]) if temp else None,
                temp_max_c=Decimal(temp[1]) if temp else None,
            )
            added["locations"] += 1


def location(code: str) -> Location:
    return Location.objects.get(warehouse__code="SZ01", code=code)
