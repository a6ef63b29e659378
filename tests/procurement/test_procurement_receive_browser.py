"""The receive page in a real browser (issue 4 §10: a scan-friendly input that accepts a GS1
string with the group separator): a scanner types the code and presses Enter; the page reads
the scan instead of submitting, picks the order line by its GTIN, fills lot and dates, and the
receipt records the raw scan (DI-02). A wrong product's label shows its refusal at once."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.conf import settings
from django.test import Client

from mederp.procurement.models import Receipt

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def browser_page(browser, live_server) -> Iterator[object]:  # type: ignore[no-untyped-def]
    context = browser.new_context(locale="en-US")
    page = context.new_page()
    page.set_default_timeout(15000)
    page.base_url = live_server.url  # type: ignore[attr-defined]
    yield page
    context.close()


def signed_in(page, user) -> None:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": page.base_url,
            }
        ]
    )


def test_a_scan_with_its_separator_fills_the_receive_form(world, approved_order, browser_page):
    page = browser_page
    order = approved_order((world.plain_product, "5"), (world.lot_product, "100"))
    signed_in(page, world.inspector)
    page.goto(f"{page.base_url}/procurement/orders/{order.pk}/receive/")
    scan = page.locator("input[name=scan]")
    scan.fill(f"]d201{world.lot_product.gtin}11260105" + "17281200" + "10LOT-E2E<GS>")
    scan.press("Enter")
    page.wait_for_function("document.querySelector('[name=lot_number]').value === 'LOT-E2E'")
    lot_line = order.lines.get(product=world.lot_product)
    assert page.locator("select[name=order_line]").input_value() == str(lot_line.pk)
    assert page.locator("input[name=expiry_date]").input_value() == "2028-12-31"
    assert page.locator("input[name=manufacture_date]").input_value() == "2026-01-05"
    page.locator("input[name=quantity]").fill("40")
    page.get_by_role("button", name="Record receipt", exact=True).click()
    page.wait_for_url("**/procurement/receipts/**")
    receipt = Receipt.objects.get()
    line = receipt.lines.get()
    assert (line.lot_number, line.quantity_accepted) == ("LOT-E2E", 40)
    assert "<GS>" in line.raw_scan
    assert "LOT-E2E" in page.content()


def test_another_products_label_is_refused_on_the_page(world, approved_order, browser_page):
    page = browser_page
    order = approved_order((world.lot_product, "100"))
    signed_in(page, world.inspector)
    page.goto(f"{page.base_url}/procurement/orders/{order.pk}/receive/")
    scan = page.locator("input[name=scan]")
    scan.fill(f"01{world.serial_product.gtin}17281231" + "21SN-1")
    scan.press("Enter")
    alert = page.locator("#scan-result [role=alert]")
    alert.wait_for()
    assert "procurement.gtin_other_product" in alert.inner_text()
    assert page.locator("input[name=lot_number]").input_value() == ""
    assert not Receipt.objects.exists()
