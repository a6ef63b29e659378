"""Issue 3 §10 in a real browser: sign in with password and TOTP, approve a product with an
electronic signature in the sign dialog, see the manifestation (printed name, time, meaning),
change the product, and see the signature marked invalid (ES-01, ES-02, ES-04, ES-09;
21 CFR 11.50, 11.70, 11.200)."""

from __future__ import annotations

import pytest

from mederp.catalog import services as catalog
from mederp.catalog.models import Product
from mederp.core.actors import Actor
from mederp.core.models import Signature
from mederp.ui.demo import gtin14
from tests.e2e.conftest import enrol_totp, login, totp_now

pytestmark = pytest.mark.django_db(transaction=True)


def test_approve_by_signature_then_a_change_invalidates_it(page, shot, make_user):
    author = make_user("author", "qa_manager", printed_name="录入人 张三")
    make_user("qa", "qa_manager", printed_name="质量经理 王芳")
    enrol_totp("qa")
    by_author = Actor.for_user(author)
    catalog.create_uom(Actor.system(), code="EA", name_zh="个", name_en="each")
    product = catalog.create_product(
        by_author,
        code="SYR-5ML",
        name_zh="一次性使用无菌注射器 5 ml",
        name_en="Sterile syringe 5 ml",
        gtin=gtin14("0690000000101"),
        uom="EA",
        tracking="lot",
        device_class="II",
        category_code="14-01",
    )
    catalog.submit_product(by_author, product.pk)

    login(page, "qa")
    page.goto(f"{page.base_url}/catalog/products/{product.pk}/")
    page.click("a[data-dialog=sign-approve]")
    dialog = page.locator("dialog#sign-approve")
    dialog.wait_for(state="visible")
    dialog.locator("input[name=approve-password]").fill("Correct-Horse-9")
    dialog.locator("input[name=approve-totp]").fill(totp_now("qa"))
    shot(page, "sign-dialog")
    dialog.locator("button[type=submit]").click()
    page.wait_for_load_state()

    row = page.locator("tr.signature[data-meaning=approved]")
    row.wait_for()
    assert row.get_attribute("data-valid") == "true"
    text = row.inner_text()
    assert "质量经理 王芳" in text and "UTC" in text
    assert page.locator("[data-state=approved]").first.is_visible()
    shot(page, "signed-manifestation")
    assert Signature.objects.get().method == "password+totp"

    catalog.change_product(by_author, product.pk, storage_max_c="25", reason="label corrected")
    page.reload()
    assert page.locator("tr.signature[data-meaning=approved]").get_attribute("data-valid") == (
        "false"
    )
    assert page.locator("[data-approval=needs-reapproval]").is_visible()
    shot(page, "signature-invalid-after-change")
    assert Product.objects.get(pk=product.pk).approval_state == "in_review"
