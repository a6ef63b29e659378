"""Issue 6 §8 in a real browser, person by person, each in their own browser (zh-CN): a failed
incoming inspection → NCR → return to supplier → CAPA → closure.

1. The QC inspector opens the incoming inspection the receipt created and types an out-of-limit
   penetration force: the inspection fails and opens an NCR that holds the lot (ISO 13485
   §7.4.3, §8.2.6, §8.3.1; 21 CFR 820.80(b), 820.90(a); QE-01).
2. QA records the investigation and decides "return to supplier" by signature with password
   and authenticator code (21 CFR 11.50, 11.200; ES-09): the lot is rejected and its stock
   leaves quarantine for the supplier location through the inventory ledger (QE-01).
3. QA opens a CAPA from the NCR (the link and problem prefilled), records the root cause, adds
   an action with owner and due date, completes it, starts verification, tries to close it
   without an effectiveness check (refused, the reason shown), records an effective check and
   closes it by signature; then closes the NCR by signature (ISO 13485 §8.5.2; QE-07).

The plant, the approved plan, the order and the receipt are made through the services in setup
(tests/e2e/quality_support.py). Screenshots: var/e2e/quality-*.png.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest

from mederp.catalog.selectors import business_date
from mederp.core.models import Signature
from mederp.identity.models import User
from mederp.inventory.models import Balance, Move
from mederp.quality.capa.models import Capa
from mederp.quality.inspections.models import Inspection
from mederp.quality.nonconformance.models import Nonconformance
from mederp.ui.demo.people import Authenticator
from tests.e2e.conftest import login
from tests.e2e.quality_support import (
    FORCE,
    PASSWORD,
    RECEIVED,
    VISUAL,
    QualityJourneyPlant,
    build_plant,
)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def plant(make_user: Any) -> QualityJourneyPlant:
    return build_plant(make_user)


@pytest.fixture
def people(browser: Any, live_server: Any) -> Iterator[Any]:
    """``people("qa")``: that person's own browser, signed in at the login page."""
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


def fill_signature(scope: Any, prefix: str, username: str) -> None:
    """The password, and the authenticator code when the form asks for one (the first
    signature of a session: ES-09)."""
    scope.locator(f"input[name={prefix}password]").fill(PASSWORD)
    totp = scope.locator(f"input[name={prefix}totp]")
    if totp.count():
        totp.fill(Authenticator.of(User.objects.get(username=username)).code())


def sign_dialog(page: Any, name: str, username: str) -> None:
    """Open the record's sign dialog of transition ``name``, sign and submit."""
    page.click(f"a[data-dialog=sign-{name}], a[onclick*='sign-{name}']")
    dialog = page.locator(f"dialog#sign-{name}")
    dialog.wait_for(state="visible")
    reason = dialog.locator(f"[name={name}-reason]")
    if reason.count():
        reason.fill("质量经理审核后签署 Reviewed and signed by QA")
    fill_signature(dialog, f"{name}-", username)
    dialog.locator("button[type=submit]").click()
    page.wait_for_load_state()


def submit(page: Any, action: str) -> None:
    """Submit the form posting to ``…/<action>/``."""
    page.click(f"form[action$='/{action}/'] button[type=submit]")
    page.wait_for_load_state()


