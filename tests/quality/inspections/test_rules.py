"""The pure decisions of inspections (ISO 13485 §8.2.6): sampling by lot size, judging a
result against its limits, the inspection's outcome, exact values only."""

from __future__ import annotations

from decimal import Decimal as D

from mederp.quality.inspections import rules

TABLE = [
    rules.Range(D(1), D(50), D(5)),
    rules.Range(D(51), D(500), D(20)),
    rules.Range(D(501), None, D(50)),
]


def test_sample_size_comes_from_the_row_covering_the_lot_size() -> None:
    assert rules.sample_size(TABLE, D(40)) == D(5)
    assert rules.sample_size(TABLE, D(51)) == D(20)
    assert rules.sample_size(TABLE, D(100000)) == D(50)


def test_a_lot_smaller_than_its_sample_is_inspected_whole() -> None:
    assert rules.sample_size(TABLE, D(3)) == D(3)


def test_no_covering_row_or_no_table_means_inspect_all() -> None:
    assert rules.sample_size([], D(12)) == D(12)
    assert rules.sample_size([rules.Range(D(100), None, D(10))], D(12)) == D(12)


def test_overlapping_rows_are_found_and_adjacent_ones_are_not() -> None:
    assert rules.overlapping(TABLE) is None
    clash = rules.overlapping([rules.Range(D(1), D(50), D(5)), rules.Range(D(50), None, D(9))])
    assert clash is not None
    assert rules.overlapping([rules.Range(D(1), None, D(5)), rules.Range(D(60), None, D(9))])


def test_a_number_outside_its_limits_fails_and_the_limits_themselves_pass() -> None:
    assert rules.judge("numeric", value=D("5.1"), lower=D("4.9"), upper=D("5.1"))
    assert rules.judge("numeric", value=D("4.9"), lower=D("4.9"), upper=D("5.1"))
    assert not rules.judge("numeric", value=D("5.100001"), lower=D("4.9"), upper=D("5.1"))
    assert not rules.judge("numeric", value=D("4.8"), lower=D("4.9"), upper=None)
    assert rules.judge("numeric", value=D("-7"), lower=None, upper=D("0"))


def test_pass_fail_follows_the_verdict_and_text_passes_unless_marked_failed() -> None:
    assert rules.judge("pass_fail", passed=True)
    assert not rules.judge("pass_fail", passed=False)
    assert rules.judge("text", passed=None)
    assert not rules.judge("text", passed=False)


def test_outcome_is_pass_only_when_every_characteristic_passed() -> None:
    assert rules.outcome([True, True]) == "pass"
    assert rules.outcome([True, False]) == "fail"


def test_values_are_exact_decimals_never_floats() -> None:
    assert rules.parse_value("5.0123") == D("5.0123")
    assert rules.parse_value(5) == D(5)
    assert rules.parse_value(5.1) is None
    assert rules.parse_value(True) is None
    assert rules.parse_value("abc") is None
    assert rules.parse_value("NaN") is None
    assert rules.parse_value("1.0000001") is None


def test_limits_are_shown_as_an_interval_or_a_bound() -> None:
    assert rules.limits_text(D("4.90"), D("5.1"), "mm") == "[4.9, 5.1] mm"
    assert rules.limits_text(D("4.9"), None) == "≥ 4.9"
    assert rules.limits_text(None, D("10")) == "≤ 10"
