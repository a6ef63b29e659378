"""Issue 4 §10 in a real browser, person by person, each in their own browser: buyer orders →
qa approves the order by signature → qc receives it by scanning a GS1 string with its group
separator → qa releases the lot by signature (not the inspector: TR-04) → wh puts it away →
sales creates and confirms an order → wh allocates (FEFO) and picks by scan → qa reviews the
picked order (出库复核, a second person) → wh ships → the distribution record shows the
customer, UDI-DI, lot, expiry and quantity (CN-09; UDI-02, DI-02; ES-09; 21 CFR 11.50).

Master data is made through the services and approved by another QA manager's signatures in
the test's setup, as tests/catalog and tests/partners do. qa signs three times in one browser
session: the first signature with the authenticator code, the others with the password only.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from mederp.catalog import services as catalog
from mederp.catalog.models import Product
from mederp.catalog.selectors import business_date
from mederp.core.actors import Actor
from mederp.core.models import Signature
from mederp.identity.models import User
from mederp.inventory import selectors as stock
from mederp.inventory import services as inventory
from mederp.inventory.models import Location, Lot
from mederp.partners import services as partners
from mederp.partners.models import Partner
from mederp.partners.rules import uscc_check_character
from mederp.procurement.models import PurchaseOrder, ReceiptLine
from mederp.sales.models import DistributionRecord, SalesOrder
from mederp.ui.demo import gtin14
from mederp.ui.demo.people import Authenticator, sign_in
from tests.e2e.conftest import enrol_totp, login

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "Correct-Horse-9"
GS = "\x1d"
LOT = "E2E2611A"


@dataclass
class Plant:
    product: Product
    supplier: Partner
    hospital: Partner
    quarantine: Location
    storage: Location


def _partner(system: Actor, code: str, name: str, org: str, **flags: bool) -> Partner:
    body = "91320500" + org
    partner = partners.create_partner(
        system,
        code=code,
        name=name,
        uscc=body + uscc_check_character(body),
        address="江苏省苏州市示例路 1 号",
        contact="联系人",
        phone="0512-00000000",
        **flags,
    )
    partners.add_document(
        system,
        partner.pk,
        kind="distribution_licence",
        number=f"苏药监械经营许2024{org[-4:]}号",
        valid_from=dt.date(2024, 1, 1),
        valid_until=business_date() + dt.timedelta(days=900),
        scope=["14"],
    )
    partners.submit_partner(system, partner.pk)
    return partner


@pytest.fixture
def plant(make_user: Any) -> Plant:
    """An approved syringe, a qualified supplier and hospital, the Suzhou warehouse; another QA
    manager (qa2) signed the approvals, so qa's authenticator is untouched."""
    for username, role, name in (
        ("buyer", "purchasing", "采购员 陈刚"),
        ("qa", "qa_manager", "质量经理 王芳"),
        ("qa2", "qa_manager", "质量主管 李华"),
        ("qc", "qc_inspector", "质检员 李强"),
        ("sales", "sales", "销售 刘洋"),
        ("wh", "warehouse", "仓管员 赵敏"),
    ):
        make_user(username, role, printed_name=name)
    enrol_totp("qa")
    enrol_totp("qa2")
    system = Actor.system("e2e setup")
    catalog.create_uom(system, code="EA", name_zh="个", name_en="each")
    product = catalog.create_product(
        system,
        code="SYR-5ML",
        name_zh="一次性使用无菌注射器 5 ml",
        name_en="Sterile syringe 5 ml",
        gtin=gtin14("0690000000101"),
        uom="EA",
        tracking="lot",
        device_class="II",
        category_code="14-01",
        shelf_life_days=1095,
        specification="5 ml 带针",
        manufacturer="苏州示例医疗科技有限公司",
    )
    catalog.add_registration(
        system,
        product.pk,
        jurisdiction="CN",
        kind="registration",
        number="苏械注准20232140001",
        valid_from=dt.date(2023, 1, 1),
        valid_until=business_date() + dt.timedelta(days=900),
        holder="苏州示例医疗科技有限公司",
    )
    catalog.submit_product(system, product.pk)
    supplier = _partner(
        system,
        "SUP-001",
        "苏州优质医疗器械供应有限公司",
        "MA1E2E001",
        is_supplier=True,
        is_customer=False,
    )
    hospital = _partner(
        system, "CUS-001", "苏州市第一人民医院", "MA1E2E002", is_supplier=False, is_customer=True
    )
    session = sign_in(User.objects.get(username="qa2"), PASSWORD)
    catalog.approve_product(session.actor, product.pk, **session.sign())
    for partner in (supplier, hospital):
        partners.approve_partner(session.actor, partner.pk, **session.sign())
    session.sign_out()
    warehouse = inventory.create_warehouse(system, code="SZ01", name_zh="苏州仓", name_en="Suzhou")

    def place(code: str, name: str, kind: str) -> Location:
        return inventory.create_location(system, warehouse.pk, code=code, name=name, kind=kind)

    quarantine, storage = place("QUA", "待验区", "quarantine"), place("STO", "合格品区", "storage")
    place("SUPPLIER", "供应商（在途）", "supplier")
    place("CUSTOMER", "客户（在途）", "customer")
    return Plant(Product.objects.get(pk=product.pk), supplier, hospital, quarantine, storage)


