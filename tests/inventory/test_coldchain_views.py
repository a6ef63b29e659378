"""Cold-chain pages (issue 4 §6, §10): the temperature overview with its range band, the
excursion with the stock it holds and the sign dialogs, the holds list; signing from the page
(ES-02: name, time and meaning shown; ES-13: a wrong password is shown and writes nothing)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from tests.inventory.coldchain_support import ColdRoom, fill_cold_room, reading, send
from tests.inventory.conftest import Stock
from tests.signing_support import PASSWORD, code, later

from mederp.core.actors import Actor
from mederp.core.models import Signature
from mederp.identity.models import SecurityEvent
from mederp.inventory.models import Excursion, Move, StockHold


@pytest.fixture
def room(stock: Stock, system: Actor) -> ColdRoom:
    return fill_cold_room(stock, system)


@pytest.fixture
def excursion(room: ColdRoom, system: Actor) -> Excursion:
    for i, (celsius, ago) in enumerate((("5", 40), ("11.5", 30), ("9", 20), ("6", 10))):
        send(system, reading(room.stock.cold, celsius, f"R{i}", minutes_ago=ago))
    return Excursion.objects.get()


@pytest.fixture
def qa(person: Any) -> Any:
    return person("qa", "qa_manager")


def browser(user: Any) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def test_the_overview_draws_each_cold_room_with_its_range_and_open_excursion(
    excursion: Excursion, qa: Any
) -> None:
    page = browser(qa).get("/inventory/cold-chain/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-location="COLD"' in html and "2–8 °C" in html
    assert "<svg" in html and "<polyline" in html and 'fill="#e8f5e9"' in html
    assert html.count('fill="#b3261e"') == 2  # 11.5 and 9 °C are outside the band
    assert f"/inventory/excursions/{excursion.pk}/" in html


def test_the_location_page_lists_its_readings(room: ColdRoom, excursion: Excursion, qa: Any):
    page = browser(qa).get(f"/inventory/cold-chain/locations/{room.stock.cold.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "11.50 °C" in html and "R3" in html and "4 readings recorded" in html


def test_the_excursion_shows_the_affected_stock_and_qa_releases_it_in_the_sign_dialog(
    room: ColdRoom, excursion: Excursion, qa: Any
) -> None:
    client = browser(qa)
    page = client.get(f"/inventory/excursions/{excursion.pk}/").content.decode()
    hold = StockHold.objects.get()
    assert f'data-hold="{hold.pk}"' in page and "C1" in page and "2–8 °C" in page
    assert "Close the excursion" in page  # QA may close (refused until holds are decided)
    detail = client.get(f"/inventory/holds/{hold.pk}/").content.decode()
    assert 'id="sign-release"' in detail and 'id="sign-reject"' in detail
    assert "REJ" in detail  # the rejected-goods location offered for a rejection
    r = client.post(
        f"/inventory/holds/{hold.pk}/release/",
        {
            "release-meaning": "released",
            "release-password": PASSWORD,
            "release-totp": code(qa.secret),
            "release-reason": "Stability study S-12 covers 11.5 °C for 1 h",
        },
    )
    assert r.status_code == 302
    assert StockHold.objects.get().released_at is not None
    shown = client.get(f"/inventory/holds/{hold.pk}/").content.decode()
    # ES-02: the manifestation on screen: printed name, time, meaning
    assert "qa 签名人" in shown and "Released" in shown and "UTC" in shown
    assert 'id="sign-release"' not in shown
    later()
    r = client.post(
        f"/inventory/excursions/{excursion.pk}/close/",
        {
            "close-meaning": "closed",
            "close-password": PASSWORD,
            "close-reason": "Door open during unloading; stock released",
        },
    )
    assert r.status_code == 302, r.content.decode()[:2000]
    assert Excursion.objects.get().status == "closed"
    closed = client.get(f"/inventory/excursions/{excursion.pk}/").content.decode()
    assert "Door open during unloading" in closed and "Closed" in closed


def test_a_wrong_password_is_shown_on_the_form_and_writes_nothing_but_the_security_log(
    room: ColdRoom, excursion: Excursion, qa: Any, unchanged: Any
) -> None:
    hold = StockHold.objects.get()
    with unchanged(Signature, Move):
        r = browser(qa).post(
            f"/inventory/holds/{hold.pk}/reject/",
            {
                "reject-meaning": "rejected",
                "reject-to_location": room.stock.rejected.pk,
                "reject-password": "not-it",
                "reject-totp": code(qa.secret),
                "reject-reason": "no data",
            },
        )
    assert r.status_code == 200
    assert "identity.invalid_credentials" in r.content.decode()
    assert StockHold.objects.get().released_at is None
    assert SecurityEvent.objects.filter(kind="signature_failed").exists()


def test_qa_rejects_from_the_page_without_javascript(
    room: ColdRoom, excursion: Excursion, qa: Any
) -> None:
    client = browser(qa)
    hold = StockHold.objects.get()
    page = client.get(f"/inventory/holds/{hold.pk}/reject/")
    assert page.status_code == 200 and "Move the stock to" in page.content.decode()
    r = client.post(
        f"/inventory/holds/{hold.pk}/reject/",
        {
            "reject-meaning": "rejected",
            "reject-to_location": room.stock.rejected.pk,
            "reject-password": PASSWORD,
            "reject-totp": code(qa.secret),
            "reject-reason": "11.5 °C: outside validated data",
        },
    )
    assert r.status_code == 302
    assert Move.objects.filter(document_type="inventory.hold_rejection").count() == 1
    listed = client.get("/inventory/holds/?show=ended").content.decode()
    assert "rejected" in listed


def test_a_warehouse_clerk_sees_the_holds_but_no_sign_dialog(
    excursion: Excursion, person: Any
) -> None:
    clerk = browser(person("clerk", "warehouse"))
    hold = StockHold.objects.get()
    assert f"/inventory/holds/{hold.pk}/" in clerk.get("/inventory/holds/").content.decode()
    detail = clerk.get(f"/inventory/holds/{hold.pk}/").content.decode()
    assert "sign-release" not in detail
    page = clerk.get(f"/inventory/excursions/{excursion.pk}/").content.decode()
    assert "Close the excursion" not in page
    assert clerk.get("/inventory/excursions/?status=open").status_code == 200


def test_the_pages_are_closed_to_users_without_the_view_permissions(
    excursion: Excursion, make_user: Any
) -> None:
    nobody = browser(make_user("nobody"))
    for url in ("/inventory/cold-chain/", "/inventory/excursions/", "/inventory/holds/"):
        assert nobody.get(url).status_code == 403
