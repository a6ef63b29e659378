"""Procurement pages: order list, create with lines, detail with what blocks it and the sign
dialog, receive by scan, the printable 进货查验记录 (CN-08); each view refuses roles without
its permission (invariant 9)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from tests.signing_support import PASSWORD, code, later

from mederp.core.actors import Actor
from mederp.procurement import services
from mederp.procurement.models import PurchaseOrder, Receipt

GS = "\x1d"


def client_for(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def page(client, url) -> str:
    r = client.get(url)
    assert r.status_code == 200, (url, r.status_code)
    return r.content.decode()


def test_the_order_list_and_detail_show_number_supplier_and_state(world, make_order):
    order = make_order()
    client = client_for(world.buyer)
    listing = page(client, "/procurement/orders/")
    assert order.number in listing and world.supplier.code in listing
    detail = page(client, f"/procurement/orders/{order.pk}/")
    assert world.lot_product.code in detail and "Submit for approval" in detail


def test_purchasing_creates_an_order_with_lines(world):
    client = client_for(world.buyer)
    assert "lines-TOTAL_FORMS" in page(client, "/procurement/orders/new/")
    data = {
        "supplier": world.supplier.pk,
        "market": "CN",
        "currency": "CNY",
        "lines-TOTAL_FORMS": "3",
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "200",
        "lines-0-product": world.lot_product.pk,
        "lines-0-quantity": "100",
        "lines-0-unit_price": "2.5",
        "lines-1-product": world.plain_product.pk,
        "lines-1-quantity": "10",
        "lines-1-unit_price": "0.1",
    }
    r = client.post("/procurement/orders/new/", data)
    order = PurchaseOrder.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/procurement/orders/{order.pk}/"
    assert order.lines.count() == 2


def test_a_bad_quantity_is_shown_on_its_row(world):
    client = client_for(world.buyer)
    data = {
        "supplier": world.supplier.pk,
        "market": "CN",
        "currency": "CNY",
        "lines-TOTAL_FORMS": "1",
        "lines-INITIAL_FORMS": "0",
        "lines-0-product": world.lot_product.pk,
        "lines-0-quantity": "0",
        "lines-0-unit_price": "1",
    }
    r = client.post("/procurement/orders/new/", data)
    assert r.status_code == 200
    assert "greater than zero" in r.content.decode()
    assert not PurchaseOrder.objects.exists()


def test_a_draft_lists_what_blocks_it(world, make_order, make_product):
    draft = make_product()
    order = make_order((draft, "1"))
    html = page(client_for(world.buyer), f"/procurement/orders/{order.pk}/")
    assert "procurement.product_not_approved" in html and draft.code in html


def test_qa_approves_in_the_sign_dialog(world, make_order):
    order = make_order()
    services.submit_order(Actor.for_user(world.buyer), order.pk)
    client = client_for(world.qa)
    html = page(client, f"/procurement/orders/{order.pk}/")
    assert 'id="sign-approve"' in html
    later()
    r = client.post(
        f"/procurement/orders/{order.pk}/workflow/approve/",
        {
            "approve-password": PASSWORD,
            "approve-totp": code(world.qa.secret),
            "approve-meaning": "approved",
        },
    )
    assert r.status_code == 302, r.content.decode()[:2000]
    assert PurchaseOrder.objects.get(pk=order.pk).state == "approved"
    assert "VALID" in page(client, f"/procurement/orders/{order.pk}/")


def test_a_refused_submission_is_shown_on_the_transition_page(world, make_order, make_product):
    order = make_order((make_product(), "1"))
    client = client_for(world.buyer)
    r = client.post(f"/procurement/orders/{order.pk}/workflow/submit/", {})
    assert r.status_code == 200
    assert "procurement.product_not_approved" in r.content.decode()
    assert PurchaseOrder.objects.get(pk=order.pk).state == "draft"


def test_the_receive_page_takes_a_scan_and_records_the_receipt(world, approved_order):
    order = approved_order()
    line = order.lines.get()
    client = client_for(world.inspector)
    html = page(client, f"/procurement/orders/{order.pk}/receive/")
    assert 'class="scan-input"' in html and "line-gtins" in html
    r = client.post(
        f"/procurement/orders/{order.pk}/receive/",
        {
            "scan": f"01{world.lot_product.gtin}17281231" + "10SCAN-1",
            "order_line": line.pk,
            "location": world.quarantine.pk,
            "quantity": "25",
            "next": "done",
        },
    )
    receipt = Receipt.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/procurement/receipts/{receipt.pk}/"
    assert receipt.lines.get().lot_number == "SCAN-1"


def test_a_refused_scan_is_shown_next_to_the_scan_field(world, approved_order):
    order = approved_order()
    client = client_for(world.inspector)
    r = client.post(
        f"/procurement/orders/{order.pk}/receive/",
        {
            "scan": f"01{world.lot_product.gtin}10L123" + "21SN0001",
            "order_line": order.lines.get().pk,
            "location": world.quarantine.pk,
            "quantity": "1",
        },
    )
    assert r.status_code == 200
    assert "group separator" in r.content.decode()
    assert not Receipt.objects.exists()


def test_the_receipt_prints_every_cn_08_field(world, approved_order):
    order = approved_order()
    raw = f"01{world.lot_product.gtin}11260105" + "17281231" + f"10L-PRINT{GS}"
    receipt = services.record_receipt(
        Actor.for_user(world.inspector),
        order.lines.get().pk,
        quantity="40",
        scan=raw,
        location=world.quarantine,
    )
    html = page(client_for(world.qa), f"/procurement/receipts/{receipt.pk}/")
    product = world.lot_product
    registration = product.registrations.get()
    for text in (
        "进货查验记录",
        world.supplier.name,
        world.supplier.address,
        product.name_zh,
        product.specification,
        registration.number,
        registration.holder,
        product.gtin,
        "L-PRINT",
        "2026-01-05",
        "2028-12-31",
        "inspector",
        "&lt;GS&gt;",  # the raw scan with its separator made visible
    ):
        assert text in html, text
    assert receipt.number in page(client_for(world.qa), "/procurement/receipts/?q=L-PRINT")


@pytest.mark.parametrize(
    ("role", "url", "status"),
    [
        ("sales", "/procurement/orders/", 403),
        ("warehouse", "/procurement/orders/new/", 403),
        ("qc_inspector", "/procurement/orders/new/", 403),
        ("purchasing", "/procurement/orders/1/receive/", 403),
        ("auditor", "/procurement/receipts/", 200),
    ],
)
def test_pages_follow_the_roles(world, make_user, role, url, status):
    client = client_for(make_user(f"someone-{role}", role))
    assert client.get(url).status_code == status


def test_the_navigation_offers_procurement_to_purchasing(world):
    html = page(client_for(world.buyer), "/procurement/orders/")
    assert "/procurement/receipts/" in html and "Purchase orders" in html


def test_the_line_pages_edit_and_remove_a_draft_line(world, make_order):
    order = make_order()
    line = order.lines.get()
    client = client_for(world.buyer)
    r = client.post(
        f"/procurement/lines/{line.pk}/edit/",
        {
            "product": world.lot_product.pk,
            "quantity": "120",
            "unit_price": "1.5",
            "reason": "more",
            "version": line.version,
        },
    )
    assert r.status_code == 302
    r = client.post(f"/procurement/lines/{line.pk}/remove/", {"reason": ""})
    assert r.status_code == 200 and order.lines.exists()
    r = client.post(f"/procurement/lines/{line.pk}/remove/", {"reason": "wrong item"})
    assert r.status_code == 302 and not order.lines.exists()


def test_the_order_header_is_edited_with_a_reason(world, make_order):
    order = make_order()
    client = client_for(world.buyer)
    r = client.post(
        f"/procurement/orders/{order.pk}/edit/",
        {
            "supplier": world.supplier.pk,
            "market": "CN",
            "currency": "CNY",
            "expected_date": "2026-07-01",
            "reason": "agreed date",
            "version": order.version,
        },
    )
    assert r.status_code == 302
    assert PurchaseOrder.objects.get(pk=order.pk).expected_date == dt.date(2026, 7, 1)
