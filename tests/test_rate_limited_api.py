"""The API refuses a principal past its limit with 429 and ``Retry-After`` (issue 7, point 3).

API clients (Bearer keys) and people (browser sessions) have separate buckets; a client's own
limit overrides the default; a refused call writes nothing but is in the API-call log as the
429 it was; pages are not limited; with Redis down the database bucket still limits.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.test import Client

from mederp.catalog.models import UnitOfMeasure
from mederp.core import clock
from mederp.core.models import RateBucket
from mederp.identity import ratelimits, services
from mederp.identity.models import ApiCall, SecurityEvent
from tests.ratelimit_support import closed_redis_url, redis_prefix, redis_url

__all__ = ["redis_prefix", "redis_url"]

pytestmark = pytest.mark.django_db

UOMS = "/api/v1/catalog/uoms"
UOM = {"code": "EA", "name_zh": "个", "name_en": "each"}


@pytest.fixture
def limits(settings):  # type: ignore[no-untyped-def]
    """Low defaults (a token a minute: none comes back during a test), database buckets."""

    def use(client_burst: int = 3, user_burst: int = 2, url: str = "", prefix: str = "") -> None:
        settings.REDIS_URL = url
        settings.MEDERP_RATE_LIMIT = {
            **settings.MEDERP_RATE_LIMIT,
            "ENABLED": True,
            "CLIENT_PER_MINUTE": 1,
            "CLIENT_BURST": client_burst,
            "USER_PER_MINUTE": 1,
            "USER_BURST": user_burst,
            "REDIS_PREFIX": prefix,
        }

    use()
    return use


def new_client(system, name="mes"):
    client, secret = services.create_api_client(
        system, name=name, roles=["administrator"], scopes=["catalog:read", "catalog:write"]
    )
    return client, secret


def bearer(secret, method="get", path=UOMS, body=None, **headers):
    kwargs = {"HTTP_AUTHORIZATION": f"Bearer {secret}", "HTTP_ACCEPT_LANGUAGE": "en", **headers}
    if body is not None:
        kwargs.update(data=json.dumps(body), content_type="application/json")
    return getattr(Client(), method)(path, **kwargs)


def test_an_api_client_gets_429_with_retry_after_after_its_burst(limits, system):
    _client, secret = new_client(system)
    with clock.frozen(clock.now()):
        codes = [bearer(secret).status_code for _ in range(3)]
        refused = bearer(secret)
    assert codes == [200, 200, 200]
    assert refused.status_code == 429
    assert refused["Retry-After"] == "60"  # one token a minute, and the clock stood still
    assert refused["RateLimit-Limit"] == "3" and refused["RateLimit-Remaining"] == "0"
    assert refused["RateLimit-Reset"] == "180"
    body = refused.json()
    assert body["code"] == "request.rate_limited"
    assert body["details"] == {"per_minute": 1, "burst": 3, "retry_after": 60}
    assert body["message"] == "Too many requests. Limit: 1 a minute, 3 at once; retry after 60 s."


def test_a_session_user_gets_429_after_the_user_burst(limits, api):
    assert [api.get(UOMS).status_code for _ in range(2)] == [200, 200]
    refused = api.get(UOMS)
    assert refused.status_code == 429 and refused.json()["code"] == "request.rate_limited"
    assert 1 <= int(refused["Retry-After"]) <= 60
    assert refused["RateLimit-Limit"] == "2"


def test_a_client_and_a_person_have_separate_buckets(limits, system, api):
    client, secret = new_client(system)
    assert [api.get(UOMS).status_code for _ in range(3)] == [200, 200, 429]
    assert bearer(secret).status_code == 200  # the person's refusals cost the client nothing
    assert [bearer(secret).status_code for _ in range(3)] == [200, 200, 429]
    other, other_secret = new_client(system, name="wms")
    assert bearer(other_secret).status_code == 200  # nor one client's another's
    assert set(RateBucket.objects.values_list("key", flat=True)) == {
        f"user:{api.session['_auth_user_id']}",
        f"client:{client.pk}",
        f"client:{other.pk}",
    }


def test_a_client_limit_overrides_the_default(limits, system, admin):
    limits(client_burst=100)
    client, secret = new_client(system)
    ratelimits.set_client_limit(admin, client.pk, per_minute=1, burst=2, reason="test")
    assert [bearer(secret).status_code for _ in range(3)] == [200, 200, 429]
    _other, other_secret = new_client(system, name="wms")
    assert all(bearer(other_secret).status_code == 200 for _ in range(5))


def test_a_refused_call_writes_nothing_but_is_logged_as_the_429_it_was(limits, system, unchanged):
    limits(client_burst=1)
    client, secret = new_client(system)
    assert bearer(secret).status_code == 200
    with unchanged(UnitOfMeasure, SecurityEvent):
        refused = bearer(secret, "post", body=UOM, HTTP_IDEMPOTENCY_KEY="uom-1")
    assert refused.status_code == 429
    last = ApiCall.objects.filter(user=client).first()
    assert (last.method, last.path, last.status_code) == ("POST", UOMS, 429)


def test_the_refused_call_can_be_made_again_once_a_token_is_back(limits, system, unchanged):
    limits(client_burst=1)
    _client, secret = new_client(system)
    start = clock.now()
    with clock.frozen(start):
        assert bearer(secret, "post", body=UOM, HTTP_IDEMPOTENCY_KEY="uom-1").status_code == 201
        body = {**UOM, "code": "BOX", "name_en": "box"}
        assert bearer(secret, "post", body=body, HTTP_IDEMPOTENCY_KEY="uom-2").status_code == 429
    with clock.frozen(start + dt.timedelta(seconds=60)):
        again = bearer(secret, "post", body=body, HTTP_IDEMPOTENCY_KEY="uom-2")
    assert again.status_code == 201  # the refusal kept no idempotency claim to replay
    assert UnitOfMeasure.objects.filter(code="BOX").count() == 1


def test_pages_are_not_limited(limits, api):
    assert [api.get(UOMS).status_code for _ in range(3)] == [200, 200, 429]
    assert api.get("/accounts/admin/api-clients/").status_code == 200


def test_a_refused_key_costs_no_token(limits, system):
    _client, secret = new_client(system)
    assert bearer(secret + "x").status_code == 401
    assert not RateBucket.objects.exists()


def test_limits_off_means_no_bucket_at_all(limits, settings, system):
    settings.MEDERP_RATE_LIMIT = {**settings.MEDERP_RATE_LIMIT, "ENABLED": False}
    _client, secret = new_client(system)
    assert all(bearer(secret).status_code == 200 for _ in range(5))
    assert not RateBucket.objects.exists()


def test_with_redis_the_api_is_limited_by_the_redis_bucket(limits, system, redis_url, redis_prefix):
    limits(client_burst=2, url=redis_url, prefix=redis_prefix)
    _client, secret = new_client(system)
    assert [bearer(secret).status_code for _ in range(3)] == [200, 200, 429]
    assert not RateBucket.objects.exists()


def test_with_redis_down_the_database_bucket_still_limits(limits, system):
    limits(client_burst=2, url=closed_redis_url())
    client, secret = new_client(system)
    assert [bearer(secret).status_code for _ in range(3)] == [200, 200, 429]
    assert RateBucket.objects.filter(key=f"client:{client.pk}").exists()
