"""Issue 5 §7 in a real browser, person by person, each in their own browser: the planner plans and
releases a work order → the operator issues the component by scanning its GS1 label (with its
group separator), reports output and completes the order → QA (qa2) releases the output lot by
signature → it is shipped to a hospital → QA (qa) reads the device history record and downloads
its PDF (21 CFR 820.184; 11.10(b), 11.50), traces forward from the component lot to the hospital
(TR-01, RC-04), opens a recall on that lot by signature with password and authenticator code
(RC-01, RC-02; ES-09) and downloads the consignee list as CSV and XLSX (RC-04).

The master data, the component's purchase and receipt and the shipment of the output are made
through the services in setup (tests/e2e/production_support.py): the procurement and sales
pages are proven by the supply-chain journey.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

import pytest
from openpyxl import load_workbook

from mederp.catalog.selectors import business_date
from mederp.compliance.models import Recall, RecallLine
from mederp.core.models import Signature
from mederp.identity.models import User
from mederp.inventory.models import Lot
from mederp.production.models import MaterialIssue, WorkOrder
from mederp.sales.models import DistributionRecord
from mederp.ui.demo.people import Authenticator
from tests.e2e.conftest import login
from tests.e2e.production_support import (
    COMPONENT_LOT,
    PASSWORD,
    ProductionJourneyPlant,
    build_plant,
    ship,
)

pytestmark = pytest.mark.django_db(transaction=True)

OUTPUT_LOT = "FG2611A"
HOSPITAL = "苏州市第一人民医院"
SUPPLIER = "苏州优质医疗器械供应有限公司"


@pytest.fixture
def plant(make_user: Any) -> ProductionJourneyPlant:
    return build_plant(make_user)


@pytest.fixture
def people(browser: Any, live_server: Any) -> Iterator[Any]:
    """``people("qa")``: that person's own browser, signed in at the login page (with the
    authenticator code when their role needs one); each keeps their session."""
    contexts: dict[str, Any] = {}

    def open_for(username: str) -> Any:
        if username not in contexts:
            context = browser.new_context(
                locale="zh-CN", viewport={"width": 1280, "height": 900}, accept_downloads=True
            )
            page = context.new_page()
            page.set_default_timeout(15000)
            page.base_url = live_server.url
            login(page, username, PASSWORD)
            contexts[username] = context
        return contexts[username].pages[0]

    yield open_for
    for context in contexts.values():
        context.close()


def sign_in_dialog(page: Any, name: str, username: str) -> None:
    """Open the sign dialog of transition ``name`` and sign with the password and the code the
    person's authenticator shows (the first signature of their session)."""
    page.click(f"a[data-dialog=sign-{name}]")
    dialog = page.locator(f"dialog#sign-{name}")
    dialog.wait_for(state="visible")
    dialog.locator(f"input[name={name}-password]").fill(PASSWORD)
    dialog.locator(f"input[name={name}-totp]").fill(
        Authenticator.of(User.objects.get(username=username)).code()
    )
    dialog.locator("button[type=submit]").click()
    page.wait_for_load_state()


def step(page: Any, name: str) -> None:
    """Press the record's plain workflow button (release...)."""
    page.click(f"form[action$='/workflow/{name}/'] button[type=submit]")
    page.wait_for_load_state()


def download(page: Any, selector: str) -> tuple[str, bytes]:
    """Click a download link; the file's suggested name and content."""
    with page.expect_download() as info:
        page.click(selector)
    got = info.value
    with open(got.path(), "rb") as fh:
        return got.suggested_filename, fh.read()


