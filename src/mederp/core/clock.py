"""The one source of "now" (invariant 8): timezone-aware UTC, freezable in tests.

21 CFR 11.10(e) (AT-03): record times are computer-generated on the server, never the client's.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator

_frozen: dt.datetime | None = None


def now() -> dt.datetime:
    """Current UTC time, or the frozen time inside :func:`frozen`."""
    if _frozen is not None:
        return _frozen
    return dt.datetime.now(dt.UTC)


def today() -> dt.date:
    """Today's date in UTC."""
    return now().date()


@contextlib.contextmanager
def frozen(at: dt.datetime) -> Iterator[None]:
    """Freeze :func:`now` at ``at`` (must be timezone-aware) for the duration of the block."""
    global _frozen
    if at.tzinfo is None:
        raise ValueError("frozen() needs a timezone-aware datetime")
    previous, _frozen = _frozen, at.astimezone(dt.UTC)
    try:
        yield
    finally:
        _frozen = previous
