"""The scorecard arithmetic, without a database (ISO 13485 §7.4.1; CN-21)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from mederp.quality.suppliers import rules

CFG = rules.config()


def test_components_are_rates_and_missing_ones_are_none():
    f = rules.Figures(
        receipt_lines=4,
        quantity_received=Decimal(200),
        quantity_accepted=Decimal(190),
        ncrs=1,
        deliveries=4,
        deliveries_on_time=3,
    )
    parts = rules.components(f, CFG)
    assert parts == {
        "acceptance": Decimal("0.9500"),
        "inspection": None,
        "ncr": Decimal("0.7500"),
        "delivery": Decimal("0.7500"),
    }


def test_the_score_renormalises_the_weights_of_the_components_present():
    parts = {"acceptance": Decimal(1), "inspection": None, "ncr": Decimal(0), "delivery": None}
    # 35 x 1 + 20 x 0 over 55
    assert rules.score(parts, CFG) == Decimal("63.6")


def test_no_component_no_score_and_no_suggestion():
    parts = dict.fromkeys(rules.COMPONENTS)
    assert rules.score(parts, CFG) is None
    assert rules.suggest(None, CFG) == ""


@pytest.mark.parametrize(
    ("score", "status"),
    [("80", "approved"), ("79.9", "conditional"), ("60", "conditional"), ("59.9", "disqualified")],
)
def test_thresholds_suggest_the_status(score, status):
    assert rules.suggest(Decimal(score), CFG) == status


def test_many_ncrs_floor_the_ncr_component_at_zero():
    f = rules.Figures(
        receipt_lines=1, quantity_received=Decimal(1), quantity_accepted=Decimal(1), ncrs=9
    )
    assert rules.components(f, CFG)["ncr"] == Decimal(0)


def test_weights_and_thresholds_are_data():
    cfg = rules.config(
        {"weights": {"acceptance": 1}, "thresholds": {"approved": 90, "conditional": 50}}
    )
    parts = {"acceptance": Decimal("0.85"), "inspection": Decimal(0), "ncr": None, "delivery": None}
    assert rules.score(parts, cfg) == Decimal("85.0")
    assert rules.suggest(Decimal("85"), cfg) == "conditional"


@pytest.mark.parametrize(
    "bad",
    [
        {"weights": {"acceptance": -1, "ncr": 5}},
        {"weights": {}},
        {"thresholds": {"approved": 50, "conditional": 60}},
    ],
)
def test_a_nonsensical_configuration_is_refused(bad):
    with pytest.raises(ValueError):
        rules.config(bad)
