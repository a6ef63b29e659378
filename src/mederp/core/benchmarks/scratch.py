"""Scratch databases for benchmarks: created, migrated, handed out, always dropped.

PostgreSQL: ``mederp_bench_<random>`` on the server named by the URL, dropped with ``FORCE``
even when the benchmark fails. SQLite: a file in a temporary directory, removed afterwards.
Migrations run in a subprocess (``mederp migrate``) with ``DATABASE_URL`` pointing at the
scratch database, so the benchmark never touches the configured one.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import platform
import secrets
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

DEFAULT_SERVER_URL = "postgres://postgres@127.0.0.1:5432/postgres"
SETTINGS_MODULE = "mederp.config.settings"


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite:")


def configured_url() -> str:
    """The configured ``DATABASE_URL`` (the server on which the scratch database is made)."""
    from django.conf import settings

    return str(getattr(settings, "DATABASE_URL", "") or DEFAULT_SERVER_URL)


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, parts.fragment))


def _pg_connect(url: str) -> Any:
    import psycopg

    parts = urlsplit(url)
    scheme = "postgresql" if parts.scheme in {"postgres", "postgresql", "pgsql"} else parts.scheme
    return psycopg.connect(urlunsplit((scheme, *parts[1:])), autocommit=True)


def child_environment(url: str) -> dict[str, str]:
    """The environment for a process that must use the scratch database as its default."""
    env = dict(os.environ)
    env["DATABASE_URL"] = url
    env["DJANGO_SETTINGS_MODULE"] = SETTINGS_MODULE
    env.pop("MEDERP_TEST_DATABASE_URL", None)
    return env


def migrate(url: str) -> None:
    cmd = [sys.executable, "-m", "mederp.config.cli", "migrate", "--noinput", "-v", "0"]
    done = subprocess.run(  # noqa: S603 - our own interpreter and module
        cmd, env=child_environment(url), capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"migrating the scratch database failed:\n{done.stderr[-4000:]}")


@contextlib.contextmanager
def scratch_database(server_url: str) -> Iterator[str]:
    """Yield the URL of a new, migrated database beside ``server_url``; drop it afterwards."""
    if is_sqlite(server_url):
        folder = Path(tempfile.mkdtemp(prefix="mederp-bench-"))
        try:
            url = f"sqlite:///{folder / 'bench.sqlite3'}"
            migrate(url)
            yield url
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        return
    name = f"mederp_bench_{secrets.token_hex(6)}"
    with _pg_connect(server_url) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        url = with_database(server_url, name)
        migrate(url)
        yield url
    finally:
        with _pg_connect(server_url) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def machine(database: str) -> dict[str, Any]:
    return {
        "cpu_count": os.cpu_count(),
        "python": platform.python_version(),
        "database": database,
        "platform": platform.platform(terse=True),
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }


def setup_django_child(url: str) -> None:
    """Configure Django in a spawned benchmark process against the scratch database."""
    os.environ.update(child_environment(url))
    import django

    django.setup()
