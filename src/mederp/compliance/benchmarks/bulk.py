"""Writing many rows fast, as the models define them: ``COPY`` on PostgreSQL, ``executemany`` on
SQLite.

A :class:`Table` names the columns a builder varies per row; every other column gets the model
field's default (or NULL where the field allows it), and a column that has neither is refused
when the table is declared, so a bulk row can never miss a field the ORM would have filled.
Primary keys are given by the builder (:class:`Ids`), so children can cite their parents
without reading them back; the sequences are moved past them afterwards (:func:`reset_sequences`).

On PostgreSQL the load runs with the foreign-key triggers off (:func:`loading`, as
``pg_restore --disable-triggers`` does: checking each row's keys one by one at commit took half
of the load), and :func:`orphans` then checks every foreign key of the loaded tables at once,
one anti-join per key. On SQLite the keys are checked at each commit as usual.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

from django.core.management.color import no_style
from django.db import DatabaseError, connection, models, transaction

#: Rows sent per ``COPY`` or ``executemany`` call.
BATCH = 20_000


class Table:
    """The rows of one model: ``fields`` (attnames, ``id`` first) vary per row; ``constants``
    and the fields' defaults fill the rest."""

    def __init__(self, model: type[models.Model], fields: Sequence[str], **constants: Any) -> None:
        meta = model._meta
        self.model = model
        self.name = meta.db_table
        by_attname = {f.attname: f for f in meta.concrete_fields}
        unknown = [name for name in [*fields, *constants] if name not in by_attname]
        if unknown:
            raise ValueError(f"{self.name} has no field {', '.join(unknown)}")
        filled = dict(constants)
        for attname, field in by_attname.items():
            if attname in fields or attname in filled:
                continue
            value = field.get_default()
            if value is None and not field.null:
                raise ValueError(f"{self.name}.{attname} needs a value in the bulk rows")
            filled[attname] = value
        self.attnames = [*fields, *filled]
        self.fields = [by_attname[a] for a in self.attnames]
        self.columns: list[str] = [str(f.column) for f in self.fields]
        self.constants = tuple(filled.values())
        self.written = 0

    def write(self, rows: Iterable[tuple[Any, ...]]) -> int:
        """Insert ``rows`` (tuples in the order of ``fields``); returns how many."""
        batch: list[tuple[Any, ...]] = []
        count = 0
        for row in rows:
            batch.append(row + self.constants)
            if len(batch) >= BATCH:
                count += self._send(batch)
                batch = []
        if batch:
            count += self._send(batch)
        self.written += count
        return count

    def _send(self, batch: list[tuple[Any, ...]]) -> int:
        quote = connection.ops.quote_name
        columns = ", ".join(quote(c) for c in self.columns)
        with connection.cursor() as cur:
            if connection.vendor == "postgresql":
                with cur.cursor.copy(f"COPY {quote(self.name)} ({columns}) FROM STDIN") as copy:
                    for row in batch:
                        copy.write_row(row)
            else:
                prepare = self._preparers()
                marks = ", ".join(["%s"] * len(self.columns))
                cur.executemany(
                    f"INSERT INTO {quote(self.name)} ({columns}) VALUES ({marks})",
                    [tuple(p(v) for p, v in zip(prepare, row, strict=True)) for row in batch],
                )
        return len(batch)

    def _preparers(self) -> list[Callable[[Any], Any]]:
        """Per column, what the ORM does to a value before SQLite stores it (dates and times
        as text in UTC, decimals as text)."""

        def prep(field: models.Field) -> Callable[[Any], Any]:
            return lambda value: field.get_db_prep_save(value, connection)

        return [prep(f) for f in self.fields]


class Ids:
    """The next free primary key of each model, read once; the builder hands them out."""

    def __init__(self) -> None:
        self._next: dict[type[models.Model], int] = {}

    def take(self, model: type[models.Model], count: int) -> range:
        """``count`` fresh primary keys for ``model``."""
        if model not in self._next:
            found = model._base_manager.aggregate(top=models.Max("pk"))["top"]
            self._next[model] = int(found or 0) + 1
        first = self._next[model]
        self._next[model] = first + count
        return range(first, first + count)


def reset_sequences(tables: Iterable[type[models.Model]]) -> None:
    """Move each table's id sequence past the ids the builder gave (PostgreSQL; SQLite's
    AUTOINCREMENT follows explicit ids by itself)."""
    statements = connection.ops.sequence_reset_sql(no_style(), list(tables))
    with connection.cursor() as cur:
        for sql in statements:
            cur.execute(sql)


def analyze(tables: Iterable[type[models.Model]]) -> None:
    """Fresh planner statistics, as autovacuum would have gathered after such a load
    (PostgreSQL). SQLite is left without statistics, as a running MedERP on SQLite is: nothing
    there runs ``ANALYZE``, and its plans with and without them differ."""
    if connection.vendor != "postgresql":
        return
    names = [m._meta.db_table for m in tables]
    with connection.cursor() as cur:
        cur.execute("ANALYZE " + ", ".join(names))


@contextlib.contextmanager
def loading() -> Iterator[bool]:
    """Foreign-key triggers off for this connection while the block loads (PostgreSQL, when
    the role may: a superuser's); yields whether they were turned off, so the caller checks
    the keys afterwards with :func:`orphans`."""
    if connection.vendor != "postgresql":
        yield False
        return
    try:
        with transaction.atomic(), connection.cursor() as cur:
            cur.execute("SET session_replication_role = replica")
    except DatabaseError:
        yield False
        return
    try:
        yield True
    finally:
        with connection.cursor() as cur:
            cur.execute("SET session_replication_role = DEFAULT")


def orphans(tables: Iterable[type[models.Model]]) -> dict[str, int]:
    """Rows whose foreign key names no row, per ``table.column`` (empty when every key holds):
    one ``NOT EXISTS`` per key, which the planner runs as a hash anti-join."""
    quote = connection.ops.quote_name
    found: dict[str, int] = {}
    with connection.cursor() as cur:
        for model in tables:
            for field in model._meta.concrete_fields:
                if not isinstance(field, models.ForeignKey):  # one-to-one fields included
                    continue
                target = field.target_field
                child, parent = quote(model._meta.db_table), quote(target.model._meta.db_table)
                column, key = quote(str(field.column)), quote(str(target.column))
                cur.execute(
                    f"SELECT count(*) FROM {child} c WHERE c.{column} IS NOT NULL AND NOT EXISTS "
                    f"(SELECT 1 FROM {parent} p WHERE p.{key} = c.{column})"
                )
                missing = int(cur.fetchone()[0])
                if missing:
                    found[f"{model._meta.db_table}.{field.column}"] = missing
    return found
