"""The sales API (issue 4 §9): every creating POST takes an Idempotency-Key; refusals are JSON
``{code, message, details}`` with the right status and write nothing (invariants 5, 7)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from tests.sales.conftest import TABLES, gs1, sign

from mederp.sales.models import DistributionRecord, SalesOrder

pytestmark = pytest.mark.django_db

BASE = "/api/v1/sales"


def client_for(user) -> Client:
    c = Client(HTTP_ACCEPT_LANGUAGE="en")
    c.force_login(user)
    return c


@pytest.fixture
def seller(world):
    return client_for(world.seller)


@pytest.fixture
def picker(world):
    return client_for(world.picker)


@pytest.fixture
def reviewer(world):
    return client_for(world.reviewer)


def order_body(world, **kw):
    body = {
        "customer": world.customer.code,
        "lines": [{"product": world.lot_product.gtin, "quantity": "5", "unit_price": "12.50"}],
    }
    body.update(kw)
    return body


def test_creating_an_order_is_idempotent(world, seller, send):
    r1 = send(seller, "post", f"{BASE}/orders", order_body(world), HTTP_IDEMPOTENCY_KEY="k-1")
    assert r1.status_code == 201, r1.json()
    body = r1.json()
    assert body["status"] == "draft" and body["lines"][0]["quantity"] == "5"
    assert body["lines"][0]["amount"] == "62.50"
    r2 = send(seller, "post", f"{BASE}/orders", order_body(world), HTTP_IDEMPOTENCY_KEY="k-1")
    assert r2.status_code == 201 and r2["Idempotent-Replayed"] == "true"
    assert r2.json()["id"] == body["id"]
    assert SalesOrder.objects.count() == 1
    other = order_body(world, notes="another")
    r3 = send(seller, "post", f"{BASE}/orders", other, HTTP_IDEMPOTENCY_KEY="k-1")
    assert r3.status_code == 409 and r3.json()["code"] == "idempotency.key_reused"


@pytest.mark.parametrize(
    "quantity,status,code",
    [
        ("0", 422, "inventory.quantity_not_positive"),
        ("-1", 422, "inventory.quantity_not_positive"),
        ("1.2345", 422, "inventory.quantity_precision"),
        (1.5, 422, "validation_failed"),
    ],
)
def test_bad_quantities_are_refused_and_write_nothing(
    world, seller, send, unchanged, quantity, status, code
):
    body = order_body(world)
    body["lines"][0]["quantity"] = quantity
    with unchanged(*TABLES):
        r = send(seller, "post", f"{BASE}/orders", body)
    assert (r.status_code, r.json()["code"]) == (status, code), r.json()


def test_an_unknown_field_is_refused(world, seller, send):
    r = send(seller, "post", f"{BASE}/orders", order_body(world, discount="10%"))
    assert (r.status_code, r.json()["code"]) == (422, "validation_failed")


def test_confirming_for_a_customer_with_an_expired_licence_is_refused_with_its_number(
    world, seller, send, make_customer, make_order, unchanged
):
    customer, licence = make_customer(world.qa, valid_until=dt.date(2026, 1, 31))
    order = make_order(customer=customer)
    with unchanged(*TABLES):
        r = send(seller, "post", f"{BASE}/orders/{order.pk}/confirm", {})
    assert r.status_code == 409
    assert r.json()["code"] == "sales.customer_licence_expired"
    assert licence.number in r.json()["message"]
    assert r.json()["details"]["document_id"] == licence.pk
    detail = send(seller, "get", f"{BASE}/orders/{order.pk}").json()
    assert [p["code"] for p in detail["problems"]] == ["sales.customer_licence_expired"]


def test_the_whole_sale_through_the_api(world, put_stock, seller, picker, reviewer, send):
    put_stock(world.lot_product, "L-A", "8", expiry=dt.date(2027, 3, 31))
    order = send(seller, "post", f"{BASE}/orders", order_body(world)).json()
    url = f"{BASE}/orders/{order['id']}"
    assert send(seller, "post", f"{url}/confirm", {}).json()["status"] == "confirmed"
    assert send(seller, "post", f"{url}/allocate", {}).status_code == 403
    allocated = send(picker, "post", f"{url}/allocate", {}, HTTP_IDEMPOTENCY_KEY="a-1").json()
    assert allocated["status"] == "allocated"
    assert allocated["lines"][0]["allocations"][0]["lot"] == "L-A"

    wrong = send(picker, "post", f"{url}/picks", {"scan": gs1(world.lot_product, lot="L-B")})
    assert (wrong.status_code, wrong.json()["code"]) == (422, "sales.wrong_lot")
    too_many = send(
        picker, "post", f"{url}/picks", {"scan": gs1(world.lot_product, lot="L-A"), "quantity": "6"}
    )
    assert (too_many.status_code, too_many.json()["code"]) == (409, "sales.pick_exceeds_allocation")
    scan = f"01{world.lot_product.gtin}10L-A<GS>17270331"
    done = send(picker, "post", f"{url}/picks", {"scan": scan, "quantity": 5}).json()
    assert done["pick"]["scan_raw"] == scan and done["order"]["status"] == "picked"

    own = send(picker, "post", f"{url}/review", sign(world.picker))
    assert (own.status_code, own.json()["code"]) == (403, "sales.sod_reviewer_is_picker")
    reviewed = send(
        reviewer, "post", f"{url}/review", sign(world.reviewer), HTTP_IDEMPOTENCY_KEY="r"
    )
    assert reviewed.status_code == 200, reviewed.json()
    assert reviewed.json()["signatures"][0]["meaning"] == "reviewed"
    again = send(reviewer, "post", f"{url}/review", sign(world.reviewer), HTTP_IDEMPOTENCY_KEY="r")
    assert again.status_code == 200 and again["Idempotent-Replayed"] == "true"

    shipped = send(picker, "post", f"{url}/ship", {"carrier": "SF", "tracking_number": "SF1"})
    assert shipped.json()["status"] == "shipped" and shipped.json()["shipment_number"]
    records = send(seller, "get", f"{BASE}/distribution-records?lot=L-A").json()
    assert records["count"] == 1
    record = records["items"][0]
    assert (record["gtin"], record["lot_number"], record["quantity"]) == (
        world.lot_product.gtin,
        "L-A",
        "5",
    )
    assert record["customer_licence"] == world.licence.number
    history = send(seller, "get", f"{url}/history").json()
    assert {"create", "transition", "signed"} <= {h["action"] for h in history}

    back = send(
        picker,
        "post",
        f"{BASE}/returns",
        {
            "record_id": record["id"],
            "quantity": "1",
            "to_location_id": world.returns.pk,
            "reason": "wrong size ordered",
        },
        HTTP_IDEMPOTENCY_KEY="ret-1",
    )
    assert back.status_code == 201, back.json()
    assert back.json()["to_location"] == world.returns.code
    too_much = send(
        picker,
        "post",
        f"{BASE}/returns",
        {
            "record_id": record["id"],
            "quantity": "5",
            "to_location_id": world.returns.pk,
            "reason": "again",
        },
    )
    assert (too_much.status_code, too_much.json()["code"]) == (409, "sales.return_exceeds_shipped")
    assert send(seller, "get", f"{BASE}/returns").json()["count"] == 1
    assert DistributionRecord.objects.count() == 1


def test_cancel_needs_a_reason(world, seller, send, make_order):
    order = make_order()
    r = send(seller, "post", f"{BASE}/orders/{order.pk}/cancel", {"reason": ""})
    assert (r.status_code, r.json()["code"]) == (422, "validation_failed")
    ok = send(seller, "post", f"{BASE}/orders/{order.pk}/cancel", {"reason": "duplicate"})
    assert ok.json()["status"] == "cancelled"


def test_listing_filters_by_status(world, seller, send, make_order):
    make_order()
    assert send(seller, "get", f"{BASE}/orders?status=draft").json()["count"] == 1
    assert send(seller, "get", f"{BASE}/orders?status=shipped").json()["count"] == 0
    assert send(seller, "get", f"{BASE}/orders?status=bogus").status_code == 422
