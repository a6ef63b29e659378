"""``mederp demo``'s integration chapter (:mod:`mederp.ui.demo.integration`): two paused
subscriptions that owe the plant's history from the beginning, so the Integration pages show
lag and owed events without a receiver running (issue 7)."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from mederp.core.models import AuditEntry
from mederp.integration.models import RelayCursor, Subscription
from mederp.integration.relay.secrets import open_secret
from mederp.integration.selectors import relay_status
from mederp.ui.demo import integration

pytestmark = pytest.mark.django_db


def test_the_demo_subscribes_a_webhook_and_the_broker_paused_and_owing_history():
    call_command("demo", stdout=io.StringIO(), stderr=io.StringIO())

    subs = {s.name: s for s in Subscription.objects.all()}
    assert set(subs) == {integration.WEBHOOK, integration.BROKER}
    assert not any(s.active for s in subs.values())
    broker = subs[integration.BROKER]
    assert "guest:" not in broker.url and open_secret(broker.secret_encrypted) == "guest"
    assert RelayCursor.objects.filter(subscription__in=subs.values(), position=0).count() == 32
    owed = {s.subscription.name: s for s in relay_status()}
    assert (
        owed[integration.WEBHOOK].events_pending > 0 and owed[integration.BROKER].events_pending > 0
    )
    paused = AuditEntry.objects.filter(
        record_type="integration.subscription", reason=integration.PAUSED
    )
    assert paused.count() == 2


def test_loading_the_demo_again_subscribes_nothing_more():
    call_command("demo", stdout=io.StringIO(), stderr=io.StringIO())
    before = list(Subscription.objects.values_list("pk", "version"))

    call_command("demo", stdout=io.StringIO(), stderr=io.StringIO())

    assert list(Subscription.objects.values_list("pk", "version")) == before
