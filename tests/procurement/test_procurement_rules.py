"""Pure procurement rules, no database: prices, open quantities, the acceptance result, the
order's state after a receipt, and which licence blocks a purchase (CN-01, CN-04, CN-08)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mederp.partners import rules as partner_rules
from mederp.partners.rules import LicenceProblem
from mederp.procurement import rules
from mederp.procurement.rules import Acceptance

DAY = dt.date(2026, 6, 15)
D = Decimal


@dataclass(frozen=True)
class Doc:
    kind: str
    number: str = "X"
    valid_from: dt.date | None = None
    valid_until: dt.date | None = None
    scope: list[str] = field(default_factory=list)


def licence(**kw) -> Doc:
    return Doc(kind="distribution_licence", **kw)


# --- numbers and prices ------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["0", "12.5", "0.0001", 3, D("99.99"), " 7 "])
def test_prices_that_are_exact_and_not_negative_are_read(value):
    assert rules.parse_price(value) == D(str(value).strip())


@pytest.mark.parametrize(
    "value", ["-1", "0.00001", 1.5, True, "abc", "NaN", "Infinity", None, "1e20", ""]
)
def test_prices_that_are_negative_too_fine_floats_or_not_numbers_are_refused(value):
    assert rules.parse_price(value) is None


# --- quantities and results --------------------------------------------------------------------


def test_what_is_open_ignores_rejections_and_never_goes_negative():
    assert rules.open_quantity(D(100), D(40)) == D(60)
    assert rules.open_quantity(D(100), D(100)) == 0


@pytest.mark.parametrize(
    ("received", "accepted", "result"),
    [(10, 10, Acceptance.ACCEPTED), (10, 0, Acceptance.REJECTED), (10, 3, Acceptance.PARTIAL)],
)
def test_the_acceptance_result_follows_the_quantities(received, accepted, result):
    assert rules.acceptance_result(D(received), D(accepted)) is result


def test_an_order_is_received_when_every_line_is_complete():
    assert rules.state_after_receipt([(D(10), D(10)), (D(5), D(5))]) == "received"


def test_an_order_is_partly_received_while_a_line_is_open():
    assert rules.state_after_receipt([(D(10), D(10)), (D(5), D(0))]) == "partially_received"


def test_an_order_with_nothing_accepted_keeps_its_state():
    assert rules.state_after_receipt([(D(10), D(0))]) is None


@given(
    st.lists(
        st.tuples(st.integers(1, 1000), st.integers(0, 1000)).filter(lambda t: t[1] <= t[0]),
        min_size=1,
        max_size=8,
    )
)
def test_received_exactly_when_nothing_is_open(pairs):
    lines = [(D(o), D(a)) for o, a in pairs]
    state = rules.state_after_receipt(lines)
    nothing_open = all(rules.open_quantity(o, a) == 0 for o, a in lines)
    assert (state == "received") == nothing_open


# --- licences (CN-01, CN-04) -----------------------------------------------------------------


def test_a_licence_in_force_covering_the_category_passes():
    docs = [licence(valid_until=dt.date(2027, 1, 1), scope=["14"])]
    assert partner_rules.licence_verdict(docs, "14-02", DAY) is None


def test_no_licence_at_all_is_missing():
    docs = [Doc(kind="business_licence", scope=["14"])]
    assert partner_rules.licence_verdict(docs, "14-02", DAY).problem is LicenceProblem.MISSING


def test_licences_that_cover_other_categories_are_a_scope_problem():
    docs = [licence(valid_until=dt.date(2027, 1, 1), scope=["07"])]
    assert partner_rules.licence_verdict(docs, "14-02", DAY).problem is LicenceProblem.SCOPE


def test_a_lapsed_covering_licence_is_named():
    old = licence(number="OLD", valid_until=dt.date(2026, 6, 14), scope=["14"])
    older = licence(number="OLDER", valid_until=dt.date(2025, 1, 1), scope=["14"])
    verdict = partner_rules.licence_verdict([older, old], "14-02", DAY)
    assert verdict.problem is LicenceProblem.EXPIRED
    assert verdict.document is old


def test_the_licence_is_in_force_on_its_last_day():
    docs = [licence(valid_until=DAY, scope=["14"])]
    assert partner_rules.licence_verdict(docs, "14-02", DAY) is None


def test_a_covering_licence_not_yet_in_force_is_named():
    later = licence(number="NEW", valid_from=dt.date(2026, 7, 1), scope=["14"])
    verdict = partner_rules.licence_verdict([later], "14-02", DAY)
    assert verdict.problem is LicenceProblem.NOT_YET_VALID
    assert verdict.document is later


def test_a_renewed_licence_hides_the_lapsed_one():
    docs = [
        licence(number="OLD", valid_until=dt.date(2026, 1, 1), scope=["14"]),
        licence(number="NEW", valid_until=dt.date(2031, 1, 1), scope=["14"]),
    ]
    assert partner_rules.licence_verdict(docs, "14-02", DAY) is None


def test_a_business_licence_never_covers_device_categories():
    docs = [Doc(kind="business_licence", valid_until=dt.date(2030, 1, 1), scope=["14"])]
    assert partner_rules.licence_verdict(docs, "14-02", DAY).problem is LicenceProblem.MISSING


def test_a_lapsed_business_licence_is_named_unless_another_is_in_force():
    lapsed = Doc(kind="business_licence", number="BL-1", valid_until=dt.date(2026, 1, 1))
    assert partner_rules.lapsed_business_licence([lapsed], DAY) is lapsed
    forever = Doc(kind="business_licence", number="BL-2")  # 长期: no end
    assert partner_rules.lapsed_business_licence([lapsed, forever], DAY) is None
    assert partner_rules.lapsed_business_licence([], DAY) is None
