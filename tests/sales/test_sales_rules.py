"""The pure sales rules (STYLE rule 1): FEFO with the customer's minimum shelf life, what a pick
scan must match, prices and amounts, what may come back, which licence blocks (no database)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import pytest

from mederp.core.errors import DomainError
from mederp.partners import rules as partner_rules
from mederp.sales import rules

TODAY = dt.date(2026, 6, 15)


@dataclass(frozen=True)
class Row:
    lot_number: str | None
    expiry_date: dt.date | None
    available: Decimal
    serial_number: str | None = None
    location_code: str = "A-01"


def plan(rows, needed, min_days=0):
    return rules.plan_fefo(rows, Decimal(needed), on_date=TODAY, min_days=min_days)


def taken(p):
    return [(c.serial_number or c.lot_number, str(q)) for c, q in p.takes]


def test_fefo_takes_earliest_expiry_first_whatever_order_it_is_given():
    rows = [
        Row("LATE", dt.date(2028, 1, 1), Decimal(5)),
        Row("NONE", None, Decimal(5)),
        Row("EARLY", dt.date(2027, 1, 1), Decimal(2)),
    ]
    assert taken(plan(rows, "9")) == [("EARLY", "2"), ("LATE", "5"), ("NONE", "2")]


def test_fefo_never_takes_an_expired_row():
    rows = [
        Row("GONE", dt.date(2026, 6, 14), Decimal(9)),
        Row("OK", dt.date(2026, 6, 15), Decimal(1)),
    ]
    p = plan(rows, "3")
    assert taken(p) == [("OK", "1")]
    assert p.shortfall == Decimal(2) and not p.complete


def test_fefo_skips_rows_too_close_to_expiry_and_lists_them():
    rows = [
        Row("SHORT", dt.date(2026, 9, 1), Decimal(9)),
        Row("LONG", dt.date(2027, 9, 1), Decimal(9)),
    ]
    p = plan(rows, "3", min_days=180)
    assert taken(p) == [("LONG", "3")]
    assert [c.lot_number for c in p.too_short] == ["SHORT"]


def test_fefo_takes_one_unit_per_serial():
    rows = [
        Row("L", dt.date(2027, 1, 1), Decimal(1), serial_number="S2"),
        Row("L", dt.date(2027, 1, 1), Decimal(1), serial_number="S1"),
    ]
    assert taken(plan(rows, "2")) == [("S1", "1"), ("S2", "1")]


@pytest.mark.parametrize(
    "expiry,min_days,ok",
    [
        (dt.date(2026, 6, 15), 0, True),  # last usable day
        (dt.date(2026, 6, 14), 0, False),
        (dt.date(2026, 7, 15), 30, True),
        (dt.date(2026, 7, 14), 30, False),
        (None, 3650, True),
    ],
)
def test_meets_shelf_life(expiry, min_days, ok):
    assert rules.meets_shelf_life(expiry, TODAY, min_days) is ok


def target(**kw):
    values = {"key": 1, "gtin": "06905550000015", "lot": "L1", "serial": None}
    values.update(kw)
    return rules.PickTarget(open_quantity=Decimal(5), **values)


@pytest.mark.parametrize(
    "scan,mismatch",
    [
        ({"gtin": "06905550000015", "lot": "L1", "serial": None}, None),
        ({"gtin": "06905550000022", "lot": "L1", "serial": None}, "wrong_gtin"),
        ({"gtin": "06905550000015", "lot": "L2", "serial": None}, "wrong_lot"),
        ({"gtin": "06905550000015", "lot": None, "serial": None}, "lot_not_scanned"),
    ],
)
def test_a_lot_pick_must_scan_the_allocated_gtin_and_lot(scan, mismatch):
    match = rules.match_pick([target()], quantity=Decimal(1), **scan)
    assert (match.mismatch.value if match.mismatch else None) == mismatch


def test_a_serial_pick_must_scan_the_allocated_serial():
    t = target(serial="SN1")
    assert rules.match_pick([t], gtin=t.gtin, lot=None, serial="SN1", quantity=Decimal(1)).target
    wrong = rules.match_pick([t], gtin=t.gtin, lot="L1", serial="SN2", quantity=Decimal(1))
    assert (wrong.mismatch, wrong.scanned, wrong.expected) == (
        rules.ScanMismatch.SERIAL,
        "SN2",
        "SN1",
    )


def test_among_several_allocations_the_matching_one_with_enough_open_wins():
    small = rules.PickTarget(1, "06905550000015", "L1", None, Decimal(1))
    big = rules.PickTarget(2, "06905550000015", "L1", None, Decimal(5))
    other = rules.PickTarget(3, "06905550000015", "L2", None, Decimal(5))
    match = rules.match_pick(
        [small, big, other], gtin=small.gtin, lot="L1", serial=None, quantity=Decimal(3)
    )
    assert match.target is big
    miss = rules.match_pick(
        [small, other], gtin=small.gtin, lot="L9", serial=None, quantity=Decimal(1)
    )
    assert (miss.mismatch, miss.expected) == (rules.ScanMismatch.LOT, "L1, L2")


@pytest.mark.parametrize("value", ["12.5", "0", 3, Decimal("0.0001")])
def test_prices_are_exact_and_not_negative(value):
    assert rules.parse_price(value) == Decimal(value)


@pytest.mark.parametrize("value", ["-1", "1.00001", 1.5, "abc", None, True, "NaN"])
def test_bad_prices_are_refused(value):
    with pytest.raises(DomainError) as refused:
        rules.parse_price(value)
    assert refused.value.code == "sales.price_invalid"


def test_amount_is_in_cents_half_up():
    assert rules.amount(Decimal("3"), Decimal("0.3350")) == Decimal("1.01")
    assert rules.amount(Decimal("0.5"), Decimal("0.01")) == Decimal("0.01")


def test_returnable_is_what_was_shipped_less_what_came_back():
    assert rules.returnable(Decimal(6), [Decimal(2), Decimal("1.5")]) == Decimal("2.5")
    assert rules.returnable(Decimal(1), [Decimal(1)]) == 0


@dataclass(frozen=True)
class Doc:
    kind: str
    scope: tuple[str, ...]
    valid_from: dt.date | None
    valid_until: dt.date | None
    number: str = "N"


def test_licence_verdict_names_the_lapsed_licence_that_covered_the_category():
    lapsed = Doc("distribution_licence", ("14",), dt.date(2020, 1, 1), dt.date(2026, 1, 1), "OLD")
    verdict = partner_rules.licence_verdict([lapsed], "14-02", TODAY)
    assert verdict.problem == "expired" and verdict.document is lapsed


def test_licence_verdict_accepts_a_renewed_licence_and_reports_scope_and_absence():
    renewed = Doc("distribution_licence", ("14",), dt.date(2026, 1, 1), dt.date(2030, 1, 1))
    assert partner_rules.licence_verdict([renewed], "14-02", TODAY) is None
    assert partner_rules.licence_verdict([renewed], "07-01", TODAY).problem == "scope"
    business = Doc("business_licence", ("14",), None, None)
    assert partner_rules.licence_verdict([business], "14-02", TODAY).problem == "missing"
    later = Doc("class2_filing", ("14",), dt.date(2026, 7, 1), None)
    assert partner_rules.licence_verdict([later], "14-02", TODAY).problem == "not_yet_valid"


def test_covering_licence_is_the_longest_running_one_in_force():
    a = Doc("distribution_licence", ("14",), None, dt.date(2027, 1, 1), "A")
    b = Doc("class2_filing", ("14-02",), None, None, "B")
    assert partner_rules.covering_licence([a, b], "14-02", TODAY) is b
    assert partner_rules.covering_licence([a], "07", TODAY) is None
