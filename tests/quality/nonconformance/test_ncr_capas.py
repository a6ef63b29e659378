"""The NCR page shows its CAPAs and offers to open one (QE-01, QE-07; ISO 13485 §8.3, §8.5.2):
a CAPA opened from the NCR (a CapaLink of kind "ncr") and the CAPA named in the investigation
(``capa_id``) are listed with number, state and a link to the CAPA; "Open a CAPA" (prefilled
from ``?ncr=<id>``) is there only for who may open a CAPA."""

from __future__ import annotations

import re
from decimal import Decimal

from django.test import Client
from django.urls import reverse

from mederp.core.actors import Actor
from mederp.quality.capa.services import open_capa
from mederp.quality.nonconformance.models import Nonconformance
from mederp.quality.nonconformance.services import AffectedItem


def page_of(user, ncr) -> str:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    r = client.get(reverse("nonconformance:ncr_detail", args=[ncr.pk]))
    assert r.status_code == 200
    return r.content.decode()


def capas_section(page: str) -> str:
    found = re.search(r'<section id="capas">(.*?)</section>', page, re.S)
    assert found, "the NCR page has no CAPA section"
    return found.group(1)


def test_a_capa_opened_from_the_ncr_is_listed_with_its_link(plant):
    ncr = plant.open(AffectedItem(plant.receive("10").pk, None, Decimal("2")))
    capa = open_capa(
        Actor.for_user(plant.qa), title="Seal width", problem="Too narrow", links=[("ncr", ncr.pk)]
    )
    section = capas_section(page_of(plant.qa, ncr))
    detail = reverse("capa:capa_detail", args=[capa.pk])
    assert f'<a href="{detail}">{capa.number}</a>' in section
    assert 'data-state="open"' in section and "Seal width" in section


def test_the_capa_named_by_the_investigation_is_listed_too(plant):
    ncr = plant.open(AffectedItem(plant.receive("10").pk, None, Decimal("2")))
    other = open_capa(Actor.for_user(plant.qa), title="Older CAPA", problem="Same cause", links=[])
    Nonconformance.objects.filter(pk=ncr.pk).update(capa_id=other.pk)
    unrelated = open_capa(Actor.for_user(plant.qa), title="Unrelated", problem="x", links=[])
    section = capas_section(page_of(plant.qa, ncr))
    assert other.number in section and unrelated.number not in section


def test_open_a_capa_links_to_the_prefilled_capa_form_for_qa_only(plant):
    ncr = plant.open(AffectedItem(plant.receive("10").pk, None, Decimal("2")))
    section = capas_section(page_of(plant.qa, ncr))
    assert "No CAPA is linked to this NCR." in section
    assert f'href="{reverse("capa:capa_open")}?ncr={ncr.pk}"' in section
    assert "Open a CAPA" in section
    inspector = capas_section(page_of(plant.inspector, ncr))  # no capa.add_capa
    assert "Open a CAPA" not in inspector
