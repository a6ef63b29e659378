"""Kernel locks. Every explicit lock the kernel takes is here (STYLE rule 5)."""

from __future__ import annotations

import zlib

from django.db import connection


def advisory_xact_lock(name: str) -> None:
    """Serialise holders of ``name`` until the current transaction ends.

    PostgreSQL: a transaction-scoped advisory lock. SQLite: the transaction already holds the
    database's single write lock (BEGIN IMMEDIATE), so nothing more is needed (invariant 10).
    """
    if connection.vendor == "postgresql":
        key = zlib.crc32(name.encode()) & 0x7FFFFFFF
        with connection.cursor() as cur:
            cur.execute("SELECT pg_advisory_xact_lock(%s)", [key])
