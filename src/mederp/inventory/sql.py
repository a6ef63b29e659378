"""Hand-written statements on the ledger's hot path (every receipt and shipment runs them), each
portable to PostgreSQL and SQLite (≥ 3.35: ``ON CONFLICT ... RETURNING``).

Why not the ORM: a receipt must stay within a few round trips of the raw-SQL floor (issue 4,
"Measured"), and the ORM cannot insert-or-find in one statement without a savepoint.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from typing import Any

from django.db import models, transaction


def insert_returning_id(
    model: type[models.Model],
    values: dict[str, Any],
    *,
    conflict: Sequence[str],
    on_conflict_set: str | None = None,
    returning: Sequence[str] = ("id",),
) -> tuple[Any, ...] | None:
    """INSERT one row; on a conflict of the unique key ``conflict`` (column names) do nothing
    (return None) or, with ``on_conflict_set``, run that SET clause (which locks the existing
    row) and return it. ``values`` maps attribute names (``product_id``) to Python values."""
    conn = transaction.get_connection()
    meta = model._meta
    fields = [meta.get_field(name.removesuffix("_id")) for name in values]
    columns = [str(f.column) for f in fields]  # type: ignore[union-attr]
    params = [
        f.get_db_prep_save(v, conn)  # type: ignore[union-attr]
        for f, v in zip(fields, values.values(), strict=True)
    ]
    action = f"DO UPDATE SET {on_conflict_set}" if on_conflict_set else "DO NOTHING"
    sql = (
        f"INSERT INTO {meta.db_table} ({', '.join(columns)}) "
        f"VALUES ({', '.join(['%s'] * len(columns))}) "
        f"ON CONFLICT ({', '.join(conflict)}) {action} RETURNING {', '.join(returning)}"
    )
    with conn.cursor() as cur:
        cur.execute(sql, params)
        row = cur.fetchone()
    return tuple(row) if row is not None else None


@contextlib.contextmanager
def one_transaction() -> Iterator[None]:
    """The caller's transaction when there is one, else a new one.

    Unlike a nested ``transaction.atomic()`` this costs no savepoint round trips; callers
    refuse before they write, so a refusal inside a larger transaction leaves nothing to undo
    but what the caller itself decides to roll back.
    """
    if transaction.get_connection().in_atomic_block:
        yield
    else:
        with transaction.atomic():
            yield
