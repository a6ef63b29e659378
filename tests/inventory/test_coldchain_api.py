"""The cold chain over the API (issue 4 §6, §9): ingest by API key with idempotent replay,
scopes, bad input, and QA's signed decisions (DI-02, DI-03, DI-09; AC-07; ES-04, ES-11, ES-13;
invariants 5 and 7)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from tests.inventory.coldchain_support import ColdRoom, fill_cold_room, reading, send
from tests.inventory.conftest import Stock
from tests.signing_support import PASSWORD, code, later

from mederp.core.actors import Actor
from mederp.core.models import Signature
from mederp.identity import services as identity
from mederp.identity.models import SecurityEvent
from mederp.inventory import selectors
from mederp.inventory.models import Excursion, Move, StockHold, TemperatureReading

URL = "/api/v1/inventory/temperature-readings"
WATCHED = (TemperatureReading, Excursion, StockHold)


@pytest.fixture
def room(stock: Stock, system: Actor) -> ColdRoom:
    return fill_cold_room(stock, system)


def key_for(system: Actor, *roles: str, scopes: list[str] | None = None) -> str:
    _client, key = identity.create_api_client(
        system, name="logger-gw", roles=list(roles), scopes=scopes or ["inventory:write"]
    )
    return key


def post(key_or_client: Any, path: str, body: Any, **headers: Any) -> Any:
    client = key_or_client if isinstance(key_or_client, Client) else Client()
    if isinstance(key_or_client, str):
        headers["HTTP_AUTHORIZATION"] = f"Bearer {key_or_client}"
    data = body if isinstance(body, str) else json.dumps(body)
    return client.post(
        path, data=data, content_type="application/json", HTTP_ACCEPT_LANGUAGE="en", **headers
    )


def body(stock: Stock, celsius: Any = "5.5", reading_id: str = "LOG7-0001", **kw: Any) -> dict:
    return {
        "reading_id": reading_id,
        "location_id": stock.cold.pk,
        "measured_at": kw.pop("measured_at", "2026-06-15T09:58:00Z"),
        "celsius": celsius,
        "source": "LOG7",
        **kw,
    }


def test_a_logger_posts_a_reading_with_its_api_key_and_its_raw_form_is_kept(
    room: ColdRoom, system: Actor
) -> None:
    key = key_for(system, "warehouse")
    raw = json.dumps(body(room.stock, 5.25))
    r = post(key, URL, raw)
    assert r.status_code == 201, r.content
    out = r.json()
    assert out["reading_id"] == "LOG7-0001" and Decimal(out["celsius"]) == Decimal("5.25")
    assert out["measured_at"].startswith("2026-06-15T09:58:00")
    stored = TemperatureReading.objects.get()
    assert stored.raw == raw
    assert out["raw_sha256"] == hashlib.sha256(raw.encode()).hexdigest()


def test_the_same_reading_sent_again_is_answered_as_before(
    room: ColdRoom, system: Actor, unchanged: Any
) -> None:
    key = key_for(system, "warehouse")
    first = post(key, URL, body(room.stock, "9.5"))
    with unchanged(*WATCHED):
        again = post(key, URL, body(room.stock, "9.50"))
    assert (again.status_code, again.json()) == (first.status_code, first.json())


def test_the_same_reading_id_with_another_temperature_is_409(
    room: ColdRoom, system: Actor, unchanged: Any
) -> None:
    key = key_for(system, "warehouse")
    post(key, URL, body(room.stock, "5.5"))
    with unchanged(*WATCHED):
        r = post(key, URL, body(room.stock, "5.6"))
    assert r.status_code == 409
    assert r.json()["code"] == "inventory.reading_conflict"
    assert r.json()["details"]["conflicting"] == ["celsius"]


def test_an_idempotency_key_replays_the_first_answer_and_refuses_another_body(
    room: ColdRoom, system: Actor
) -> None:
    key = key_for(system, "warehouse")
    first = post(key, URL, body(room.stock), HTTP_IDEMPOTENCY_KEY="k-1")
    again = post(key, URL, body(room.stock), HTTP_IDEMPOTENCY_KEY="k-1")
    assert again.status_code == 201 and again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    other = post(key, URL, body(room.stock, reading_id="LOG7-0002"), HTTP_IDEMPOTENCY_KEY="k-1")
    assert other.status_code == 409 and other.json()["code"] == "idempotency.key_reused"
    assert TemperatureReading.objects.count() == 1


def test_a_read_only_key_may_not_post_readings(room: ColdRoom, system: Actor) -> None:
    """AC-07: the key's scopes bound what its client's roles allow."""
    key = key_for(system, "warehouse", scopes=["inventory:read"])
    r = post(key, URL, body(room.stock))
    assert r.status_code == 403 and r.json()["code"] == "identity.scope_missing"
    listed = Client().get(URL, HTTP_AUTHORIZATION=f"Bearer {key}")
    assert listed.status_code == 200


def test_a_client_without_the_ingest_permission_is_refused(room: ColdRoom, system: Actor) -> None:
    key = key_for(system, "auditor")
    r = post(key, URL, body(room.stock))
    assert r.status_code == 403 and r.json()["code"] == "permission_denied"
    assert not TemperatureReading.objects.exists()


@pytest.mark.parametrize(
    "change,status,code_",
    [
        ({"measured_at": "2026-06-15T09:58:00"}, 422, "inventory.reading_time_naive"),
        ({"measured_at": "2026-06-15T12:00:00Z"}, 422, "inventory.reading_in_future"),
        ({"celsius": "4.125"}, 422, "inventory.reading_precision"),
        ({"celsius": -300}, 422, "inventory.reading_out_of_bounds"),
        ({"celsius": "warm"}, 422, "validation_failed"),
        ({"humidity": 40}, 422, "validation_failed"),
        ({"location_id": 999999}, 404, "not_found"),
    ],
)
def test_bad_readings_get_a_coded_error_and_nothing_is_written(
    room: ColdRoom, system: Actor, unchanged: Any, change: dict, status: int, code_: str
) -> None:
    key = key_for(system, "warehouse")
    with unchanged(*WATCHED):
        r = post(key, URL, {**body(room.stock), **change})
    assert r.status_code == status, r.content
    assert r.json()["code"] == code_


def test_a_batch_holds_the_affected_stock_in_one_transaction(room: ColdRoom, system: Actor) -> None:
    key = key_for(system, "warehouse")
    items = [
        body(room.stock, "5", "R1", measured_at="2026-06-15T09:40:00Z"),
        body(room.stock, 9.4, "R2", measured_at="2026-06-15T09:50:00Z"),
    ]
    r = post(key, URL + "/batch", {"readings": items})
    assert r.status_code == 201, r.content
    assert [x["reading_id"] for x in r.json()["readings"]] == ["R1", "R2"]
    assert json.loads(TemperatureReading.objects.get(reading_id="R2").raw)["celsius"] == 9.4
    excursion = Excursion.objects.get()
    assert excursion.first_reading.reading_id == "R2"
    assert selectors.available_quantity(room.stock.cold_product) == 0
    bad = post(key, URL + "/batch", {"readings": [items[0], {**items[1], "celsius": "9.6"}]})
    assert bad.status_code == 409 and bad.json()["details"]["index"] == 1
    empty = post(key, URL + "/batch", {"readings": []})
    assert empty.status_code == 422


@pytest.fixture
def qa(person: Any) -> Any:
    return person("qa", "qa_manager")


@pytest.fixture
def qa_browser(qa: Any) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(qa)
    return client


@pytest.fixture
def excursion(room: ColdRoom, system: Actor) -> Excursion:
    send(system, reading(room.stock.cold, "11", "R1", minutes_ago=20))
    send(system, reading(room.stock.cold, "5", "R2", minutes_ago=10))
    return Excursion.objects.get()


def test_the_excursion_shows_its_holds_and_qa_releases_one_by_signature(
    room: ColdRoom, excursion: Excursion, qa: Any, qa_browser: Client
) -> None:
    detail = qa_browser.get(f"/api/v1/inventory/excursions/{excursion.pk}").json()
    assert detail["status"] == "open" and detail["readings_during"] == 2
    (hold,) = detail["holds"]
    assert hold["disposition"] == "active" and hold["lot_number"] == "C1"
    r = post(
        qa_browser,
        f"/api/v1/inventory/holds/{hold['id']}/release",
        {"password": PASSWORD, "totp": code(qa.secret), "reason": "stability data: OK"},
        HTTP_IDEMPOTENCY_KEY="rel-1",
    )
    assert r.status_code == 200, r.content
    out = r.json()
    assert out["disposition"] == "released"
    (sig,) = out["signatures"]
    assert sig["meaning"] == "released" and sig["printed_name"] == "qa 签名人" and sig["valid"]
    # a retry with the same key replays the answer without signing again
    again = post(
        qa_browser,
        f"/api/v1/inventory/holds/{hold['id']}/release",
        {"password": PASSWORD, "totp": code(qa.secret), "reason": "stability data: OK"},
        HTTP_IDEMPOTENCY_KEY="rel-1",
    )
    assert again.status_code == 200 and Signature.objects.count() == 1
    later()
    closed = post(
        qa_browser,
        f"/api/v1/inventory/excursions/{excursion.pk}/close",
        {"password": PASSWORD, "reason": "door left open 20 min; stock OK"},
    )
    assert closed.status_code == 200, closed.content
    assert closed.json()["status"] == "closed"
    assert [s["meaning"] for s in closed.json()["signatures"]] == ["closed"]


def test_a_wrong_password_is_refused_and_its_security_record_survives(
    excursion: Excursion, qa_browser: Client, unchanged: Any
) -> None:
    hold = StockHold.objects.get()
    with unchanged(Signature, Move):
        r = post(
            qa_browser,
            f"/api/v1/inventory/holds/{hold.pk}/release",
            {"password": "wrong", "reason": "ok"},
            HTTP_IDEMPOTENCY_KEY="rel-2",
        )
    assert r.status_code in (401, 403, 422) and r.json()["code"].startswith("identity.")
    assert SecurityEvent.objects.filter(kind="signature_failed").exists()
    assert StockHold.objects.get().released_at is None


def test_qa_rejects_held_stock_into_the_rejected_area(
    room: ColdRoom, excursion: Excursion, qa: Any, qa_browser: Client
) -> None:
    hold = StockHold.objects.get()
    r = post(
        qa_browser,
        f"/api/v1/inventory/holds/{hold.pk}/reject",
        {
            "password": PASSWORD,
            "totp": code(qa.secret),
            "reason": "11 °C for 10 min: no data",
            "to_location_id": room.stock.rejected.pk,
        },
    )
    assert r.status_code == 200, r.content
    assert r.json()["disposition"] == "rejected"
    assert selectors.balance_of(
        room.stock.cold_product, location=room.stock.rejected, lot=room.cold_lot
    ) == Decimal("10")
    wrong = post(
        qa_browser,
        f"/api/v1/inventory/excursions/{excursion.pk}/close",
        {"password": PASSWORD, "reason": ""},
    )
    assert wrong.status_code == 422 and wrong.json()["code"] == "signatures.reason_required"


def test_an_api_key_cannot_sign_a_release(excursion: Excursion, system: Actor) -> None:
    """ES-11: a service account is not a person, whatever its roles."""
    key = key_for(system, "qa_manager", scopes=["inventory:write"])
    hold = StockHold.objects.get()
    r = post(key, f"/api/v1/inventory/holds/{hold.pk}/release", {"password": "x", "reason": "ok"})
    assert r.status_code == 403 and r.json()["code"] == "identity.not_a_person"
    assert StockHold.objects.get().released_at is None


def test_lists_of_readings_holds_excursions_and_monitored_locations(
    room: ColdRoom, excursion: Excursion, qa_browser: Client
) -> None:
    readings = qa_browser.get(f"{URL}?location={room.stock.cold.pk}&limit=1").json()
    assert [r["reading_id"] for r in readings] == ["R2"]
    holds = qa_browser.get("/api/v1/inventory/holds").json()
    assert [h["source_id"] for h in holds] == [str(excursion.pk)]
    assert qa_browser.get("/api/v1/inventory/holds?active=false").json() == []
    listed = qa_browser.get("/api/v1/inventory/excursions?status=open").json()
    assert [e["id"] for e in listed] == [excursion.pk]
    places = qa_browser.get("/api/v1/inventory/cold-chain/locations").json()
    (cold,) = [p for p in places if p["code"] == "COLD"]
    assert cold["latest"]["reading_id"] == "R2" and cold["open_excursion_id"] == excursion.pk
    assert qa_browser.get("/api/v1/inventory/excursions/999999").status_code == 404


def test_measured_times_keep_their_instant_in_utc(room: ColdRoom, system: Actor) -> None:
    key = key_for(system, "warehouse")
    r = post(key, URL, body(room.stock, measured_at="2026-06-15T17:58:00+08:00"))
    assert r.status_code == 201
    assert TemperatureReading.objects.get().measured_at == dt.datetime(
        2026, 6, 15, 9, 58, tzinfo=dt.UTC
    )
