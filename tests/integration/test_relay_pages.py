"""The relay pages (issue 7, 1a): subscriptions with status and lag, a new subscription with
its secret shown once, the detail with the delivery log, pause/resume and rotation with a
reason, dead letters replayed by selection, the relay status; each closed to those without the
permission (invariant 9)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from tests.integration.relay.subscription_support import (
    attempt,
    dead_letter,
    emit,
    retrying,
    webhook,
)

from mederp.integration.models import DeadLetter, DeliveryOutcome, Subscription
from mederp.integration.relay.secrets import open_secret

pytestmark = pytest.mark.django_db


@pytest.fixture
def browser_as(make_user: Any):
    def make(*roles: str) -> Client:
        client = Client(HTTP_ACCEPT_LANGUAGE="en")
        client.force_login(make_user(f"p-{'-'.join(roles)}", *roles))
        return client

    return make


@pytest.fixture
def admin_page(browser_as: Any) -> Client:
    return browser_as("administrator")


def test_the_list_shows_each_subscription_with_its_lag_and_dead_letters(admin_page):
    sub, _ = webhook("erp-b")
    dead_letter(sub, emit("capa.opened", 1))
    emit("sales.order.shipped", 1)

    page = admin_page.get("/integration/subscriptions/").content.decode()

    assert 'data-subscription="erp-b"' in page
    assert "behind" in page and "sales.*" in page
    assert f"?state=dead&subscription={sub.pk}" in page


def test_creating_a_webhook_shows_its_secret_once_and_never_again(admin_page):
    r = admin_page.post(
        "/integration/subscriptions/new/",
        {
            "name": "erp-b",
            "kind": "webhook",
            "url": "https://hooks.example.com/mederp",
            "event_types": "sales.*\ncapa.opened",
            "start": "now",
        },
    )

    assert r.status_code == 200
    assert "no-store" in r["Cache-Control"]
    sub = Subscription.objects.get(name="erp-b")
    secret = open_secret(sub.secret_encrypted)
    assert secret in r.content.decode()
    assert sub.event_types == ["sales.*", "capa.opened"]
    detail = admin_page.get(f"/integration/subscriptions/{sub.pk}/").content.decode()
    assert secret not in detail and sub.secret_encrypted not in detail


def test_a_refused_subscription_shows_the_reason_on_the_form(admin_page):
    r = admin_page.post(
        "/integration/subscriptions/new/",
        {
            "name": "erp-b",
            "kind": "webhook",
            "url": "http://erp-b.example.com/",
            "event_types": "sales.*",
            "start": "now",
        },
    )
    assert r.status_code == 200
    assert "must use https" in r.content.decode()
    assert not Subscription.objects.exists()


def test_the_detail_shows_patterns_retrying_lanes_and_the_delivery_log(admin_page):
    sub, _ = webhook("erp-b")
    event = emit("sales.order.shipped", 1)
    attempt(sub, event)
    attempt(sub, event, DeliveryOutcome.FAILED, error="HTTP 503 from receiver")
    retrying(sub, event, attempts=2, error="HTTP 503 from receiver")

    page = admin_page.get(f"/integration/subscriptions/{sub.pk}/").content.decode()
    failed = admin_page.get(f"/integration/subscriptions/{sub.pk}/?outcome=failed").content.decode()

    assert "sales.*" in page and f'data-lane="{event.partition}"' in page
    assert page.count("data-outcome=") == 2
    assert failed.count("data-outcome=") == 1 and 'data-outcome="failed"' in failed


def test_pausing_and_resuming_need_a_reason(admin_page):
    sub, _ = webhook("erp-b")
    admin_page.post(f"/integration/subscriptions/{sub.pk}/pause/", {"reason": ""})
    assert Subscription.objects.get(pk=sub.pk).active is True

    admin_page.post(f"/integration/subscriptions/{sub.pk}/pause/", {"reason": "maintenance"})
    assert Subscription.objects.get(pk=sub.pk).active is False
    admin_page.post(f"/integration/subscriptions/{sub.pk}/resume/", {"reason": "done"})
    assert Subscription.objects.get(pk=sub.pk).active is True


def test_rotating_shows_the_new_secret_once(admin_page):
    sub, first = webhook("erp-b")
    r = admin_page.post(f"/integration/subscriptions/{sub.pk}/rotate-secret/", {"reason": "leaked"})
    second = open_secret(Subscription.objects.get(pk=sub.pk).secret_encrypted)
    assert second != first and second in r.content.decode()
    assert "no-store" in r["Cache-Control"]


def test_editing_changes_the_patterns_with_a_reason(admin_page):
    sub, _ = webhook("erp-b")
    form = admin_page.get(f"/integration/subscriptions/{sub.pk}/edit/").content.decode()
    assert "sales.*" in form
    r = admin_page.post(
        f"/integration/subscriptions/{sub.pk}/edit/",
        {
            "url": sub.url,
            "event_types": "capa.*",
            "max_attempts": "5",
            "reason": "only CAPAs",
            "version": "1",
        },
    )
    assert r.status_code == 302
    sub.refresh_from_db()
    assert (sub.event_types, sub.max_attempts, sub.version) == (["capa.*"], 5, 2)


def test_dead_letters_are_replayed_by_selection_with_a_reason(admin_page):
    sub, _ = webhook("erp-b")
    one, two = dead_letter(sub), dead_letter(sub)

    listing = admin_page.get("/integration/dead-letters/?state=dead").content.decode()
    assert f'name="ids" value="{one.pk}"' in listing
    r = admin_page.post(
        "/integration/dead-letters/replay/",
        {"ids": [str(one.pk)], "reason": "receiver fixed", "next": "/integration/dead-letters/"},
        follow=True,
    )

    assert DeadLetter.objects.get(pk=one.pk).state == "replay_requested"
    assert DeadLetter.objects.get(pk=two.pk).state == "dead"
    assert "replay requested" in r.content.decode()


def test_a_replay_without_a_reason_or_selection_changes_nothing(admin_page):
    sub, _ = webhook("erp-b")
    one = dead_letter(sub)
    admin_page.post("/integration/dead-letters/replay/", {"ids": [str(one.pk)], "reason": ""})
    r = admin_page.post("/integration/dead-letters/replay/", {"reason": "why not"}, follow=True)
    assert DeadLetter.objects.get(pk=one.pk).state == "dead"
    assert "Name the dead letters" in r.content.decode()


def test_the_replay_returns_only_to_a_page_of_this_site(admin_page):
    sub, _ = webhook("erp-b")
    one = dead_letter(sub)
    r = admin_page.post(
        "/integration/dead-letters/replay/",
        {"ids": [str(one.pk)], "reason": "x", "next": "//evil.example.com/"},
    )
    assert r["Location"] == "/integration/dead-letters/"


def test_the_relay_status_page_shows_the_largest_lag(admin_page):
    webhook("erp-b")
    emit("sales.order.shipped", 1)
    page = admin_page.get("/integration/status/").content.decode()
    assert 'id="max-lag"' in page and 'data-subscription="erp-b"' in page


def test_the_auditor_sees_the_log_and_dead_letters_but_changes_nothing(browser_as):
    sub, _ = webhook("erp-b")
    one = dead_letter(sub)
    auditor = browser_as("auditor")

    detail = auditor.get(f"/integration/subscriptions/{sub.pk}/")
    assert detail.status_code == 200 and 'id="delivery-log"' in detail.content.decode()
    assert "rotate-secret" not in detail.content.decode()
    listing = auditor.get("/integration/dead-letters/").content.decode()
    assert 'name="ids"' not in listing
    assert (
        auditor.post(f"/integration/subscriptions/{sub.pk}/pause/", {"reason": "x"}).status_code
        == 403
    )
    assert (
        auditor.post(
            "/integration/dead-letters/replay/", {"ids": [one.pk], "reason": "x"}
        ).status_code
        == 403
    )
    assert auditor.get("/integration/subscriptions/new/").status_code == 403


def test_the_integration_menu_is_shown_to_those_who_may_open_it(admin_page, browser_as):
    assert "/integration/subscriptions/" in admin_page.get("/").content.decode()
    assert "/integration/subscriptions/" not in browser_as("warehouse").get("/").content.decode()
