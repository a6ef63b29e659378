"""Document numbering (DESIGN: the kernel holds it): ``SO-2026-00042``, one counter per prefix
and business year, shared by every app that numbers its documents.

A number is taken under the counter row's lock inside the caller's transaction, so two
documents never share a number, and a number is used only if the document it names commits:
a rolled-back document gives its number back, so numbers have no gaps (DI-03; the sales
record of 经营办法 第三十八条 and the 进货查验记录 are read in order, CN-08, CN-09).

The year is the plant's business year: today in the plant's time zone (``TIME_ZONE``), the
same day a licence or a shelf life is judged on. 1 January in Suzhou starts a new sequence even
while it is still 31 December in UTC.

Prefixes in use (one table, so each belongs to one document type): ``SO`` sales order, ``SH``
shipment, ``RT`` sales return (sales); ``PO`` purchase order (procurement); ``WO`` work order
(production); ``RC`` recall (compliance); ``IN`` inspection, ``DV`` deviation, ``NC``
nonconformance, ``CA`` CAPA, ``CP`` complaint, ``SE`` supplier evaluation (quality). Receipts
(``GR00000042``) are numbered from their primary key and take no counter.

This module is the counter row's lock site (STYLE rule 5): a document's service takes it at the
point its own lock order names (sales and production last, procurement and compliance first).
"""

from __future__ import annotations

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from mederp.core import clock
from mederp.core.models import DocumentCounter

#: Digits of the sequence, zero-padded: ``00042``.
WIDTH = 5


def business_year() -> int:
    """The year a number counts in: today's year in the plant's time zone."""
    return timezone.localdate(clock.now()).year


def format_number(prefix: str, year: int, sequence: int, *, width: int = WIDTH) -> str:
    """``SO-2026-00042``: prefix, business year, the sequence zero-padded to ``width``."""
    return f"{prefix}-{year}-{sequence:0{width}d}"


def lock_counter(prefix: str, year: int) -> DocumentCounter:
    """The counter row of ``prefix`` and ``year``, locked, created at 0 the first time.

    Two first uses at once: one insert wins; the other's fails inside its savepoint (the
    unique key), and it then waits on the winner's row lock."""
    found = DocumentCounter.objects.select_for_update().filter(prefix=prefix, year=year).first()
    if found is not None:
        return found
    try:
        with transaction.atomic():
            return DocumentCounter.objects.create(prefix=prefix, year=year, last=0)
    except IntegrityError:
        return DocumentCounter.objects.select_for_update().get(prefix=prefix, year=year)


def next_number(prefix: str, *, width: int = WIDTH) -> str:
    """The next number of ``prefix`` in the business year (``WO-2026-00001`` first).

    Must run inside the caller's ``transaction.atomic()`` (the document's own): the counter's
    lock is held until that transaction ends, and the number is given back if it rolls back.
    Outside a transaction it refuses, as a number taken there could be lost or shared."""
    if not connection.in_atomic_block:
        raise transaction.TransactionManagementError(
            "next_number() must run inside the document's transaction.atomic()"
        )
    year = business_year()
    counter = lock_counter(prefix, year)
    counter.last += 1
    counter.save(update_fields=["last"])
    return format_number(prefix, year, counter.last, width=width)
