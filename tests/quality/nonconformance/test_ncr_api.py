"""/api/v1/quality/ncrs: raise, read, investigate, disposition and close (QE-01), with the
refusals as coded JSON and idempotent writes (invariants 5, 7)."""

from __future__ import annotations

from django.test import Client

from mederp.inventory.models import Lot, Move
from mederp.quality.nonconformance.models import Nonconformance
from tests.quality.nonconformance.conftest import TABLES
from tests.signing_support import PASSWORD, code, later

URL = "/api/v1/quality/ncrs"


def client_for(user) -> Client:
    c = Client(HTTP_ACCEPT_LANGUAGE="en")
    c.force_login(user)
    return c


def body(plant, lot, **kw):
    data = {
        "source": "receipt",
        "source_ref": "GR00000001",
        "product_id": plant.world.lot_product.pk,
        "supplier_id": plant.world.supplier.pk,
        "description": "Torn pouches",
        "items": [{"lot_id": lot.pk, "quantity": "5"}],
    }
    data.update(kw)
    return data


def test_raise_read_and_list(plant, send):
    lot = plant.receive("10")
    qc = client_for(plant.inspector)
    r = send(qc, "post", URL, body(plant, lot), HTTP_IDEMPOTENCY_KEY="k1")
    assert r.status_code == 201, r.content
    ncr = r.json()
    assert ncr["items"][0]["quantity"] == "5" and ncr["items"][0]["status_now"] == "on_hold"
    again = send(qc, "post", URL, body(plant, lot), HTTP_IDEMPOTENCY_KEY="k1")
    assert again.json()["id"] == ncr["id"] and Nonconformance.objects.count() == 1
    other = send(qc, "post", URL, body(plant, lot, description="x"), HTTP_IDEMPOTENCY_KEY="k1")
    assert other.status_code == 409
    listed = qc.get(URL, {"state": "open", "supplier": plant.world.supplier.pk}).json()
    assert [n["number"] for n in listed["items"]] == [ncr["number"]]
    assert qc.get(URL, {"state": "closed"}).json()["count"] == 0
    assert qc.get(f"{URL}/{ncr['id']}").json()["number"] == ncr["number"]


def test_bad_input_is_a_coded_error_and_writes_nothing(plant, send, unchanged):
    lot = plant.receive("10")
    qc = client_for(plant.inspector)
    with unchanged(*TABLES):
        r = send(qc, "post", URL, body(plant, lot, items=[{"lot_id": lot.pk, "quantity": "11"}]))
        assert (r.status_code, r.json()["code"]) == (422, "nonconformance.item_not_on_hand")
        r = send(qc, "post", URL, body(plant, lot, items=[{"lot_id": lot.pk, "quantity": 1.5}]))
        assert r.status_code == 422
    assert Lot.objects.get(pk=lot.pk).status == "quarantine"


def test_permissions_are_enforced(plant, send, make_user):
    lot = plant.receive("10")
    buyer = client_for(make_user("buyer2", "purchasing"))
    assert send(buyer, "post", URL, body(plant, lot)).status_code == 403
    assert buyer.get(URL).status_code == 200
    anonymous = Client()
    assert anonymous.get(URL).status_code in (401, 403)


def test_the_whole_life_by_api_with_a_signed_return_to_supplier(plant, send):
    """Failed receipt → NCR → investigation → return to supplier (signed) → closed (signed)."""
    lot = plant.receive("10")
    ncr = send(client_for(plant.inspector), "post", URL, body(plant, lot)).json()
    qa = client_for(plant.qa)
    r = send(qa, "post", f"{URL}/{ncr['id']}/investigate", {"investigation": "Pouch film thin"})
    assert r.json()["state"] == "investigating"
    later()
    decision = {
        "disposition": "return_to_supplier",
        "reason": "Supplier to replace",
        "password": PASSWORD,
        "totp": code(plant.qa.secret),
    }
    r = send(qa, "post", f"{URL}/{ncr['id']}/disposition", decision, HTTP_IDEMPOTENCY_KEY="d1")
    assert r.status_code == 200, r.content
    assert r.json()["state"] == "dispositioned"
    assert r.json()["return_reference"] == ncr["number"]
    replay = send(qa, "post", f"{URL}/{ncr['id']}/disposition", decision, HTTP_IDEMPOTENCY_KEY="d1")
    assert replay.status_code == 200
    assert Move.objects.filter(document_type="nonconformance.disposition").count() == 1
    assert Lot.objects.get(pk=lot.pk).status == "rejected"
    later()
    r = send(
        qa,
        "post",
        f"{URL}/{ncr['id']}/close",
        {"password": PASSWORD, "totp": code(plant.qa.secret), "capa_id": 3},
    )
    assert r.status_code == 200, r.content
    assert r.json()["state"] == "closed"
    assert {s["meaning"] for s in r.json()["signatures"]} == {"approved", "closed"}


def test_a_wrong_password_is_refused_and_nothing_moves(plant, send, unchanged):
    lot = plant.receive("10")
    ncr = send(client_for(plant.inspector), "post", URL, body(plant, lot)).json()
    qa = client_for(plant.qa)
    send(qa, "post", f"{URL}/{ncr['id']}/investigate", {"investigation": "x"})
    with unchanged(*TABLES):
        r = send(
            qa,
            "post",
            f"{URL}/{ncr['id']}/disposition",
            {"disposition": "scrap", "reason": "r", "password": "nope", "totp": "000000"},
        )
    assert r.status_code in (401, 403, 422)
    assert r.json()["code"].startswith("identity.")
    assert Lot.objects.get(pk=lot.pk).status == "on_hold"
