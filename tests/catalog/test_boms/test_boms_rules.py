"""The pure BOM decisions: exact quantities, the effective date an approval sets, the search for
a cycle in the product structure (no database)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from mederp.catalog import bom_rules

DAY = dt.date(2026, 6, 15)


@pytest.mark.parametrize(
    "value,expected",
    [
        ("2", Decimal("2")),
        (" 0.125 ", Decimal("0.125")),
        (3, Decimal("3")),
        (Decimal("1.500000"), Decimal("1.500000")),
        ("0", Decimal("0")),
        ("999999999999", Decimal("999999999999")),
    ],
)
def test_exact_quantities_are_read_exactly(value, expected):
    assert bom_rules.parse_quantity(value) == expected


@pytest.mark.parametrize(
    "value", [0.5, True, "abc", "", "NaN", "Infinity", "1.0000001", "1000000000000", None, [1]]
)
def test_floats_garbage_and_too_fine_or_too_large_quantities_are_refused(value):
    assert bom_rules.parse_quantity(value) is None


def test_quantities_are_shown_the_same_way_whatever_their_scale():
    assert bom_rules.quantity_text(Decimal("2.000000")) == "2"
    assert bom_rules.quantity_text(Decimal("10.000000")) == "10"
    assert bom_rules.quantity_text(Decimal("0.125000")) == "0.125"


def test_the_approver_date_beats_the_drafted_one_which_beats_today():
    later, drafted = DAY + dt.timedelta(days=9), DAY + dt.timedelta(days=3)
    assert bom_rules.chosen_effective_from(later, drafted, DAY) == later
    assert bom_rules.chosen_effective_from(None, drafted, DAY) == drafted
    assert bom_rules.chosen_effective_from(None, None, DAY) == DAY


def test_only_a_day_before_today_is_in_the_past():
    assert bom_rules.effective_in_past(DAY - dt.timedelta(days=1), DAY)
    assert not bom_rules.effective_in_past(DAY, DAY)


def test_revisions_count_on_from_the_highest():
    assert bom_rules.next_revision([]) == 1
    assert bom_rules.next_revision([1, 3, 2]) == 4


def graph(edges):
    def children(parents):
        return {p: {c for a, c in edges if a == p} for p in parents}

    return children


def test_a_path_is_found_at_any_depth_and_is_the_shortest():
    edges = [(1, 2), (2, 3), (3, 4), (1, 4)]
    assert bom_rules.find_path(1, 4, graph(edges)) == [1, 4]
    assert bom_rules.find_path(2, 4, graph(edges)) == [2, 3, 4]


def test_no_path_and_loops_elsewhere_end_the_search():
    edges = [(1, 2), (2, 1), (2, 3), (3, 2)]
    assert bom_rules.find_path(1, 9, graph(edges)) is None


def test_a_product_reaches_itself():
    assert bom_rules.find_path(5, 5, graph([])) == [5]
