"""The procurement API (invariants 5, 7, 9; ES-11): creating POSTs idempotent, coded JSON
errors that write nothing, gates refused with the blocking document named, approval signed by
a person (never an API key), receipts by scan, a scan preview that writes nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from tests.signing_support import PASSWORD, code, later

from mederp.core.actors import Actor
from mederp.core.models import Signature
from mederp.identity import services as identity
from mederp.inventory.models import Lot
from mederp.procurement import services
from mederp.procurement.models import PurchaseOrder, Receipt

GS = "\x1d"


def client_for(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


@pytest.fixture
def buyer(world):
    return client_for(world.buyer)


@pytest.fixture
def qa(world):
    return client_for(world.qa)


@pytest.fixture
def inspector(world):
    return client_for(world.inspector)


def order_body(world, **kw):
    body = {
        "supplier": world.supplier.code,
        "lines": [{"product": world.lot_product.code, "quantity": "100", "unit_price": "2.5"}],
    }
    body.update(kw)
    return body


def test_creating_an_order_answers_its_detail(world, buyer, send):
    r = send(buyer, "post", "/api/v1/procurement/orders", order_body(world))
    assert r.status_code == 201, r.content
    data = r.json()
    assert data["number"] == "PO-2026-00001"
    assert data["state"] == "draft"
    assert data["total"] == "250"
    assert data["lines"][0]["quantity"] == "100"
    assert data["lines"][0]["open_quantity"] == "100"
    assert data["gate_problems"] == []


def test_a_retried_create_with_the_same_key_makes_one_order(world, buyer, send):
    headers = {"HTTP_IDEMPOTENCY_KEY": "po-1"}
    first = send(buyer, "post", "/api/v1/procurement/orders", order_body(world), **headers)
    again = send(buyer, "post", "/api/v1/procurement/orders", order_body(world), **headers)
    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert again.json()["id"] == first.json()["id"]
    assert PurchaseOrder.objects.count() == 1
    other = send(
        buyer, "post", "/api/v1/procurement/orders", order_body(world, notes="x"), **headers
    )
    assert other.status_code == 409 and other.json()["code"] == "idempotency.key_reused"


@pytest.mark.parametrize(
    ("quantity", "code"),
    [
        (1.5, "validation_failed"),  # a JSON float is never read as a quantity
        ("0", "inventory.quantity_not_positive"),
        ("2.0001", "inventory.quantity_precision"),
    ],
)
def test_bad_quantities_are_coded_422s_that_write_nothing(
    world, buyer, send, unchanged, quantity, code
):
    body = order_body(
        world, lines=[{"product": world.lot_product.code, "quantity": quantity, "unit_price": "1"}]
    )
    with unchanged(PurchaseOrder):
        r = send(buyer, "post", "/api/v1/procurement/orders", body)
    assert r.status_code == 422 and r.json()["code"] == code


def test_unknown_fields_are_refused(world, buyer, send):
    r = send(buyer, "post", "/api/v1/procurement/orders", order_body(world, discount="5%"))
    assert r.status_code == 422 and "discount" in r.json()["details"]["fields"]


def test_a_draft_shows_what_would_block_it(world, buyer, send, make_product):
    draft = make_product()
    body = order_body(world, lines=[{"product": draft.code, "quantity": "1", "unit_price": "1"}])
    order_id = send(buyer, "post", "/api/v1/procurement/orders", body).json()["id"]
    data = buyer.get(f"/api/v1/procurement/orders/{order_id}").json()
    assert [p["code"] for p in data["gate_problems"]] == ["procurement.product_not_approved"]
    r = send(buyer, "post", f"/api/v1/procurement/orders/{order_id}/submit", {})
    assert r.status_code == 409
    assert r.json()["code"] == "procurement.product_not_approved"
    assert draft.code in r.json()["message"]


def test_a_lapsed_licence_is_named_in_the_refusal(world, buyer, send, make_order):
    from mederp.core import clock

    order = make_order()
    with clock.frozen(dt.datetime(2028, 1, 10, 2, 0, tzinfo=dt.UTC)):
        r = send(buyer, "post", f"/api/v1/procurement/orders/{order.pk}/submit", {})
    assert r.status_code == 409
    body = r.json()
    assert body["code"] == "procurement.supplier_licence_expired"
    assert body["details"]["number"] == world.licence.number
    assert world.licence.number in body["message"] and "2027-12-31" in body["message"]


def test_submit_and_approve_over_the_api(world, buyer, qa, send, make_order):
    order = make_order()
    assert (
        send(buyer, "post", f"/api/v1/procurement/orders/{order.pk}/submit", {}).json()["state"]
        == "submitted"
    )
    later()
    r = send(
        qa,
        "post",
        f"/api/v1/procurement/orders/{order.pk}/approve",
        {"password": PASSWORD, "totp": code(world.qa.secret)},
    )
    assert r.status_code == 200, r.content
    data = r.json()
    assert data["state"] == "approved" and data["approved"] is True
    assert data["signatures"][0]["meaning"] == "approved"
    assert data["signatures"][0]["printed_name"] == world.qa.get_full_name()


def test_an_api_key_cannot_approve(world, system, send, make_order):
    """ES-11: 403 identity.not_a_person, even for a client holding the QA role."""
    order = make_order()
    services.submit_order(Actor.for_user(world.buyer), order.pk)
    _client, token = identity.create_api_client(system, name="erp-bot", roles=["qa_manager"])
    r = send(
        Client(),
        "post",
        f"/api/v1/procurement/orders/{order.pk}/approve",
        {"password": "x"},
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert r.status_code == 403 and r.json()["code"] == "identity.not_a_person"
    assert not Signature.objects.filter(record_type="procurement.purchaseorder").exists()


def test_purchasing_is_refused_approval(world, buyer, send, make_order):
    order = make_order()
    r = send(buyer, "post", f"/api/v1/procurement/orders/{order.pk}/approve", {"password": "x"})
    assert r.status_code == 403


def test_lines_change_with_a_reason_and_are_removed_over_the_api(world, buyer, send, make_order):
    order = make_order()
    line = order.lines.get()
    r = send(buyer, "patch", f"/api/v1/procurement/lines/{line.pk}", {"quantity": "20"})
    assert r.status_code == 422  # no reason
    r = send(
        buyer, "patch", f"/api/v1/procurement/lines/{line.pk}", {"quantity": "20", "reason": "r"}
    )
    assert r.status_code == 200 and r.json()["quantity"] == "20"
    r = send(
        buyer,
        "post",
        f"/api/v1/procurement/orders/{order.pk}/lines",
        {"product": world.plain_product.code, "quantity": "3", "unit_price": "0.5"},
    )
    assert r.status_code == 201 and r.json()["line_no"] == 2
    r = send(buyer, "post", f"/api/v1/procurement/lines/{line.pk}/remove", {"reason": "dup"})
    assert r.status_code == 200 and [ln["line_no"] for ln in r.json()["lines"]] == [2]


def test_a_receipt_by_scan_over_the_api(world, inspector, send, approved_order):
    order = approved_order()
    line = order.lines.get()
    raw = f"01{world.lot_product.gtin}17281231" + f"10L-API{GS}"
    body = {
        "order_id": order.pk,
        "location_id": world.quarantine.pk,
        "lines": [{"order_line": line.pk, "quantity": "30", "scan": raw}],
    }
    r = send(inspector, "post", "/api/v1/procurement/receipts", body, HTTP_IDEMPOTENCY_KEY="r-1")
    assert r.status_code == 201, r.content
    data = r.json()
    assert data["lines"][0]["lot_number"] == "L-API"
    assert data["lines"][0]["expiry_date"] == "2028-12-31"
    assert data["lines"][0]["raw_scan"] == raw
    assert data["lines"][0]["registration_number"]
    again = send(
        inspector, "post", "/api/v1/procurement/receipts", body, HTTP_IDEMPOTENCY_KEY="r-1"
    )
    assert again.status_code == 201 and Receipt.objects.count() == 1
    assert inspector.get(f"/api/v1/procurement/receipts/{data['id']}").json() == data
    listed = inspector.get("/api/v1/procurement/receipts?q=L-API").json()
    assert [r["id"] for r in listed["items"]] == [data["id"]]


def test_a_receipt_with_another_products_gtin_is_a_422_that_writes_nothing(
    world, inspector, send, approved_order, unchanged
):
    order = approved_order()
    body = {
        "order_id": order.pk,
        "location_id": world.quarantine.pk,
        "lines": [
            {
                "order_line": order.lines.get().pk,
                "quantity": "1",
                "scan": f"01{world.serial_product.gtin}17281231" + "21SN",
            }
        ],
    }
    with unchanged(Receipt, Lot):
        r = send(inspector, "post", "/api/v1/procurement/receipts", body)
    assert r.status_code == 422 and r.json()["code"] == "procurement.gtin_other_product"
    assert r.json()["details"]["field"] == "scan"


def test_the_scan_preview_reads_and_checks_without_writing(
    world, inspector, approved_order, unchanged
):
    order = approved_order()
    line = order.lines.get()
    raw = f"01{world.lot_product.gtin}11260105" + "17281200" + "10L9"
    with unchanged(Receipt, Lot):
        r = inspector.get("/api/v1/procurement/scan", {"code": raw, "order_line": line.pk})
    assert r.status_code == 200
    data = r.json()
    assert (data["gtin"], data["lot"], data["expiry_date"]) == (
        world.lot_product.gtin,
        "L9",
        "2028-12-31",
    )
    assert data["problems"] == []
    wrong = inspector.get(
        "/api/v1/procurement/scan",
        {"code": f"01{world.serial_product.gtin}21S1", "order_line": line.pk},
    ).json()
    assert [p["code"] for p in wrong["problems"]] == ["procurement.gtin_other_product"]
    bad = inspector.get("/api/v1/procurement/scan", {"code": "0104012345678902"}).json()
    assert [p["code"] for p in bad["problems"]] == ["barcodes.gtin_check_digit"]


def test_an_unknown_order_is_a_coded_404(buyer):
    r = buyer.get("/api/v1/procurement/orders/999999")
    assert r.status_code == 404 and r.json()["code"] == "not_found"
