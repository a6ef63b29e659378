"""Shared fixtures: users per role, actors, API clients (session and bearer)."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from mederp.core import clock
from mederp.core.actors import Actor
from mederp.identity.models import User
from mederp.identity.roles import sync_roles


@pytest.fixture
def make_user(db: Any) -> Callable[..., User]:
    def make(username: str, *roles: str, **extra: Any) -> User:
        """A user whose identity was verified (ES-06) unless ``identity_verified_at=None``."""
        sync_roles()
        if "identity_verified_at" not in extra:
            extra["identity_verified_at"] = clock.now()
            extra.setdefault("identity_document", "test fixture: ID card")
        user = User.objects.create_user(username=username, password="Correct-Horse-9", **extra)
        if roles:
            from django.contrib.auth.models import Group

            user.groups.set(Group.objects.filter(name__in=roles))
        return User.objects.get(pk=user.pk)  # fresh permission cache

    return make


@pytest.fixture
def admin_user(make_user: Callable[..., User]) -> User:
    return make_user("admin", "administrator", printed_name="管理员 Admin")


@pytest.fixture
def admin(admin_user: User) -> Actor:
    return Actor.for_user(admin_user)


@pytest.fixture
def system() -> Actor:
    return Actor.system("test")


@pytest.fixture
def api(admin_user: User) -> Client:
    """A browser-session API client signed in as the administrator, English messages."""
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(admin_user)
    return client


@pytest.fixture
def api_as(make_user: Callable[..., User]) -> Callable[..., Client]:
    def make(*roles: str, lang: str = "en") -> Client:
        user = make_user(f"u-{'-'.join(roles) or 'none'}", *roles)
        client = Client(HTTP_ACCEPT_LANGUAGE=lang)
        client.force_login(user)
        return client

    return make


def table_counts() -> dict[str, int]:
    """Row counts of the kernel tables, to prove a refused request wrote nothing."""
    from mederp.core.models import AuditEntry, IdempotencyRecord, OutboxEvent

    return {
        "audit": AuditEntry.objects.count(),
        # A burst of refusals raises a security alert on the outbox: that alert belongs to the
        # security log's record of the refusals, the one thing a refusal may write.
        "outbox": OutboxEvent.objects.exclude(event_type="identity.security.alert").count(),
        "idempotency": IdempotencyRecord.objects.count(),
    }


@pytest.fixture
def unchanged() -> Callable[..., Any]:
    """``with unchanged(Model, ...):`` asserts the block left those and the kernel tables alone."""
    import contextlib

    @contextlib.contextmanager
    def check(*models: Any):  # type: ignore[no-untyped-def]
        before = (table_counts(), [m.objects.count() for m in models])
        yield
        after = (table_counts(), [m.objects.count() for m in models])
        assert after == before, f"tables changed: {before} -> {after}"

    return check


@pytest.fixture(autouse=True, scope="session")
def _transactional_tests_can_flush_append_only_tables() -> Any:
    """``transaction=True`` tests (and the live server) end with Django emptying every table,
    which the append-only triggers rightly refuse. Lift the triggers around that flush only."""
    from django.db import connection
    from django.test import TransactionTestCase

    from mederp.core.triggers import APPEND_ONLY_TABLES, drop_append_only, install_append_only

    original = TransactionTestCase._fixture_teardown

    def teardown(self: TransactionTestCase) -> None:
        # A migration test may have rolled an app back, and with it the apps that depend on it
        # (the quality apps depend on procurement's and production's tables): only existing
        # tables get their triggers back.
        present = [t for t in APPEND_ONLY_TABLES if t in connection.introspection.table_names()]
        with connection.schema_editor() as editor:
            for table in present:
                drop_append_only(editor, table)
        try:
            original(self)
        finally:
            with connection.schema_editor() as editor:
                for table in present:
                    install_append_only(editor, table)

    TransactionTestCase._fixture_teardown = teardown  # type: ignore[method-assign]
    yield
    TransactionTestCase._fixture_teardown = original  # type: ignore[method-assign]


# --- the browser (one per session; every Playwright test shares it, because a second
# sync_playwright() in the same thread fails while the first one runs) ---

CHROMIUM = os.environ.get("MEDERP_CHROMIUM", "/usr/bin/chromium")
SHOTS = Path(os.environ.get("MEDERP_E2E_ARTIFACTS", "var/e2e"))
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run scripts/ensure-chromium (or MEDERP_SKIP_E2E=1)")
    # Playwright's sync API runs an event loop in this thread; the ORM calls the tests make to
    # arrange data are still plain synchronous code.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield browser
        browser.close()