def test_work_order_scan_output_dhr_trace_recall(
    plant: ProductionJourneyPlant, people: Any, shot: Any
):
    today = business_date()

    # 1. the planner plans the work order in the UI and releases it.
    planner = people("planner")
    planner.goto(f"{planner.base_url}/production/work-orders/new/")
    planner.select_option("select[name=product]", str(plant.device.pk))
    planner.fill("input[name=planned_quantity]", "5")
    planner.fill("input[name=planned_start]", today.isoformat())
    planner.select_option("select[name=production_location]", str(plant.line.pk))
    planner.select_option("select[name=output_location]", str(plant.fg_quarantine.pk))
    planner.fill("input[name=output_lot_number]", OUTPUT_LOT)
    shot(planner, "production-01-work-order-new")
    planner.click("main form button[type=submit]")
    planner.wait_for_url("**/production/work-orders/*/")
    order = WorkOrder.objects.get()
    step(planner, "release")
    planner.locator("form[action$='/workflow/release/']").wait_for(state="detached")
    shot(planner, "production-02-work-order-released")
    assert WorkOrder.objects.get().state == "released"

    # 2. the operator issues the component by scanning its label, then reports output.
    operator = people("operator")
    operator.goto(f"{operator.base_url}/production/work-orders/{order.pk}/issue/")
    scan = operator.locator("input[name=scan]")
    assert scan.evaluate("el => el === document.activeElement")  # the wedge scanner types here
    operator.fill("input[name=quantity]", "10")
    scan.fill(plant.label())
    shot(operator, "production-03-issue-by-scan")
    scan.press("Enter")  # the scanner's Enter submits the form
    operator.locator("table.issues tbody tr", has_text=COMPONENT_LOT).wait_for()
    shot(operator, "production-04-issued")
    issue = MaterialIssue.objects.get()
    assert (issue.lot.number, issue.quantity, issue.scan_raw) == (COMPONENT_LOT, 10, plant.label())
    assert (issue.method, issue.operator.username) == ("scan", "operator")

    operator.goto(f"{operator.base_url}/production/work-orders/{order.pk}/output/")
    assert operator.locator("input[name=lot_number]").input_value() == OUTPUT_LOT
    operator.fill("input[name=quantity]", "5")
    shot(operator, "production-05-report-output")
    operator.click("main form button[type=submit]")
    operator.wait_for_url(f"**/production/work-orders/{order.pk}/")
    operator.locator("table.outputs tr[data-kind=good]").wait_for()
    shot(operator, "production-06-output-reported")
    output = Lot.objects.get(product=plant.device, number=OUTPUT_LOT)
    assert output.status == "quarantine"
    # The operator reports the order done: a made lot is released only once its device
    # history record is complete (the disposition gate, 820.184).
    step(operator, "complete")
    operator.locator("form[action$='/workflow/complete/']").wait_for(state="detached")
    assert WorkOrder.objects.get().state == "completed"

    # 3. QA (qa2, who made nothing) releases the output lot by signature on the lot's page.
    qa2 = people("qa2")
    qa2.goto(f"{qa2.base_url}/inventory/lots/{output.pk}/")
    sign_in_dialog(qa2, "release", "qa2")
    qa2.locator("tr.signature[data-meaning=released]").wait_for()
    shot(qa2, "production-07-output-lot-released")
    assert Lot.objects.get(pk=output.pk).status == "released"

    # 4. 3 of the 5 go to the hospital (the sales services; setup, not the point here).
    ship(plant, output, "3")
    record = DistributionRecord.objects.get()
    assert (record.customer_name, record.lot_number, record.quantity) == (HOSPITAL, OUTPUT_LOT, 3)

    # 5. QA reads the device history record: component lot and its supplier, the operator,
    #    the output lot; the PDF downloads.
    qa = people("qa")
    qa.goto(f"{qa.base_url}/production/work-orders/{order.pk}/")
    qa.click(f"a[href='/compliance/dhr/{order.pk}/']")
    qa.wait_for_url(f"**/compliance/dhr/{order.pk}/")
    component_row = qa.locator("tr.component-item", has_text=COMPONENT_LOT)
    component_row.wait_for()
    assert SUPPLIER in component_row.inner_text()
    assert "操作工 周杰" in component_row.inner_text()
    assert "操作工 周杰" in qa.locator("section#operators").inner_text()
    output_row = qa.locator("tr.output-item", has_text=OUTPUT_LOT)
    assert output_row.get_attribute("data-status") == "released"
    shot(qa, "production-08-dhr")
    name, body = download(qa, f"a[href='/compliance/dhr/{order.pk}/pdf/']")
    assert name == f"DHR-{order.number}.pdf" and body.startswith(b"%PDF")

    # 6. QA traces forward from the component lot: the output lot, then the hospital.
    qa.goto(f"{qa.base_url}/compliance/trace/")
    qa.fill("input[name=lot]", COMPONENT_LOT)
    qa.check("input[name=direction][value=forward]")
    qa.click("form.trace-form button[type=submit]")
    drawing = qa.locator("figure.trace-drawing svg")
    drawing.wait_for()
    # Boxes left to right: the component lot, the output lot, the hospital at the leaves.
    boxes = drawing.evaluate(
        "svg => [...svg.querySelectorAll('g.trace-node')].map(g => ["
        "Number(g.querySelector('rect').getAttribute('x')), g.querySelector('title').textContent])"
    )
    columns = [title for _x, title in sorted(boxes)]
    assert len(columns) == 3
    assert COMPONENT_LOT in columns[0] and OUTPUT_LOT in columns[1] and HOSPITAL in columns[2]
    # Arrows: made into the output by the work order, 3 shipped to the hospital.
    assert drawing.locator("g.trace-edge text").all_text_contents() == [order.number, "3"]
    assert HOSPITAL in qa.locator("table.trace-consignees").inner_text()
    shot(qa, "production-09-trace-forward")

    # 7. QA opens a recall on the component lot: class, reason, password and code (the first
    #    signature of qa's session), and sees the hospital to notify.
    qa.goto(f"{qa.base_url}/compliance/recalls/")
    qa.click("a[href='/compliance/recalls/new/']")
    qa.wait_for_url("**/compliance/recalls/new/")
    qa.fill("textarea[name=lots]", COMPONENT_LOT)
    qa.select_option("select[name=classification]", "II")
    qa.fill("textarea[name=reason]", "供应商通报针管批次 CMP2611A 密封不良 / supplier seal defect")
    qa.fill("input[name=password]", PASSWORD)
    qa.fill("input[name=totp]", Authenticator.of(User.objects.get(username="qa")).code())
    shot(qa, "production-10-recall-open")
    qa.click("form.sign-form button[type=submit]")
    qa.wait_for_url("**/compliance/recalls/*/")
    consignee = qa.locator("section.consignees tr[data-consignee='CUS-001']")
    consignee.wait_for()
    assert HOSPITAL in consignee.inner_text()
    lines = qa.locator("section.recall-lines tbody tr", has_text=OUTPUT_LOT)
    assert HOSPITAL in lines.inner_text()
    shot(qa, "production-11-recall")
    recall = Recall.objects.get()

    name, body = download(qa, "div.downloads a[href$='list.csv']")
    assert name.endswith(".csv") and body.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    header = next(i for i, row in enumerate(rows) if row and row[0].startswith("收货单位代码"))
    listed = [dict(zip(rows[header], row, strict=True)) for row in rows[header + 1 :] if row]
    assert [
        (r["收货单位 Consignee"], r["批号 Lot"], r["发货数量 Quantity shipped"]) for r in listed
    ] == [(HOSPITAL, OUTPUT_LOT, "3")]
    assert any(row[:2] == ["召回编号 Recall number", recall.number] for row in rows)

    name, body = download(qa, "div.downloads a[href$='list.xlsx']")
    assert name.endswith(".xlsx")
    book = load_workbook(io.BytesIO(body), read_only=True)
    sheet = [list(r) for r in book["Consignees 收货单位"].iter_rows(values_only=True)]
    columns = sheet[0]
    (only,) = [dict(zip(columns, r, strict=True)) for r in sheet[1:]]
    assert only["收货单位 Consignee"] == HOSPITAL
    assert only["批号 Lot"] == OUTPUT_LOT
    assert only["发货数量 Quantity shipped"] == 3

    # 8. In the database: both lots recalled, the opener's signature, the hospital's line.
    assert Lot.objects.get(pk=plant.component_lot.pk).status == "recalled"
    assert Lot.objects.get(pk=output.pk).status == "recalled"
    opened = Signature.objects.get(meaning="opened")
    assert (opened.signer.username, opened.method) == ("qa", "password+totp")
    (line,) = RecallLine.objects.filter(recall=recall)
    assert (line.consignee_name, line.lot_number, line.quantity) == (HOSPITAL, OUTPUT_LOT, 3)