@pytest.fixture
def people(browser: Any, live_server: Any) -> Iterator[Any]:
    """``people("qa")``: that person's own browser, signed in (each keeps their session)."""
    contexts: dict[str, Any] = {}

    def open_for(username: str) -> Any:
        if username not in contexts:
            context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
            page = context.new_page()
            page.set_default_timeout(15000)
            page.base_url = live_server.url
            login(page, username, PASSWORD)
            contexts[username] = context
        return contexts[username].pages[0]

    yield open_for
    for context in contexts.values():
        context.close()


def sign_in_dialog(page: Any, name: str, *, with_code: bool) -> None:
    """Open the sign dialog of transition ``name``, fill the password (and the authenticator
    code when the session has not yet had a full signature), and sign."""
    page.click(f"a[data-dialog=sign-{name}]")
    dialog = page.locator(f"dialog#sign-{name}")
    dialog.wait_for(state="visible")
    dialog.locator(f"input[name={name}-password]").fill(PASSWORD)
    code = dialog.locator(f"input[name={name}-totp]")
    assert (code.count() == 1) == with_code
    if with_code:
        code.fill(Authenticator.of(User.objects.get(username="qa")).code())
    dialog.locator("button[type=submit]").click()
    page.wait_for_load_state()


def step(page: Any, name: str) -> None:
    """Press the record's plain workflow button (confirm, allocate, ship...)."""
    page.click(f"form[action$='/workflow/{name}/'] button[type=submit]")
    page.wait_for_load_state()


