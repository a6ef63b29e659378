"""The sales pages (issue 4 §10): each flow on its own page, calling the same services as the
API; the pick page's scan field takes a GS1 string with its separator spelled any way a
browser can send it; refusals appear next to the field with their code."""

from __future__ import annotations

import datetime as dt
import html

import pytest
from django.test import Client
from django.urls import reverse
from tests.sales.conftest import GS, PASSWORD, code, gs1, later

from mederp.sales.models import DistributionRecord, SalesOrder, SalesReturn

pytestmark = pytest.mark.django_db


def browser(user) -> Client:
    c = Client(HTTP_ACCEPT_LANGUAGE="en")
    c.force_login(user)
    return c


def page(response) -> str:
    assert response.status_code == 200, response.status_code
    return html.unescape(response.content.decode())


def test_the_sales_pages_render_for_the_roles_that_use_them(world, put_stock, shipped):
    put_stock(world.lot_product, "L-A", "10", expiry=dt.date(2027, 3, 31))
    order = shipped((world.lot_product, "3"))
    record = DistributionRecord.objects.get()
    for user in (world.seller, world.picker, world.qa):
        c = browser(user)
        assert order.number in page(c.get(reverse("sales:order_list")))
        detail = page(c.get(reverse("sales:order_detail", args=[order.pk])))
        assert "L-A" in detail and "reviewer 签名人" in detail
        assert "L-A" in page(c.get(reverse("sales:record_list") + "?lot=L-A"))
        assert record.customer_licence in page(
            c.get(reverse("sales:record_detail", args=[record.pk]))
        )
        page(c.get(reverse("sales:return_list")))


def test_the_navigation_shows_sales_to_the_seller(world):
    text = page(browser(world.seller).get(reverse("sales:order_list")))
    assert reverse("sales:record_list") in text


def test_an_order_is_created_from_the_form(world):
    c = browser(world.seller)
    form = {
        "customer": world.customer.pk,
        "market": "CN",
        "currency": "CNY",
        "lines-TOTAL_FORMS": "2",
        "lines-INITIAL_FORMS": "0",
        "lines-0-product": world.lot_product.pk,
        "lines-0-quantity": "5",
        "lines-0-unit_price": "12.5",
    }
    r = c.post(reverse("sales:order_create"), form, follow=True)
    order = SalesOrder.objects.get()
    assert r.redirect_chain[-1][0] == reverse("sales:order_detail", args=[order.pk])
    bad = dict(form, **{"lines-0-quantity": "0.0001"})
    text = page(c.post(reverse("sales:order_create"), bad))
    assert "inventory.quantity_precision" in text or "decimal places" in text
    assert SalesOrder.objects.count() == 1


def test_the_order_page_names_the_expired_licence_that_blocks_it(world, make_customer, make_order):
    customer, licence = make_customer(world.qa, valid_until=dt.date(2026, 5, 1))
    order = make_order(customer=customer)
    c = browser(world.seller)
    text = page(c.get(reverse("sales:order_detail", args=[order.pk])))
    assert "sales.customer_licence_expired" in text and licence.number in text
    confirm = reverse("sales:order_transition", args=[order.pk, "confirm"])
    refused = page(c.post(confirm, {"confirm-reason": ""}))
    assert "sales.customer_licence_expired" in refused
    assert SalesOrder.objects.get(pk=order.pk).status == "draft"


def test_confirm_allocate_pick_review_and_ship_from_the_pages(world, put_stock, make_order):
    put_stock(world.lot_product, "L-A", "10", expiry=dt.date(2027, 3, 31))
    order = make_order((world.lot_product, "4"))
    seller, picker, reviewer = browser(world.seller), browser(world.picker), browser(world.reviewer)

    def step(client, name, data=None):
        url = reverse("sales:order_transition", args=[order.pk, name])
        return client.post(url, data or {}, follow=True)

    step(seller, "confirm")
    step(picker, "allocate")
    assert SalesOrder.objects.get(pk=order.pk).status == "allocated"

    pick_url = reverse("sales:order_pick", args=[order.pk])
    form = page(picker.get(pick_url))
    assert 'class="scan-input"' in form and "L-A" in form
    wrong = page(
        picker.post(pick_url, {"scan": gs1(world.lot_product, lot="L-B"), "quantity": "4"})
    )
    assert "sales.wrong_lot" in wrong or "not the allocated lot" in wrong
    typed = f"01{world.lot_product.gtin}10L-A<GS>17270331"
    r = picker.post(pick_url, {"scan": typed, "quantity": "4"}, follow=True)
    assert r.redirect_chain[-1][0] == reverse("sales:order_detail", args=[order.pk])
    assert SalesOrder.objects.get(pk=order.pk).status == "picked"

    detail = page(reviewer.get(reverse("sales:order_detail", args=[order.pk])))
    assert reverse("sales:order_transition", args=[order.pk, "review"]) in detail
    later()
    own = page(
        step(
            picker,
            "review",
            {"review-password": PASSWORD, "review-totp": code(world.picker.secret)},
        )
    )
    assert "sales.sod_reviewer_is_picker" in own or "second person" in own
    later()
    step(
        reviewer,
        "review",
        {"review-password": PASSWORD, "review-totp": code(world.reviewer.secret)},
    )
    assert SalesOrder.objects.get(pk=order.pk).status == "reviewed"
    step(picker, "ship")
    assert SalesOrder.objects.get(pk=order.pk).status == "shipped"
    assert DistributionRecord.objects.filter(order=order).count() == 1


def test_the_scan_field_takes_the_ascii_group_separator(world, put_stock, allocated):
    put_stock(world.lot_product, "L-A", "10", expiry=dt.date(2027, 3, 31))
    order = allocated((world.lot_product, "2"))
    scan = f"01{world.lot_product.gtin}10L-A{GS}17270331"
    browser(world.picker).post(
        reverse("sales:order_pick", args=[order.pk]), {"scan": scan, "quantity": "2"}
    )
    assert SalesOrder.objects.get(pk=order.pk).status == "picked"


def test_a_return_is_received_from_the_record_page(world, put_stock, shipped):
    put_stock(world.lot_product, "L-A", "10", expiry=dt.date(2027, 3, 31))
    shipped((world.lot_product, "3"))
    record = DistributionRecord.objects.get()
    c = browser(world.picker)
    url = reverse("sales:return_create", args=[record.pk])
    assert world.returns.code in page(c.get(url))
    too_many = page(
        c.post(url, {"quantity": "4", "to_location": world.returns.pk, "reason": "damaged"})
    )
    assert "sales.return_exceeds_shipped" in too_many or "can still come back" in too_many
    c.post(url, {"quantity": "1", "to_location": world.returns.pk, "reason": "damaged"})
    assert SalesReturn.objects.get().quantity == 1
