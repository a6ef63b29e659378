"""CAPA pages: the list with the aging chart and overdue flags, opening prefilled from an NCR
id, the detail's forms, closing by the sign page (QE-07; invariant 9)."""

from __future__ import annotations

import datetime as dt

from django.test import Client

from mederp.core import clock
from mederp.quality.capa.models import Capa
from tests.quality.capa.conftest import TODAY, sign_body


def client_of(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def test_the_list_shows_the_aging_chart_and_overdue_flags(desk):
    late = desk.investigated()
    desk.action(late, due_date=TODAY + dt.timedelta(days=1))
    desk.open(title="Fresh")
    with clock.frozen(dt.datetime(2026, 6, 30, 2, 0, tzinfo=dt.UTC)):
        r = client_of(desk.qa).get("/quality/capas/")
    html = r.content.decode()
    assert r.status_code == 200
    assert "纠正预防措施" in html
    assert '<svg class="capa-aging"' in html
    assert 'data-bucket="0-30" data-count="2"' in html
    assert f'data-capa="{late.number}" data-overdue="true"' in html
    assert html.count('data-overdue="true"') == 1


def test_opening_from_the_form_with_a_link(desk):
    qa = client_of(desk.qa)
    assert qa.get("/quality/capas/new/?ncr=5").status_code == 200
    r = qa.post(
        "/quality/capas/new/",
        {
            "kind": "preventive",
            "title": "Trend in torque",
            "problem": "Torque drifting upward",
            "link_kind": "audit",
            "link_ref": "IA-2026-01",
        },
    )
    assert r.status_code == 302
    capa = Capa.objects.get()
    assert (capa.kind, capa.links.get().ref_number) == ("preventive", "IA-2026-01")


def test_a_refused_opening_shows_the_error_and_writes_nothing(desk):
    r = client_of(desk.qa).post(
        "/quality/capas/new/",
        {"kind": "corrective", "title": "x", "problem": "y", "link_kind": "ncr", "link_ref": "77"},
    )
    assert r.status_code == 200
    assert "There is no ncr with id 77" in r.content.decode()
    assert not Capa.objects.exists()


def test_the_detail_walks_the_life_and_closes_by_signature(desk):
    qa = client_of(desk.qa)
    capa = desk.open()
    base = f"/quality/capas/{capa.pk}/"
    qa.post(base + "root-cause/", {"method": "5why", "root_cause": "Worn die"})
    qa.post(
        base + "actions/",
        {
            "kind": "corrective",
            "description": "Replace die",
            "owner": desk.owner.pk,
            "due_date": "2026-07-01",
        },
    )
    action = capa.actions.get()
    qa.post(base + f"actions/{action.pk}/complete/", {"evidence": "PM-88"})
    qa.post(base + "verify/")
    page = qa.get(base).content.decode()
    assert "有效性验证" in page and "根本原因" in page
    r = qa.post(
        base + "transition/close/", {f"close-{k}": v for k, v in sign_body(desk.qa).items()}
    )
    assert r.status_code == 200  # refused: shown on the sign page
    assert "effectiveness check" in r.content.decode()
    qa.post(base + "effectiveness/", {"result": "effective", "evidence": "10 lots passed"})
    r = qa.post(
        base + "transition/close/", {f"close-{k}": v for k, v in sign_body(desk.qa).items()}
    )
    assert r.status_code == 302, r.content.decode()[:2000]
    assert Capa.objects.get(pk=capa.pk).state == "closed"


def test_a_second_completion_from_the_page_is_refused(desk):
    qa = client_of(desk.qa)
    capa = desk.investigated()
    action = desk.action(capa)
    url = f"/quality/capas/{capa.pk}/actions/{action.pk}/complete/"
    qa.post(url, {"evidence": "first"})
    r = qa.post(url, {"evidence": "second"}, follow=True)
    assert "already completed" in r.content.decode()
    action.refresh_from_db()
    assert action.evidence == "first"


def test_pages_are_closed_to_sales_and_anonymous(desk, api_as):
    capa = desk.open()
    assert api_as("sales").get("/quality/capas/").status_code == 403
    auditor = api_as("auditor")
    assert auditor.get(f"/quality/capas/{capa.pk}/").status_code == 200
    assert auditor.post(f"/quality/capas/{capa.pk}/verify/").status_code == 403
    assert Client().get("/quality/capas/").status_code in (302, 403)
