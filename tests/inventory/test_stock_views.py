"""Stock pages (issue 4 §10): stock on hand, lot detail with the sign dialog, transfer by scan,
cycle counts, near-expiry report; and the scan reader behind the lot field."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from tests.inventory.conftest import Stock, put_away, receive_lot
from tests.signing_support import PASSWORD, code, later

from mederp.core.models import Signature
from mederp.inventory import scan
from mederp.inventory.models import Balance, CycleCount, Lot


def client_for(user: Any) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("L2406A", (None, "L2406A", None)),
        ("0106901234567892\x1d10L2406A\x1d17270101", ("06901234567892", "L2406A", None)),
        ("010690123456789217270101" + "10L2406A", ("06901234567892", "L2406A", None)),
        ("0106901234567892<GS>10L2406A<GS>21SN9", ("06901234567892", "L2406A", "SN9")),
        ("(01)06901234567892(17)270101(10)L2406A", ("06901234567892", "L2406A", None)),
        ("]C10106901234567892{GS}21SN-1", ("06901234567892", None, "SN-1")),
    ],
)
def test_the_scan_reader_takes_gtin_lot_and_serial(raw: str, expected: tuple[Any, ...]) -> None:
    item = scan.read(raw)
    assert (item.gtin, item.lot, item.serial) == expected
    assert item.raw == raw


def test_stock_list_and_lot_detail_render(stock: Stock, admin: Any, admin_user: Any) -> None:
    lot = receive_lot(stock, admin, "10").lot
    browser = client_for(admin_user)
    page = browser.get("/inventory/stock/")
    assert page.status_code == 200 and b"L1" in page.content and b"Quarantine" in page.content
    page = browser.get(f"/inventory/lots/{lot.pk}/", {"product": "INV-001"})
    assert page.status_code == 200
    assert b"procurement.receipt" in page.content
    assert f"/inventory/lots/{lot.pk}/release/".encode() in page.content  # the sign dialog


def test_qa_releases_on_the_lot_page_by_signature(stock: Stock, admin: Any, person: Any) -> None:
    lot = receive_lot(stock, admin, "10").lot
    qa = person("qa", "qa_manager")
    browser = client_for(qa)
    url = f"/inventory/lots/{lot.pk}/release/"
    page = browser.post(url, {"release-password": "wrong", "release-totp": "000000"})
    assert page.status_code == 200 and b"identity.invalid_credentials" in page.content
    assert Lot.objects.get(pk=lot.pk).status == "quarantine"
    page = browser.post(url, {"release-password": PASSWORD, "release-totp": code(qa.secret)})
    assert page.status_code == 302
    assert Lot.objects.get(pk=lot.pk).status == "released"
    assert Signature.objects.filter(record_type="inventory.lot", meaning="released").count() == 1


def test_transfer_by_scanning_the_label(stock: Stock, admin: Any, admin_user: Any) -> None:
    lot = receive_lot(stock, admin, "10").lot
    Lot.objects.filter(pk=lot.pk).update(status="released")
    browser = client_for(admin_user)
    form = {
        "product": stock.lot_product.gtin,
        "scan": f"01{stock.lot_product.gtin}17280101<GS>10L1",
        "quantity": "4",
        "from_location": stock.quarantine.pk,
        "to_location": stock.storage.pk,
    }
    page = browser.post("/inventory/transfers/new/", form)
    assert page.status_code == 302, page.content.decode()[:2000]
    assert Balance.objects.get(location=stock.storage).quantity == 4
    # a label of another product is refused on the form, nothing moved
    other = {**form, "scan": "(01)06901234567892(10)L1"}
    page = browser.post("/inventory/transfers/new/", other)
    assert page.status_code == 200 and b"not this product" in page.content
    page = browser.post("/inventory/transfers/new/", {**form, "quantity": "0.0001"})
    assert page.status_code == 200 and b"decimal places" in page.content
    assert Balance.objects.get(location=stock.storage).quantity == 4


def test_cycle_count_pages(stock: Stock, admin: Any, person: Any, make_user: Any) -> None:
    lot = receive_lot(stock, admin, "10").lot
    put_away(stock, admin, lot, 10)
    counter = client_for(make_user("counter", "warehouse"))
    page = counter.post("/inventory/counts/", {"location": stock.storage.pk})
    assert page.status_code == 302
    count = CycleCount.objects.get()
    (line,) = count.lines.all()
    page = counter.post(
        f"/inventory/counts/{count.pk}/", {"step": "record", f"line-{line.pk}": "9"}
    )
    assert page.status_code == 302
    qa = person("qa", "qa_manager")
    browser = client_for(qa)
    page = browser.get(f"/inventory/counts/{count.pk}/")
    assert page.status_code == 200 and b"approve the differences" in page.content
    later()
    page = browser.post(
        f"/inventory/counts/{count.pk}/",
        {"step": "approved", "approve-password": PASSWORD, "approve-totp": code(qa.secret)},
    )
    assert page.status_code == 302, page.content.decode()[:3000]
    assert Balance.objects.get(location=stock.storage).quantity == 9


def test_near_expiry_page(stock: Stock, admin: Any, admin_user: Any) -> None:
    receive_lot(stock, admin, "2", lot="SOON", expiry_date=dt.date(2026, 7, 1))
    page = client_for(admin_user).get("/inventory/near-expiry/")
    assert page.status_code == 200 and b"SOON" in page.content
