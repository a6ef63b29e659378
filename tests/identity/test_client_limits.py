"""An API client's own rate limit: set only through the audited identity service, with a reason,
from the CLI, the Administration › API clients pages and the API (issue 7, point 3; AT-04)."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from mederp.core.errors import PermissionDenied, ReasonRequired, ValidationFailed
from mederp.core.models import AuditEntry, IdempotencyRecord, OutboxEvent
from mederp.identity import ratelimits, services
from mederp.identity.errors import RateLimitOnlyForClients
from mederp.identity.models import User

pytestmark = pytest.mark.django_db

DEFAULTS = {"CLIENT_PER_MINUTE": 600, "CLIENT_BURST": 120, "USER_PER_MINUTE": 300, "USER_BURST": 60}


@pytest.fixture(autouse=True)
def defaults(settings):  # type: ignore[no-untyped-def]
    settings.MEDERP_RATE_LIMIT = {**settings.MEDERP_RATE_LIMIT, **DEFAULTS}


@pytest.fixture
def mes(system):
    client, _secret = services.create_api_client(
        system, name="mes", roles=["warehouse"], scopes=["*:read"]
    )
    return client


def limit_entries(client):
    return AuditEntry.objects.filter(record_type="identity.user", record_id=str(client.pk)).exclude(
        action="create"
    )


# --- the service ----------------------------------------------------------------------------


def test_a_client_limit_change_is_audited_with_its_reason_and_evented(admin, mes):
    ratelimits.set_client_limit(admin, mes.pk, per_minute=60, burst=10, reason="MES floods")

    entry = limit_entries(mes).get()
    assert entry.action == "update" and entry.reason == "MES floods"
    assert json.loads(entry.changes) == {
        "rate_limit_burst": [None, 10],
        "rate_limit_per_minute": [None, 60],
    }
    assert entry.actor_id == admin.id
    event = OutboxEvent.objects.get(event_type="identity.api_client.rate_limit_changed")
    assert event.payload["per_minute"] == 60 and event.payload["burst"] == 10
    assert event.payload["username"] == "client:mes"


def test_a_client_limit_overrides_the_defaults_figure_by_figure(admin, mes):
    assert ratelimits.limit_for(mes).per_minute == 600
    client = ratelimits.set_client_limit(admin, mes.pk, per_minute=30, burst=None, reason="r")
    limit = ratelimits.limit_for(client)
    assert (limit.per_minute, limit.burst) == (30, 120)


def test_a_client_limit_can_go_back_to_the_default(admin, mes):
    ratelimits.set_client_limit(admin, mes.pk, per_minute=30, burst=5, reason="tight")
    client = ratelimits.set_client_limit(admin, mes.pk, per_minute=None, burst=None, reason="ok")
    assert ratelimits.limit_view(client) == {
        "per_minute": 600,
        "burst": 120,
        "own_per_minute": None,
        "own_burst": None,
    }
    last = limit_entries(mes).order_by("-id").first()
    assert json.loads(last.changes)["rate_limit_burst"] == [5, None]


def test_setting_the_limit_already_set_writes_nothing(admin, mes, unchanged):
    ratelimits.set_client_limit(admin, mes.pk, per_minute=30, burst=5, reason="tight")
    with unchanged(User):
        ratelimits.set_client_limit(admin, mes.pk, per_minute=30, burst=5, reason="again")
    assert limit_entries(mes).count() == 1


def test_a_limit_change_without_a_reason_is_refused_and_writes_nothing(admin, mes, unchanged):
    with unchanged(), pytest.raises(ReasonRequired):
        ratelimits.set_client_limit(admin, mes.pk, per_minute=30, burst=5, reason="  ")
    assert User.objects.get(pk=mes.pk).rate_limit_per_minute is None


@pytest.mark.parametrize(
    "figures,field",
    [({"per_minute": 0, "burst": 5}, "per_minute"), ({"per_minute": 5, "burst": 10**7}, "burst")],
)
def test_a_figure_out_of_range_is_refused_naming_it(admin, mes, unchanged, figures, field):
    with unchanged(), pytest.raises(ValidationFailed) as refused:
        ratelimits.set_client_limit(admin, mes.pk, reason="r", **figures)
    assert list(refused.value.details["fields"]) == [field]


def test_a_person_has_no_limit_of_their_own(admin, make_user, unchanged):
    person = make_user("clerk", "warehouse")
    with unchanged(), pytest.raises(RateLimitOnlyForClients) as refused:
        ratelimits.set_client_limit(admin, person.pk, per_minute=5, burst=5, reason="r")
    assert refused.value.code == "identity.not_an_api_client"


def test_only_who_may_change_keys_may_change_limits(make_user, mes, unchanged):
    from mederp.core.actors import Actor

    clerk = Actor.for_user(make_user("clerk", "warehouse"))
    with unchanged(), pytest.raises(PermissionDenied):
        ratelimits.set_client_limit(clerk, mes.pk, per_minute=5, burst=5, reason="r")


# --- the CLI --------------------------------------------------------------------------------


def run(*args):
    out = io.StringIO()
    call_command("apiclient", "limit", *args, stdout=out)
    return out.getvalue().strip()


def test_the_cli_shows_and_sets_a_limit_by_client_name_or_key_prefix(mes):
    assert run("mes") == "client:mes\tper_minute=600 (default)\tburst=120 (default)"
    prefix = mes.api_tokens.get().prefix
    shown = run(prefix, "--per-minute", "90", "--reason", "nightly batch")
    assert shown == "client:mes\tper_minute=90 (own)\tburst=120 (default)"
    assert run("client:mes", "--burst", "15", "--reason", "r").endswith("burst=15 (own)")
    assert "per_minute=90 (own)" in run("mes")  # --burst alone kept the per-minute figure
    assert run("mes", "--per-minute", "default", "--reason", "r").startswith(
        "client:mes\tper_minute=600 (default)"
    )
    entry = limit_entries(mes).order_by("id").first()
    assert entry.reason == "nightly batch" and entry.actor_kind == "system"


def test_the_cli_refuses_a_change_without_reason_with_its_code(mes):
    with pytest.raises(CommandError, match=r"audit\.reason_required"):
        run("mes", "--per-minute", "90")
    assert User.objects.get(pk=mes.pk).rate_limit_per_minute is None


def test_the_cli_names_an_unknown_client():
    with pytest.raises(CommandError, match="no API client or key"):
        run("nobody")


# --- the pages ------------------------------------------------------------------------------


@pytest.fixture
def browser(admin_user):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(admin_user)
    return client


def test_the_client_pages_show_the_limit_in_force(browser, mes):
    detail = browser.get(f"/accounts/admin/api-clients/{mes.pk}/").content.decode()
    assert "600 requests a minute, 120 at once" in detail and "(default)" in detail
    assert f"/accounts/admin/api-clients/{mes.pk}/rate-limit/" in detail
    listing = browser.get("/accounts/admin/api-clients/").content.decode()
    assert "600/min, burst 120" in listing


def test_the_limit_page_changes_it_with_a_reason(browser, mes):
    url = f"/accounts/admin/api-clients/{mes.pk}/rate-limit/"
    assert "Empty: the default, 600." in browser.get(url).content.decode()
    r = browser.post(url, {"per_minute": "60", "burst": "", "reason": "MES floods"})
    assert r.status_code == 302
    client = User.objects.get(pk=mes.pk)
    assert (client.rate_limit_per_minute, client.rate_limit_burst) == (60, None)
    assert limit_entries(mes).get().reason == "MES floods"
    detail = browser.get(f"/accounts/admin/api-clients/{mes.pk}/").content.decode()
    assert "60 requests a minute, 120 at once" in detail


def test_the_limit_page_needs_a_reason_and_a_sane_figure(browser, mes, unchanged):
    url = f"/accounts/admin/api-clients/{mes.pk}/rate-limit/"
    with unchanged(User):
        assert browser.post(url, {"per_minute": "60", "reason": ""}).status_code == 200
        assert browser.post(url, {"per_minute": "0", "reason": "r"}).status_code == 200
    assert User.objects.get(pk=mes.pk).rate_limit_per_minute is None


def test_a_person_has_no_limit_page(browser, make_user):
    person = make_user("clerk", "warehouse")
    assert browser.get(f"/accounts/admin/api-clients/{person.pk}/rate-limit/").status_code == 404


# --- the API --------------------------------------------------------------------------------


def post_limit(api, client_id, body, key=None):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    return api.post(
        f"/api/v1/identity/api-clients/{client_id}/rate-limit",
        data=json.dumps(body),
        content_type="application/json",
        **headers,
    )


def test_the_api_sets_a_limit_once_per_idempotency_key(api, mes):
    body = {"per_minute": 120, "burst": 20, "reason": "MES floods"}
    first = post_limit(api, mes.pk, body, key="limit-1")
    assert first.status_code == 200
    assert first.json() == {"per_minute": 120, "burst": 20, "own_per_minute": 120, "own_burst": 20}
    again = post_limit(api, mes.pk, body, key="limit-1")
    assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    assert limit_entries(mes).count() == 1 and IdempotencyRecord.objects.count() == 1
    listed = next(c for c in api.get("/api/v1/identity/api-clients").json() if c["id"] == mes.pk)
    assert listed["rate_limit"]["per_minute"] == 120


def test_the_api_refuses_a_bad_figure_and_writes_nothing(api, mes, unchanged):
    with unchanged(User):
        r = post_limit(api, mes.pk, {"per_minute": 0, "burst": None, "reason": "r"})
    assert r.status_code == 422 and r.json()["code"] == "validation_failed"


def test_the_api_refuses_a_person(api, make_user, unchanged):
    person = make_user("clerk", "warehouse")
    with unchanged(User):
        r = post_limit(api, person.pk, {"per_minute": 5, "burst": 5, "reason": "r"})
    assert r.status_code == 422 and r.json()["code"] == "identity.not_an_api_client"
