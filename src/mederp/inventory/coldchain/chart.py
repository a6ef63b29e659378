"""An inline SVG sparkline of a location's readings with its storage range as a band: drawn on
the server, no JavaScript (CN-11: warehouse temperature records shown where they are kept)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class Sparkline:
    width: int
    height: int
    points: str  # the polyline's "x,y x,y ..."
    band_y: float | None  # the range band's top edge and height, when the range has both bounds
    band_height: float | None
    outside: tuple[tuple[float, float], ...]  # dots for readings outside the range
    low: Decimal
    high: Decimal


def sparkline(
    readings: Sequence[tuple[dt.datetime, Decimal]],
    range_low: Decimal | None,
    range_high: Decimal | None,
    *,
    width: int = 240,
    height: int = 48,
    pad: int = 3,
) -> Sparkline | None:
    """Readings oldest first, scaled to the box; the vertical scale includes the range bounds so
    the band is always visible. None for fewer than two readings."""
    if len(readings) < 2:
        return None
    values = [c for _t, c in readings]
    bounds = [b for b in (range_low, range_high) if b is not None]
    low, high = min(values + bounds), max(values + bounds)
    span = (high - low) or Decimal(1)
    start, end = readings[0][0], readings[-1][0]
    seconds = (end - start).total_seconds() or 1.0

    def x(at: dt.datetime) -> float:
        return round(pad + (width - 2 * pad) * (at - start).total_seconds() / seconds, 1)

    def y(c: Decimal) -> float:
        return round(pad + (height - 2 * pad) * float((high - c) / span), 1)

    band_y = band_height = None
    if range_low is not None and range_high is not None:
        band_y = y(range_high)
        band_height = round(y(range_low) - band_y, 1)
    outside = tuple(
        (x(t), y(c))
        for t, c in readings
        if (range_low is not None and c < range_low) or (range_high is not None and c > range_high)
    )
    return Sparkline(
        width=width,
        height=height,
        points=" ".join(f"{x(t)},{y(c)}" for t, c in readings),
        band_y=band_y,
        band_height=band_height,
        outside=outside,
        low=low,
        high=high,
    )