def test_failed_incoming_inspection_ncr_return_to_supplier_capa_closure(
    plant: QualityJourneyPlant, people: Any, shot: Any
):
    today = business_date()
    inspection = plant.inspection
    assert (inspection.state, inspection.result) == ("open", "pending")
    assert inspection.sample_size == Decimal(8)  # 100 received: the 1–150 row of the table

    # 1. The inspector finds the open inspection in the list and types the results.
    qc = people("inspector")
    qc.goto(f"{qc.base_url}/quality/inspections/")
    qc.click(f"a:text('{inspection.number}')")
    qc.wait_for_load_state()
    chars = {c.name: c.pk for c in plant.plan.characteristics.all()}
    qc.fill(f"input[name=value_{chars[FORCE]}]", "0.95")
    qc.select_option(f"select[name=passed_{chars[VISUAL]}]", "pass")
    shot(qc, "quality-01-inspection-entry")
    qc.click("#record-results")
    qc.wait_for_load_state()
    qc.locator("#ncr-link").wait_for()
    assert qc.locator("#inspection-result").get_attribute("class") == "badge bad"
    assert qc.locator("tr.failed").count() == 1
    shot(qc, "quality-02-inspection-failed")
    inspection = Inspection.objects.get(pk=inspection.pk)
    assert (inspection.state, inspection.result) == ("completed", "fail")
    assert inspection.ncr_id is not None
    ncr = Nonconformance.objects.get(pk=inspection.ncr_id)
    assert (ncr.source, ncr.source_ref, ncr.state) == ("inspection", inspection.number, "open")
    assert ncr.supplier_id == plant.supplier.pk
    plant.lot.refresh_from_db()
    assert plant.lot.status == "on_hold"

    # 2. QA opens the NCR from the inspection, records the investigation, returns the lot.
    qa = people("qa")
    qa.goto(f"{qa.base_url}/quality/inspections/{inspection.pk}/")
    qa.click("#ncr-link")
    qa.wait_for_load_state()
    assert ncr.number in qa.locator("h1").inner_text()
    qa.fill(
        "#investigation textarea[name=investigation]", "复测 8 支，穿刺力 0.91–0.97 N，全部超上限。"
    )
    qa.fill("#investigation textarea[name=root_cause]", "供应商砂轮更换后未重新验证。")
    submit(qa, "investigate")
    ncr.refresh_from_db()
    assert ncr.state == "investigating" and "0.91" in ncr.investigation
    qa.click("#disposition a[role=button]")
    dialog = qa.locator("dialog#sign-disposition")
    dialog.wait_for(state="visible")
    dialog.locator("select[name=disposition]").select_option("return_to_supplier")
    dialog.locator("textarea[name=reason]").fill("整批退回供应商，要求提交 8D 报告。")
    dialog.locator("input[name=return_reference]").fill("RMA-E2E-0001")
    fill_signature(dialog, "", "qa")
    shot(qa, "quality-03-ncr-disposition-sign")
    dialog.locator("button[type=submit]").click()
    qa.wait_for_load_state()
    ncr.refresh_from_db()
    assert (ncr.state, ncr.disposition) == ("dispositioned", "return_to_supplier"), ncr.state
    shot(qa, "quality-04-ncr-returned")
    plant.lot.refresh_from_db()
    assert plant.lot.status == "rejected"
    returned = Move.objects.get(lot=plant.lot, document_type="nonconformance.disposition")
    assert returned.from_location_id == plant.quarantine.pk
    assert returned.to_location_id == plant.supplier_location.pk
    assert returned.quantity == RECEIVED
    on_hand = Balance.objects.filter(lot=plant.lot, location=plant.quarantine).first()
    assert on_hand is None or on_hand.quantity == 0
    assert Signature.objects.filter(
        record_type="nonconformance.nonconformance", record_id=str(ncr.pk), meaning="approved"
    ).exists()
    assert Signature.objects.filter(
        record_type="inventory.lot", record_id=str(plant.lot.pk), meaning="rejected"
    ).exists()

    # 3. QA opens a CAPA from the NCR: the link and the problem come prefilled.
    qa.goto(f"{qa.base_url}/quality/capas/new/?ncr={ncr.pk}")
    assert qa.locator("select[name=link_kind]").input_value() == "ncr"
    assert qa.locator("input[name=link_ref]").input_value() == str(ncr.pk)
    assert ncr.number in qa.locator("input[name=title]").input_value()
    qa.fill("textarea[name=effectiveness_criteria]", "该供应商后续 3 批进货检验全部合格。")
    shot(qa, "quality-05-capa-open")
    qa.click("main form button[type=submit]")
    qa.wait_for_load_state()
    capa = Capa.objects.get(links__kind="ncr", links__ref_id=ncr.pk)
    assert capa.number in qa.locator("h1").inner_text()

    qa.select_option(".capa-root-cause select[name=method]", "5why")
    qa.fill(".capa-root-cause textarea[name=root_cause]", "砂轮更换未纳入供应商变更控制。")
    submit(qa, "root-cause")
    qa.click(".capa-actions details:has(form[action$='/actions/']) summary")
    actions_form = qa.locator("form[action$='/actions/']")
    actions_form.locator("textarea[name=description]").fill("供应商提交 8D 报告及验证记录")
    actions_form.locator("select[name=owner]").select_option(str(plant.user("buyer").pk))
    actions_form.locator("input[name=due_date]").fill(today.isoformat())
    actions_form.locator("button[type=submit]").click()
    qa.wait_for_load_state()
    capa.refresh_from_db()
    assert capa.state == "implementing" and capa.root_cause
    action = capa.actions.get()
    assert action.owner.username == "buyer" and action.due_date == today

    qa.click(f"tr[data-action='{action.pk}'] details summary")
    qa.fill(f"tr[data-action='{action.pk}'] textarea[name=evidence]", "8D 报告已收到并审核。")
    qa.click(f"tr[data-action='{action.pk}'] button[type=submit]")
    qa.wait_for_load_state()
    submit(qa, "verify")
    capa.refresh_from_db()
    assert capa.state == "verifying" and capa.actions.get().done_at is not None
    shot(qa, "quality-06-capa-verifying")

    # Closing without an effectiveness check is refused, with the reason on the page.
    signed_before = Signature.objects.count()
    sign_dialog(qa, "close", "qa")
    alert = qa.locator("div.error[role=alert]")
    alert.wait_for()
    assert capa.number in alert.inner_text()
    shot(qa, "quality-07-capa-close-refused")
    capa.refresh_from_db()
    assert capa.state == "verifying" and capa.closed_at is None
    assert Signature.objects.count() == signed_before

    qa.goto(f"{qa.base_url}/quality/capas/{capa.pk}/")
    qa.select_option(".capa-effectiveness select[name=result]", "effective")
    qa.fill(".capa-effectiveness textarea[name=evidence]", "后续 3 批全部检验合格。")
    submit(qa, "effectiveness")
    capa.refresh_from_db()
    assert capa.effectiveness_result == "effective"
    sign_dialog(qa, "close", "qa")
    qa.locator("[data-state=closed]").wait_for()
    shot(qa, "quality-08-capa-closed")
    capa.refresh_from_db()
    assert capa.state == "closed" and capa.closed_at is not None
    assert Signature.objects.filter(
        record_type="capa.capa", record_id=str(capa.pk), meaning="closed"
    ).exists()

    # 4. QA closes the NCR by signature.
    qa.goto(f"{qa.base_url}/quality/ncrs/{ncr.pk}/")
    sign_dialog(qa, "close", "qa")
    ncr.refresh_from_db()
    assert ncr.state == "closed" and ncr.closed_at is not None
    shot(qa, "quality-09-ncr-closed")
    assert Signature.objects.filter(
        record_type="nonconformance.nonconformance", record_id=str(ncr.pk), meaning="closed"
    ).exists()
