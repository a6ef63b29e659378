"""The contract run's world: a live server on the test database, the demo plant in it, an
administrator API client with an unrestricted key, and the OpenAPI document the server serves.

Settings (docs/architecture.md, "Contract tests"): every operation, the three checks below,
a fixed seed with derandomised generation so CI is reproducible, no Hypothesis example database
and no schemathesis cache, so a run leaves no files behind and depends on none.
``MEDERP_CONTRACT_EXAMPLES`` changes the number of generated requests per operation and
``MEDERP_CONTRACT_DEEP=1`` adds schemathesis's coverage phase (every boundary and wrong-type
variant of every parameter: about 11,000 more requests, some 13 minutes) for a run by hand.
"""

from __future__ import annotations

import os
import threading
from typing import Any

import pytest

#: Generated requests per operation (valid and invalid ones together) in CI.
MAX_EXAMPLES = int(os.environ.get("MEDERP_CONTRACT_EXAMPLES", "10"))
SEED = 20260707
DEEP = os.environ.get("MEDERP_CONTRACT_DEEP") == "1"

#: No 5xx; every body matches the schema documented for its status; every status is documented
#: (sound for us: each operation declares its success statuses and ``core.schemas.ERRORS``,
#: and every refusal goes through the one error handler of ``config.api``).
CHECKS = ("not_a_server_error", "response_schema_conformance", "status_code_conformance")


class Principal:
    """The run's credentials: an API key of an administrator API client, whose key has
    unrestricted scopes so every operation is reachable, and a signed-in administrator's
    session to fetch the document (docs/api.md: the document is for signed-in users)."""

    def __init__(self, client_id: int, key: str, session: str) -> None:
        self.client_id = client_id
        self.key = key
        self.session = session

    def current_key(self) -> str:
        """The key, or a new one when the run has revoked its own: as an administrator it calls
        ``POST /identity/api-keys/{key_id}/revoke``, and when the id it draws is its own key's,
        the next request is refused with 401, as it must be. The run then goes on with a new
        key, so the rest of the operations are still reached."""
        from django.db import connections

        from mederp.core.actors import Actor
        from mederp.identity import apiclients, tokens
        from mederp.identity.models import ApiToken

        try:
            prefix = self.key.split("_", 2)[1]
            if not ApiToken.objects.filter(prefix=prefix, revoked_at__isnull=True).exists():
                _token, self.key = apiclients.issue_key(
                    Actor.system("contract tests"),
                    self.client_id,
                    name="contract, renewed",
                    scopes=tokens.UNRESTRICTED,
                )
            return self.key
        finally:
            # schemathesis asks from its own threads: their connections would outlive the
            # test and keep PostgreSQL from dropping the test database.
            if threading.current_thread() is not threading.main_thread():
                connections.close_all()


@pytest.fixture
def principal(transactional_db: Any) -> Principal:
    from django.contrib.auth.models import Group
    from django.test import Client

    from mederp.core.actors import Actor
    from mederp.identity import services
    from mederp.identity.models import User
    from mederp.identity.roles import sync_roles

    sync_roles()
    client, key = services.create_api_client(
        Actor.system("contract tests"), name="contract", roles=["administrator"], scopes=None
    )
    person = User.objects.create_user(username="contract-admin", password="Correct-Horse-9")
    person.groups.set(Group.objects.filter(name="administrator"))
    browser = Client()
    browser.force_login(person)
    return Principal(client.pk, key, browser.cookies["sessionid"].value)


@pytest.fixture
def demo_plant(transactional_db: Any) -> None:
    """Products, partners, lots, orders, work orders, quality records: the demo plant, so that
    generated ids (small integers first) find real rows and not only 404s."""
    from mederp.ui import demo

    demo.load()


def contract_config(
    principal: Principal, *, max_examples: int = MAX_EXAMPLES, base_url: str | None = None
) -> Any:
    import schemathesis

    return schemathesis.Config.from_dict(
        {
            **({"base-url": base_url} if base_url else {}),
            "seed": SEED,
            "cache": {"enabled": False},
            "headers": {"Accept-Language": "en"},
            "request-timeout": 60,
            "generation": {
                "mode": "all",
                "max-examples": max_examples,
                "deterministic": True,
                "database": "none",
                # Our key is the credential; generated or mangled credentials would only test
                # the 401 path, which tests/test_access_control.py proves for every operation.
                "with-security-parameters": False,
            },
            "phases": {
                "coverage": {"enabled": DEEP},
                # ninja declares no OpenAPI links; inferred chains are not worth their time here.
                "stateful": {"enabled": False},
            },
            "checks": {"enabled": False, **{name: {"enabled": True} for name in CHECKS}},
        }
    )


def load_schema(base_url: str, principal: Principal, **config: Any) -> Any:
    import schemathesis

    schema = schemathesis.openapi.from_url(
        f"{base_url}/api/v1/openapi.json",
        headers={"Cookie": f"sessionid={principal.session}"},
        timeout=120,
        config=contract_config(principal, **config),
    )
    schema.auth()(bearer_of(principal))
    return schema


def bearer_of(principal: Principal) -> type:
    """The schemathesis auth provider sending the principal's key. Asked again after a 401
    (schemathesis's re-authentication), it renews a key the run has revoked."""

    class Bearer:
        def get(self, case: Any, context: Any) -> str:
            return principal.current_key()

        def set(self, case: Any, data: str, context: Any) -> None:
            case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}

    return Bearer


@pytest.fixture
def no_rate_limit(settings: Any) -> None:
    """The limiter off for the run (the live server's threads read these settings). As an
    administrator the run also calls ``POST /identity/api-clients/{id}/rate-limit``, and when
    the id it draws is its own client's, it throttles itself: every later answer is a
    conforming 429 and the run tests nothing. Rate limits have their own tests."""
    settings.MEDERP_RATE_LIMIT = {**settings.MEDERP_RATE_LIMIT, "ENABLED": False}


@pytest.fixture
def live_schema(
    demo_plant: None, principal: Principal, no_rate_limit: None, live_server: Any
) -> Any:
    """The document as the live server serves it, ready to run against that server."""
    return load_schema(live_server.url, principal)
