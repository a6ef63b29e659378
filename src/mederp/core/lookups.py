"""An integer beyond a column's range matches no row, through a foreign key or ``in`` as well.

Django already answers ``Product.objects.filter(pk=2**70)`` with no rows (its
``IntegerFieldOverflow`` lookups) instead of sending a number the column cannot hold. It does
not for a foreign key (``StockHold.objects.filter(product_id=2**70)``) or an ``in`` list, and
there SQLite raises ``OverflowError`` and PostgreSQL "bigint out of range": a 500 for an id any
client can type into a query string, a path or a body (invariant 7, found by the contract
tests). These lookups apply Django's own rule to those cases on both databases, so every service
and selector is covered without each one checking its ids.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db.models import ForeignObject, IntegerField
from django.db.models.fields.related_lookups import RelatedExact, RelatedIn
from django.db.models.lookups import In


def column_range(field: Any, connection: Any) -> tuple[int | None, int | None]:
    """(min, max) of the integer column behind ``field`` (a foreign key's is its target's);
    ``(None, None)`` when the column is not an integer."""
    target = getattr(field, "target_field", None) or field
    internal_type = target.get_internal_type()
    if internal_type not in connection.ops.integer_field_ranges:
        return None, None
    low, high = connection.ops.integer_field_range(internal_type)
    return low, high


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _out_of_range(value: Any, low: int | None, high: int | None) -> bool:
    return _is_int(value) and (
        (low is not None and value < low) or (high is not None and value > high)
    )


class ForeignKeyExact(RelatedExact):
    """``fk=<int>``: no row when the number does not fit the referenced key's column."""

    def process_rhs(self, compiler: Any, connection: Any) -> Any:
        if _is_int(self.rhs) and _out_of_range(
            self.rhs, *column_range(self.lhs.output_field, connection)
        ):
            raise EmptyResultSet
        return super().process_rhs(compiler, connection)


def _drop_out_of_range(lookup: Any, connection: Any) -> None:
    """``in`` a list of integers: numbers the column cannot hold are dropped (none can match);
    when none is left, no row matches."""
    if lookup.rhs_is_direct_value() and any(_is_int(v) for v in lookup.rhs):
        low, high = column_range(lookup.lhs.output_field, connection)
        kept = [v for v in lookup.rhs if not _out_of_range(v, low, high)]
        if not kept:
            raise EmptyResultSet
        lookup.rhs = kept


class ForeignKeyIn(RelatedIn):
    def process_rhs(self, compiler: Any, connection: Any) -> Any:
        _drop_out_of_range(self, connection)
        return super().process_rhs(compiler, connection)


class IntegerFieldIn(In):
    def process_rhs(self, compiler: Any, connection: Any) -> Any:
        _drop_out_of_range(self, connection)
        return super().process_rhs(compiler, connection)


def register() -> None:
    """Install the lookups (idempotent); ``CoreConfig.ready`` calls it."""
    ForeignObject.register_lookup(ForeignKeyExact)
    ForeignObject.register_lookup(ForeignKeyIn)
    IntegerField.register_lookup(IntegerFieldIn)
