"""Supplier evaluation under /api/v1/quality/suppliers: scorecards, idempotent drafting, signed
approval, refusals as coded JSON, deny by default (ISO 13485 §7.4.1; CN-21; invariants 5, 7, 9)."""

from __future__ import annotations

from django.test import Client

from mederp.partners.models import Partner
from mederp.quality.suppliers.models import SupplierEvaluation
from tests.procurement.conftest import sign

BASE = "/api/v1/quality/suppliers"


def client_of(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def test_scorecards_list_every_supplier_with_its_figures(quality, api_as):
    quality.receive("100", accepted="90")
    body = api_as("purchasing").get(f"{BASE}/scorecards").json()
    [card] = body["items"]
    assert card["supplier_code"] == quality.world.supplier.code
    assert card["figures"]["quantity_accepted"].startswith("90")
    assert card["components"]["acceptance"] == "0.9000"
    assert card["score"] == "95.3" and card["suggested_status"] == "approved"
    assert body["scoring"]["weights"]["acceptance"] == "35"


def test_scorecards_refuse_a_backwards_period(quality, api_as):
    r = api_as("purchasing").get(f"{BASE}/scorecards?period_start=2026-06-10&period_end=2026-06-01")
    assert r.status_code == 422 and r.json()["code"] == "supplier_quality.period_invalid"


def test_draft_is_idempotent_and_approval_is_signed(quality, send):
    quality.receive("100", accepted="30")
    body = {
        "supplier_id": quality.world.supplier.pk,
        "proposed_status": "disqualified",
        "rationale": "70 % rejected",
    }
    author = client_of(quality.author)
    r = send(author, "post", f"{BASE}/evaluations", body, HTTP_IDEMPOTENCY_KEY="se-1")
    assert r.status_code == 201, r.content
    first = r.json()
    again = send(author, "post", f"{BASE}/evaluations", body, HTTP_IDEMPOTENCY_KEY="se-1")
    assert again.status_code == 201 and again.json()["id"] == first["id"]
    assert SupplierEvaluation.objects.count() == 1
    other = send(
        author,
        "post",
        f"{BASE}/evaluations",
        {**body, "rationale": "x"},
        HTTP_IDEMPOTENCY_KEY="se-1",
    )
    assert other.status_code == 409 and other.json()["code"] == "idempotency.key_reused"

    url = f"{BASE}/evaluations/{first['id']}/approve"
    own = send(author, "post", url, {**sign(quality.author), "reason": ""})
    assert own.status_code == 403 and own.json()["code"] == "signatures.sod_author_cannot_approve"
    r = send(client_of(quality.qa), "post", url, sign(quality.qa), HTTP_IDEMPOTENCY_KEY="ap-1")
    assert r.status_code == 200, r.content
    assert r.json()["state"] == "approved"
    assert [s["meaning"] for s in r.json()["signatures"]] == ["approved"]
    assert Partner.objects.get(pk=quality.world.supplier.pk).status == "blocked"
    got = client_of(quality.qa).get(f"{BASE}/evaluations/{first['id']}").json()
    assert got["number"] == first["number"] and got["proposed_status"] == "disqualified"


def test_bad_drafts_get_coded_errors_and_write_nothing(quality, send, unchanged):
    quality.receive("100")
    author = client_of(quality.author)
    with unchanged(SupplierEvaluation):
        r = send(
            author,
            "post",
            f"{BASE}/evaluations",
            {
                "supplier_id": quality.world.supplier.pk,
                "proposed_status": "great",
                "rationale": "x",
            },
        )
        assert r.status_code == 422 and r.json()["code"] == "supplier_quality.status_invalid"
        r = send(
            author,
            "post",
            f"{BASE}/evaluations",
            {"supplier_id": 999999, "proposed_status": "approved", "rationale": "x"},
        )
        assert r.status_code == 404
        r = send(
            author,
            "post",
            f"{BASE}/evaluations",
            {
                "supplier_id": quality.world.supplier.pk,
                "proposed_status": "approved",
                "rationale": "x",
                "score": 100,
            },
        )
        assert r.status_code == 422  # unknown field
    assert client_of(quality.qa).get(f"{BASE}/evaluations/999999").status_code == 404


def test_buyers_read_scorecards_but_neither_draft_nor_approve(quality, api_as, send):
    quality.receive("100")
    ev = quality.evaluate("approved")
    buyer = api_as("purchasing")
    assert buyer.get(f"{BASE}/evaluations").status_code == 200
    r = send(
        buyer,
        "post",
        f"{BASE}/evaluations",
        {"supplier_id": quality.world.supplier.pk, "proposed_status": "approved", "rationale": "x"},
    )
    assert r.status_code == 403
    r = send(buyer, "post", f"{BASE}/evaluations/{ev.pk}/approve", {"password": "x"})
    assert r.status_code == 403
    assert api_as("sales").get(f"{BASE}/scorecards").status_code == 403
