"""The NCR page says what happened to the affected stock in words (QE-01): the lot number, the
stock status by its name, the hold reason; never the raw hold reference
("inventory.lot 1 on_hold (NCR …)") nor a status code ("quarantine")."""

from __future__ import annotations

import re
from decimal import Decimal

from django.test import Client
from django.urls import reverse

from mederp.quality.nonconformance.services import AffectedItem


def hold_cells(user, ncr) -> list[str]:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    page = client.get(reverse("nonconformance:ncr_detail", args=[ncr.pk])).content.decode()
    assert "inventory.lot" not in page and "on_hold" not in page
    return [" ".join(c.split()) for c in re.findall(r'<td class="hold">(.*?)</td>', page, re.S)]


def test_the_hold_reads_as_words(plant):
    lot = plant.receive("10", lot="L-77")
    ncr = plant.open(AffectedItem(lot.pk, None, Decimal("2")))
    assert hold_cells(plant.inspector, ncr) == [
        f"Lot L-77 put on hold (On hold) · reason: NCR {ncr.number}"
    ]


def test_stock_already_held_says_so_and_the_status_when_opened_is_named(plant):
    lot = plant.receive("10", lot="L-78")
    plant.open(AffectedItem(lot.pk, None, Decimal("2")))
    second = plant.open(AffectedItem(lot.pk, None, Decimal("1")))
    assert hold_cells(plant.inspector, second) == ["Lot L-78 was already on hold: not held again"]
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(plant.inspector)
    page = client.get(reverse("nonconformance:ncr_detail", args=[second.pk])).content.decode()
    assert "<td>On hold</td>" in page  # the status when the second NCR opened, by name


def test_a_serial_is_named_as_a_serial(plant):
    serial = plant.receive("1", serial="SN-0009")
    ncr = plant.open(
        AffectedItem(None, serial.pk, Decimal("1")), product=plant.world.serial_product
    )
    assert hold_cells(plant.inspector, ncr) == [
        f"Serial SN-0009 put on hold (On hold) · reason: NCR {ncr.number}"
    ]
