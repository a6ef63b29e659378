"""Helpers for the kernel tests: tampering as a DBA would, the verify command, a sealed chain."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection

from mederp.core import chain
from mederp.core.triggers import APPEND_ONLY_TABLES, drop_append_only, install_append_only

on_postgres = pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL")


class RawSchema:
    """The two things :mod:`mederp.core.triggers` needs from a schema editor, over a plain cursor.

    Django's SQLite schema editor refuses to run inside ``atomic()``; raw DDL is fine and, on both
    engines, rolls back with the test's transaction.
    """

    def __init__(self) -> None:
        self.connection = connection

    def execute(self, sql: str) -> None:
        with connection.cursor() as cur:
            cur.execute(sql)


def drop_triggers() -> None:
    for table in APPEND_ONLY_TABLES:
        drop_append_only(RawSchema(), table)


def install_triggers() -> None:
    drop_triggers()
    for table in APPEND_ONLY_TABLES:
        install_append_only(RawSchema(), table)


def trigger_names() -> set[str]:
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute(
                "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal "
                "AND tgrelid::regclass::text IN ('core_auditentry', 'core_auditchainlink')"
            )
        else:
            cur.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' "
                "AND tbl_name IN ('core_auditentry', 'core_auditchainlink')"
            )
        return {row[0] for row in cur.fetchall()}


def sql(statement: str, params: list[Any] | None = None) -> int:
    with connection.cursor() as cur:
        cur.execute(statement, params or [])
        return cur.rowcount


def run_verify(*args: str) -> tuple[int, dict[str, Any]]:
    """``mederp audit verify --json ARGS``: (exit code, parsed report)."""
    out = io.StringIO()
    try:
        call_command("audit", "verify", "--json", *args, stdout=out)
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    return code, json.loads(out.getvalue())


def sealed_chain(actor: Any, n: int = 5) -> list[int]:
    """``n`` audited units of measure, sealed; returns their audit entry ids in chain order."""
    from mederp.catalog import services
    from mederp.core.models import AuditChainLink

    for i in range(n):
        services.create_uom(actor, code=f"U{i}", name_zh=f"单位{i}", name_en=f"unit {i}")
    chain.seal()
    return list(AuditChainLink.objects.order_by("seq").values_list("entry_id", flat=True))