def test_order_receive_release_sell_pick_review_ship(plant: Plant, people: Any, shot: Any):
    today = business_date()
    made, expiry = today - dt.timedelta(days=30), today + dt.timedelta(days=700)

    # 1. buyer drafts a purchase order and submits it.
    buyer = people("buyer")
    buyer.goto(f"{buyer.base_url}/procurement/orders/new/")
    buyer.select_option("select[name=supplier]", str(plant.supplier.pk))
    buyer.select_option("select[name=lines-0-product]", str(plant.product.pk))
    buyer.fill("input[name=lines-0-quantity]", "100")
    buyer.fill("input[name=lines-0-unit_price]", "0.85")
    shot(buyer, "journey-01-purchase-order-new")
    buyer.click("main form button[type=submit]")
    buyer.wait_for_url("**/procurement/orders/*/")
    order = PurchaseOrder.objects.get()
    step(buyer, "submit")
    shot(buyer, "journey-02-purchase-order-submitted")
    assert PurchaseOrder.objects.get().state == "submitted"

    # 2. qa approves it by signature: password and authenticator code (first of the session).
    qa = people("qa")
    qa.goto(f"{qa.base_url}/procurement/orders/{order.pk}/")
    sign_in_dialog(qa, "approve", with_code=True)
    qa.locator("tr.signature[data-meaning=approved]").wait_for()
    shot(qa, "journey-03-purchase-order-approved")
    assert PurchaseOrder.objects.get().state == "approved"

    # 3. qc receives it by scanning the label: lot, then the group separator, then dates.
    qc = people("qc")
    qc.goto(f"{qc.base_url}/procurement/orders/{order.pk}/receive/")
    label = f"01{plant.product.gtin}10{LOT}{GS}17{expiry:%y%m%d}11{made:%y%m%d}"
    scan = qc.locator("input[name=scan]")
    scan.fill(label)
    scan.press("Enter")
    qc.wait_for_function(f"document.querySelector('[name=lot_number]').value === '{LOT}'")
    assert qc.locator("input[name=expiry_date]").input_value() == expiry.isoformat()
    assert qc.locator("input[name=manufacture_date]").input_value() == made.isoformat()
    qc.fill("input[name=quantity]", "100")
    shot(qc, "journey-04-receive-by-scan")
    qc.click("button[name=next][value=done]")
    qc.wait_for_url("**/procurement/receipts/*/")
    shot(qc, "journey-05-receipt")
    line = ReceiptLine.objects.get()
    assert line.raw_scan == label and line.lot_number == LOT
    lot = Lot.objects.get(number=LOT)
    assert lot.status == "quarantine" and lot.inspected_by.username == "qc"

    # 4. qa releases the lot by signature: the password only, later in the same session.
    qa.goto(f"{qa.base_url}/inventory/lots/{lot.pk}/")
    sign_in_dialog(qa, "release", with_code=False)
    qa.locator("tr.signature[data-meaning=released]").wait_for()
    shot(qa, "journey-06-lot-released")
    assert Lot.objects.get(pk=lot.pk).status == "released"

    # 5. wh puts it away (the lot field takes the scan too).
    wh = people("wh")
    wh.goto(f"{wh.base_url}/inventory/transfers/new/?product=SYR-5ML")
    wh.fill("input[name=scan]", label)
    wh.fill("input[name=quantity]", "100")
    wh.select_option("select[name=from_location]", str(plant.quarantine.pk))
    wh.select_option("select[name=to_location]", str(plant.storage.pk))
    shot(wh, "journey-07-putaway")
    wh.click("main form button[type=submit]")
    wh.wait_for_load_state()
    assert stock.balance_of(plant.product, location=plant.storage, lot=lot) == 100

    # 6. sales creates and confirms an order for the hospital.
    sales = people("sales")
    sales.goto(f"{sales.base_url}/sales/orders/new/")
    sales.select_option("select[name=customer]", str(plant.hospital.pk))
    sales.select_option("select[name=lines-0-product]", str(plant.product.pk))
    sales.fill("input[name=lines-0-quantity]", "30")
    sales.fill("input[name=lines-0-unit_price]", "1.20")
    sales.click("main form button[type=submit]")
    sales.wait_for_url("**/sales/orders/*/")
    sale = SalesOrder.objects.get()
    step(sales, "confirm")
    shot(sales, "journey-08-sales-order-confirmed")
    assert SalesOrder.objects.get().status == "confirmed"

    # 7. wh allocates (FEFO) and picks by scanning the label.
    wh.goto(f"{wh.base_url}/sales/orders/{sale.pk}/")
    step(wh, "allocate")
    shot(wh, "journey-09-allocated")
    wh.goto(f"{wh.base_url}/sales/orders/{sale.pk}/pick/")
    wh.fill("input[name=scan]", label)
    wh.fill("input[name=quantity]", "30")
    shot(wh, "journey-10-pick-by-scan")
    wh.click("main form.scan-form button[type=submit]")
    wh.wait_for_load_state()
    shot(wh, "journey-11-picked")
    assert SalesOrder.objects.get().status == "picked"

    # 8. qa, who picked nothing, reviews the picked order (出库复核): password only.
    qa.goto(f"{qa.base_url}/sales/orders/{sale.pk}/")
    sign_in_dialog(qa, "review", with_code=False)
    qa.locator("tr.signature[data-meaning=reviewed]").wait_for()
    shot(qa, "journey-12-reviewed")
    assert SalesOrder.objects.get().status == "reviewed"
    signed = Signature.objects.filter(signer__username="qa").order_by("pk")
    assert [s.method for s in signed] == ["password+totp", "password", "password"]

    # 9. wh ships; the distribution record has what a recall needs.
    wh.goto(f"{wh.base_url}/sales/orders/{sale.pk}/")
    step(wh, "ship")
    shot(wh, "journey-13-shipped")
    assert SalesOrder.objects.get().status == "shipped"
    record = DistributionRecord.objects.get()
    wh.goto(f"{wh.base_url}/sales/distribution-records/{record.pk}/")
    shot(wh, "journey-14-distribution-record")
    page_text = wh.locator("main").inner_text()
    for fact in ("苏州市第一人民医院", plant.product.gtin, LOT, expiry.isoformat(), "30"):
        assert fact in page_text, fact
    assert (record.customer_name, record.gtin, record.lot_number, record.expiry_date) == (
        "苏州市第一人民医院",
        plant.product.gtin,
        LOT,
        expiry,
    )
    assert record.quantity == 30
