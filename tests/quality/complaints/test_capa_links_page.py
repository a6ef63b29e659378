"""The complaint page lists its CAPAs with links to them (QE-07): the CAPA it opened (its
``capa_id``) and a CAPA opened on the CAPA side with a link of kind "complaint"; its NCR links to
the NCR's page."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from mederp.quality.capa.services import open_capa
from mederp.quality.complaints import services

pytestmark = pytest.mark.django_db


def page_of(user, complaint) -> str:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    r = client.get(reverse("complaints:complaint_detail", args=[complaint.pk]))
    assert r.status_code == 200
    return r.content.decode()


def test_the_complaints_capas_link_to_their_pages(desk):
    c = services.open_ncr_for(desk.actor(), desk.receive())
    c = services.open_capa_for(desk.actor(), c, title="Plunger seal tolerance")
    later = open_capa(desk.actor(), title="Packaging", problem="x", links=[("complaint", c.pk)])
    page = page_of(desk.qa, c)
    for capa_id, number in ((c.capa_id, c.capa_number), (later.pk, later.number)):
        assert f'<a href="{reverse("capa:capa_detail", args=[capa_id])}">{number}</a>' in page
    ncr_page = reverse("nonconformance:ncr_detail", args=[c.ncr_id])
    assert f'<a href="{ncr_page}">{c.ncr_number}</a>' in page


def test_a_capa_linked_from_the_capa_side_shows_and_the_form_stays(desk):
    c = desk.receive()
    capa = open_capa(desk.actor(), title="Packaging", problem="x", links=[("complaint", c.pk)])
    page = page_of(desk.qa, c)
    assert capa.number in page and 'data-state="open"' in page
    assert reverse("complaints:complaint_capa", args=[c.pk]) in page  # its own CAPA not yet
