"""An action's owner completes it without being QA (QE-07; ISO 13485 §8.5.2 e): actions are
owned by production supervisors, buyers, QC): ``complete_action`` allows QA
(``capa.change_capa``) or the action's owner; anyone else is refused
(``capa.not_action_owner``, 403) with nothing written. The API and the page ask only
``capa.view_capa`` and leave the decision to the service."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from mederp.core.actors import Actor
from mederp.core.errors import DomainError
from mederp.core.models import OutboxEvent
from mederp.quality.capa import services
from mederp.quality.capa.models import CapaAction
from tests.quality.capa.conftest import TABLES


def browser(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def post_json(client: Client, url: str, body: dict):
    return client.post(url, data=json.dumps(body), content_type="application/json")


@pytest.fixture
def qc_owner(make_user):
    """A QC inspector (reads CAPAs, may not change them) who owns an action."""
    return make_user("qc-owner", "qc_inspector")


@pytest.fixture
def stranger(make_user):
    """Reads CAPAs (auditor) but neither is QA nor owns the action."""
    return make_user("aud1", "auditor")


def test_the_owner_without_change_capa_completes_their_action(desk):
    capa = desk.investigated()
    action = desk.action(capa)  # owned by desk.owner, a production operator
    assert not desk.owner.has_perm("capa.change_capa")
    services.complete_action(Actor.for_user(desk.owner), capa.pk, action.pk, evidence="PM-88")
    action.refresh_from_db()
    assert action.done_at is not None and action.done_by == desk.owner
    assert OutboxEvent.objects.filter(event_type="capa.action.completed").count() == 1


def test_someone_else_is_refused_and_nothing_is_written(desk, stranger, unchanged):
    capa = desk.investigated()
    action = desk.action(capa)
    with unchanged(*TABLES), pytest.raises(DomainError) as caught:
        services.complete_action(Actor.for_user(stranger), capa.pk, action.pk, evidence="x")
    assert caught.value.code == "capa.not_action_owner"
    assert caught.value.http_status == 403
    assert "prod1" in caught.value.render_message()  # names the owner
    assert CapaAction.objects.get(pk=action.pk).done_at is None


def test_qa_still_completes_anyones_action(desk):
    capa = desk.investigated()
    action = desk.action(capa)
    services.complete_action(desk.actor, capa.pk, action.pk, evidence="done by QA")
    assert CapaAction.objects.get(pk=action.pk).done_by == desk.qa


def test_over_the_api_the_owner_completes_and_a_stranger_gets_403(
    desk, qc_owner, stranger, unchanged
):
    capa = desk.investigated()
    action = desk.action(capa, owner=qc_owner)
    url = f"/api/v1/quality/capas/{capa.pk}/actions/{action.pk}/complete"
    with unchanged(*TABLES):
        r = post_json(browser(stranger), url, {"evidence": "not mine"})
    assert (r.status_code, r.json()["code"]) == (403, "capa.not_action_owner")
    r = post_json(browser(qc_owner), url, {"evidence": "Gauge R&R report QC-12"})
    assert r.status_code == 200, r.content
    assert r.json()["actions"][0]["done_at"] is not None


def test_on_the_page_the_owner_sees_and_uses_the_complete_form(desk, qc_owner, stranger):
    capa = desk.investigated()
    action = desk.action(capa, owner=qc_owner)
    url = f"/quality/capas/{capa.pk}/actions/{action.pk}/complete/"
    assert url not in browser(stranger).get(f"/quality/capas/{capa.pk}/").content.decode()
    r = browser(stranger).post(url, {"evidence": "not mine"}, follow=True)
    assert "only its owner" in r.content.decode()
    assert CapaAction.objects.get(pk=action.pk).done_at is None
    owner = browser(qc_owner)
    assert url in owner.get(f"/quality/capas/{capa.pk}/").content.decode()
    r = owner.post(url, {"evidence": "Gauge R&R report QC-12"})
    assert r.status_code == 302
    assert CapaAction.objects.get(pk=action.pk).done_by == qc_owner


def test_qa_sees_the_complete_form_for_every_open_action(desk, qc_owner):
    capa = desk.investigated()
    action = desk.action(capa, owner=qc_owner)
    page = browser(desk.qa).get(f"/quality/capas/{capa.pk}/").content.decode()
    assert f"/quality/capas/{capa.pk}/actions/{action.pk}/complete/" in page
