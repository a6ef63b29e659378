"""Golden path of the platform issue, in a real browser (Debian chromium via Playwright).

UDI-03: a GTIN with a wrong GS1 check digit is refused with a message in the user's language and
nothing is written; AT-02: the corrected product appears in the audit trail with who and what.
"""

from __future__ import annotations

import re

import pytest
from django.utils import translation

from mederp.catalog import services as catalog
from mederp.catalog.errors import GtinInvalid
from mederp.catalog.models import Product
from mederp.core.actors import Actor
from mederp.core.models import AuditEntry
from mederp.ui.demo import gtin14
from tests.e2e.conftest import login

pytestmark = pytest.mark.django_db(transaction=True)

CJK = re.compile(r"[\u4e00-\u9fff]")


def _fill_product(page, gtin: str) -> None:  # type: ignore[no-untyped-def]
    page.fill("input[name=code]", "SYR-10ML")
    page.fill("input[name=name_zh]", "一次性使用无菌注射器 10 ml")
    page.fill("input[name=name_en]", "Sterile syringe 10 ml")
    page.fill("input[name=gtin]", gtin)
    page.select_option("select[name=uom]", "EA")
    page.select_option("select[name=tracking]", "lot")
    page.select_option("select[name=device_class]", "II")
    page.fill("input[name=category_code]", "14-01")
    page.fill("input[name=shelf_life_days]", "1095")


def test_invalid_gtin_is_refused_in_chinese_then_fixed_and_audited(page, shot, make_user):
    make_user("qa", "qa_manager", printed_name="质量经理 王芳")
    catalog.create_uom(Actor.system(), code="EA", name_zh="个", name_en="each")
    good = gtin14("0690000009901")
    bad = good[:-1] + str((int(good[-1]) + 1) % 10)
    with translation.override("zh-hans"):
        expected_error = GtinInvalid(value=bad).render_message()
    assert CJK.search(expected_error), "the zh-Hans catalogue must translate catalog.gtin_invalid"

    login(page, "qa")
    page.goto(f"{page.base_url}/catalog/products/new/")
    _fill_product(page, bad)
    audit_before = AuditEntry.objects.count()
    page.click("main form[method=post] button[type=submit]")
    page.wait_for_load_state()

    gtin_label = page.locator("label", has=page.locator("input[name=gtin]"))
    assert expected_error in gtin_label.inner_text()
    shot(page, "product-invalid-gtin-zh")
    assert not Product.objects.filter(code="SYR-10ML").exists()
    assert AuditEntry.objects.count() == audit_before

    page.fill("input[name=gtin]", good)
    page.click("main form[method=post] button[type=submit]")
    page.wait_for_url(re.compile(r".*/catalog/products/\d+/$"))
    shot(page, "product-created")
    product = Product.objects.get(code="SYR-10ML")
    assert product.gtin == good

    page.goto(f"{page.base_url}/catalog/products/")
    assert page.locator("table").get_by_text("SYR-10ML").count() == 1
    shot(page, "product-list")

    page.goto(f"{page.base_url}/audit/?record_type=catalog.product")
    row = page.locator("#audit-table tbody tr", has_text="SYR-10ML")
    assert row.count() == 1
    assert "质量经理 王芳" in row.inner_text()
    row.locator("summary").click()  # a creation's initial values are folded away
    assert good in row.inner_text()
    shot(page, "audit-trail-product")
