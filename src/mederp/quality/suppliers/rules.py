"""Supplier scorecard arithmetic: pure functions, no database (ISO 13485 §7.4.1; CN-21;
生产办法 第三十一条).

A scorecard has four components, each a rate between 0 and 1, or ``None`` when the period holds
nothing to judge it by:

- acceptance: quantity accepted / quantity received at GSP receiving acceptance (验收);
- inspection: incoming inspections passed / incoming inspections completed;
- ncr: 1 - (NCRs against the supplier x penalty), floored at 0 (one NCR costs ``ncr_penalty``
  points of 100);
- delivery: receipts on or before the order's expected delivery date / receipts against orders
  that name one.

The score is 100 x the weighted mean of the components present (a missing component's weight
is left out, so the others are renormalised), to one decimal. Weights, the NCR penalty and the
status thresholds are data: ``settings.MEDERP_SUPPLIER_SCORE`` overrides :data:`DEFAULTS`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

APPROVED, CONDITIONAL, DISQUALIFIED = "approved", "conditional", "disqualified"
STATUSES = (APPROVED, CONDITIONAL, DISQUALIFIED)
COMPONENTS = ("acceptance", "inspection", "ncr", "delivery")

DEFAULTS: dict[str, Any] = {
    "weights": {"acceptance": 35, "inspection": 25, "ncr": 20, "delivery": 20},
    # Points of 100 one NCR takes off the NCR component.
    "ncr_penalty": 25,
    # A score at or above "approved" suggests approved; at or above "conditional", conditional;
    # below, disqualified.
    "thresholds": {"approved": 80, "conditional": 60},
}

RATE = Decimal("0.0001")
SCORE = Decimal("0.1")


@dataclass(frozen=True)
class Figures:
    """What a period holds for one supplier (snapshotted on an evaluation)."""

    receipt_lines: int = 0
    quantity_received: Decimal = Decimal(0)
    quantity_accepted: Decimal = Decimal(0)
    lines_rejected: int = 0
    inspections: int = 0
    inspections_passed: int = 0
    ncrs: int = 0
    deliveries: int = 0
    deliveries_on_time: int = 0

    @property
    def empty(self) -> bool:
        return not (self.receipt_lines or self.inspections or self.ncrs)


@dataclass(frozen=True)
class Config:
    weights: dict[str, Decimal]
    ncr_penalty: Decimal
    approved_at: Decimal
    conditional_at: Decimal

    def as_dict(self) -> dict[str, Any]:
        return {
            "weights": {k: str(v) for k, v in self.weights.items()},
            "ncr_penalty": str(self.ncr_penalty),
            "thresholds": {
                "approved": str(self.approved_at),
                "conditional": str(self.conditional_at),
            },
        }


def config(overrides: Mapping[str, Any] | None = None) -> Config:
    """The scoring configuration: :data:`DEFAULTS` with ``overrides`` laid over it. Weights
    must be non-negative with a positive sum; thresholds 0..100, approved >= conditional."""
    data = {**DEFAULTS, **(overrides or {})}
    weights = {k: Decimal(str(data["weights"].get(k, 0))) for k in COMPONENTS}
    if any(w < 0 for w in weights.values()) or sum(weights.values()) <= 0:
        raise ValueError("MEDERP_SUPPLIER_SCORE weights must be >= 0 with a positive sum")
    thresholds = data["thresholds"]
    approved_at = Decimal(str(thresholds["approved"]))
    conditional_at = Decimal(str(thresholds["conditional"]))
    if not (0 <= conditional_at <= approved_at <= 100):
        raise ValueError("MEDERP_SUPPLIER_SCORE thresholds: 0 <= conditional <= approved <= 100")
    return Config(weights, Decimal(str(data["ncr_penalty"])), approved_at, conditional_at)


def _rate(part: Decimal | int, whole: Decimal | int) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) / Decimal(whole)).quantize(RATE, ROUND_HALF_UP)


def components(f: Figures, cfg: Config) -> dict[str, Decimal | None]:
    """Each component's rate (0..1), ``None`` when the period has nothing to judge it by."""
    ncr: Decimal | None = None
    if f.receipt_lines or f.ncrs:
        ncr = max(Decimal(0), 1 - Decimal(f.ncrs) * cfg.ncr_penalty / 100).quantize(RATE)
    return {
        "acceptance": _rate(f.quantity_accepted, f.quantity_received),
        "inspection": _rate(f.inspections_passed, f.inspections),
        "ncr": ncr,
        "delivery": _rate(f.deliveries_on_time, f.deliveries),
    }


def score(parts: Mapping[str, Decimal | None], cfg: Config) -> Decimal | None:
    """100 x the weighted mean of the components present; ``None`` if none is."""
    present = {k: v for k, v in parts.items() if v is not None and cfg.weights.get(k, 0) > 0}
    total = sum((cfg.weights[k] for k in present), Decimal(0))
    if not total:
        return None
    mean = sum((cfg.weights[k] * v for k, v in present.items()), Decimal(0)) / total
    return (mean * 100).quantize(SCORE, ROUND_HALF_UP)


def suggest(value: Decimal | None, cfg: Config) -> str:
    """The status the score suggests; empty without a score (QA decides on other grounds)."""
    if value is None:
        return ""
    if value >= cfg.approved_at:
        return APPROVED
    if value >= cfg.conditional_at:
        return CONDITIONAL
    return DISQUALIFIED
