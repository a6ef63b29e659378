"""The stock API (issue 4 §9): reads, transfers and reversals with Idempotency-Key, signed QA
decisions, cycle counts, near-expiry report and reconcile; bad input refused with its code and
nothing written (invariant 5, 7; ES-04, ES-13)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.test import Client
from tests.inventory.conftest import Stock, put_away, receive_lot
from tests.signing_support import PASSWORD, code, later

from mederp.core.models import IdempotencyRecord, Signature
from mederp.identity.models import SecurityEvent
from mederp.inventory.models import Balance, Lot, Move

BASE = "/api/v1/inventory"


def post(client: Client, path: str, body: Any, **headers: Any) -> Any:
    return client.post(
        BASE + path, data=json.dumps(body), content_type="application/json", **headers
    )


@pytest.fixture
def qa(person: Any) -> Any:
    return person("qa", "qa_manager")


@pytest.fixture
def qa_client(qa: Any) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(qa)
    return client


@pytest.fixture
def clerk_client(make_user: Any) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(make_user("clerk", "warehouse"))
    return client


def test_lot_reads_and_signed_release(
    stock: Stock, admin: Any, qa: Any, qa_client: Client, person: Any
) -> None:
    inspector = person("inspector", "qa_manager")
    lot = receive_lot(stock, admin, "10", inspector=inspector).lot
    r = qa_client.get(f"{BASE}/lots/{lot.pk}")
    assert r.status_code == 200
    assert r.json()["status"] == "quarantine" and r.json()["balances"][0]["quantity"] == "10"
    # a wrong password: refused, security-logged, nothing else
    logged = SecurityEvent.objects.count()
    r = post(qa_client, f"/lots/{lot.pk}/release", {"password": "nope", "totp": "000000"})
    assert r.status_code in (401, 403, 422) and r.json()["code"] == "identity.invalid_credentials"
    assert SecurityEvent.objects.count() > logged and not Signature.objects.exists()
    r = post(
        qa_client,
        f"/lots/{lot.pk}/release",
        {"password": PASSWORD, "totp": code(qa.secret)},
        HTTP_IDEMPOTENCY_KEY="rel-1",
    )
    assert r.status_code == 200, r.json()
    body = r.json()
    assert body["status"] == "released" and body["signatures"][0]["meaning"] == "released"
    # the retry replays the answer without a second signature
    r2 = post(
        qa_client,
        f"/lots/{lot.pk}/release",
        {"password": PASSWORD, "totp": code(qa.secret)},
        HTTP_IDEMPOTENCY_KEY="rel-1",
    )
    assert r2.status_code == 200 and r2.json() == body
    assert Signature.objects.count() == 1


def test_the_inspector_is_refused_over_the_api(stock: Stock, admin: Any, qa: Any) -> None:
    lot = receive_lot(stock, admin, "1", inspector=qa).lot
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(qa)
    r = post(client, f"/lots/{lot.pk}/release", {"password": PASSWORD, "totp": code(qa.secret)})
    assert r.status_code == 403 and r.json()["code"] == "signatures.sod_excluded_signer"
    assert Lot.objects.get(pk=lot.pk).status == "quarantine"


def test_transfer_is_idempotent_and_bad_quantities_write_nothing(
    stock: Stock, admin: Any, api: Client
) -> None:
    lot = receive_lot(stock, admin, "10").lot
    Lot.objects.filter(pk=lot.pk).update(status="released")
    body = {
        "product_id": stock.lot_product.pk,
        "lot_id": lot.pk,
        "quantity": "4",
        "from_location_id": stock.quarantine.pk,
        "to_location_id": stock.storage.pk,
    }
    r = post(api, "/transfers", body, HTTP_IDEMPOTENCY_KEY="t-1")
    assert r.status_code == 201, r.json()
    r2 = post(api, "/transfers", body, HTTP_IDEMPOTENCY_KEY="t-1")
    assert r2.status_code == 201 and r2.json() == r.json()
    assert Move.objects.filter(document_type="inventory.transfer").count() == 1
    moves, records = Move.objects.count(), IdempotencyRecord.objects.count()
    for qty, code_ in (
        ("0", "inventory.quantity_not_positive"),
        ("1.2345", "inventory.quantity_precision"),
        ("99", "inventory.insufficient_stock"),
    ):
        r = post(api, "/transfers", {**body, "quantity": qty}, HTTP_IDEMPOTENCY_KEY=f"bad-{qty}")
        assert r.status_code in (409, 422) and r.json()["code"] == code_, r.json()
    assert (Move.objects.count(), IdempotencyRecord.objects.count()) == (moves, records)
    r = api.get(f"{BASE}/balances", {"product": stock.lot_product.pk})
    assert sorted((b["location_code"], b["quantity"]) for b in r.json()) == [
        ("A-01", "4"),
        ("QUA", "6"),
    ]
    r = api.get(f"{BASE}/available", {"product": stock.lot_product.pk})
    assert [(a["lot_number"], a["available"]) for a in r.json()] == [("L1", "4")]
    r = api.get(f"{BASE}/moves", {"lot": lot.pk})
    assert [m["document_type"] for m in r.json()] == ["inventory.transfer", "procurement.receipt"]


def test_reversal_over_the_api(stock: Stock, admin: Any, api: Client) -> None:
    move = receive_lot(stock, admin, "3")
    r = post(api, f"/moves/{move.pk}/reverse", {"reason": "keyed twice"})
    assert r.status_code == 201 and r.json()["reverses_id"] == move.pk
    r = post(api, f"/moves/{move.pk}/reverse", {"reason": "again"})
    assert r.status_code == 409 and r.json()["code"] == "inventory.already_reversed"
    r = post(api, f"/moves/{move.pk}/reverse", {"reason": ""})
    assert r.status_code == 422


def test_warehouse_staff_cannot_release_or_reverse(
    stock: Stock, admin: Any, clerk_client: Client
) -> None:
    move = receive_lot(stock, admin, "3")
    r = post(clerk_client, f"/lots/{move.lot_id}/release", {"password": PASSWORD})
    assert r.status_code == 403
    r = post(clerk_client, f"/moves/{move.pk}/reverse", {"reason": "x"})
    assert r.status_code == 403


def test_cycle_count_over_the_api(
    stock: Stock, admin: Any, qa: Any, qa_client: Client, make_user: Any
) -> None:
    lot = receive_lot(stock, admin, "10").lot
    put_away(stock, admin, lot, 10)
    counter = Client(HTTP_ACCEPT_LANGUAGE="en")
    counter.force_login(make_user("counter", "warehouse"))
    r = post(counter, "/counts", {"location_id": stock.storage.pk}, HTTP_IDEMPOTENCY_KEY="c-1")
    assert r.status_code == 201, r.json()
    count = r.json()
    (line,) = count["lines"]
    r = post(
        counter,
        f"/counts/{count['id']}/record",
        {"lines": [{"line_id": line["id"], "counted": "11"}]},
    )
    assert r.status_code == 200 and r.json()["status"] == "counted"
    assert r.json()["lines"][0]["difference"] == "1"
    later()
    r = post(
        qa_client,
        f"/counts/{count['id']}/approve",
        {"password": PASSWORD, "totp": code(qa.secret), "reason": "found behind the rack"},
    )
    assert r.status_code == 200, r.json()
    assert Balance.objects.get(location=stock.storage).quantity == 11
    r = qa_client.get(f"{BASE}/reconcile")
    assert r.json() == {"ok": True, "differences": []}


def test_near_expiry_report(stock: Stock, admin: Any, api: Client) -> None:
    lot = receive_lot(stock, admin, "2", expiry_date=dt.date(2026, 8, 1)).lot
    receive_lot(stock, admin, "2", lot="FAR", expiry_date=dt.date(2028, 1, 1))
    r = api.get(f"{BASE}/near-expiry")
    assert r.status_code == 200
    assert [(row["lot_number"], row["days_left"], row["window_days"]) for row in r.json()] == [
        (lot.number, 47, 90)
    ]
