"""Pure partner rules (no database): USCC check character, business scope, qualification state.

CN-01 (营业执照 / unified social credit code, licence validity), CN-03 (scope covers the product
category), CN-04 (near-expiry warning; expired or out-of-scope blocks), DI-09 (format checks).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mederp.partners import rules
from mederp.partners.rules import (
    EXPIRED,
    EXPIRING,
    MISSING,
    NOT_YET_VALID,
    VALID,
    document_status,
    normalise_uscc,
    overall_status,
    parse_scope,
    qualification_status,
    scope_code_covers,
    scope_covers,
    uscc_check_character,
    uscc_is_valid,
)

DAY = dt.date(2026, 11, 25)


@dataclass
class Doc:
    kind: str
    valid_until: dt.date | None = None
    valid_from: dt.date | None = None
    scope: list[str] = field(default_factory=list)


# Published codes of well-known companies (public registry data) and codes computed here.
REAL_CODES = [
    "91330100716105852F",
    "914403001922038216",
    "9144030071526726XG",
    "91110000802100433B",
    "91350100M000100Y43",
]
COMPUTED = [
    "91320505MA1N7Q4K5H",
    "91310115MA1K3YJ8XB",
    "93320583MA1P0W1C8L",
    "12100000400000623A",
    "52320000500012345L",
]


@pytest.mark.parametrize("code", REAL_CODES + COMPUTED)
def test_published_and_computed_codes_pass_the_gb32100_check(code):
    """CN-01: the 18th character is 31 - (Σ Ci·Wi mod 31) with Wi = 3^(i-1) mod 31."""
    assert uscc_is_valid(code)
    assert uscc_check_character(code[:17]) == code[17]


def test_weights_are_the_ones_printed_in_the_standard():
    assert rules.USCC_WEIGHTS == (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def test_a_check_sum_of_31_is_written_as_zero():
    # Position 2 has weight 3, invertible mod 31: exactly one character there makes the sum a
    # multiple of 31, whose check character is "0" rather than the 31st (nonexistent) one.
    body = next(
        f"9{c}320505MA1N7Q4K5"[:17]
        for c in rules.USCC_ALPHABET
        if sum(
            rules.USCC_ALPHABET.index(x) * w
            for x, w in zip(f"9{c}320505MA1N7Q4K5"[:17], rules.USCC_WEIGHTS, strict=True)
        )
        % 31
        == 0
    )
    assert uscc_check_character(body) == "0"


@pytest.mark.parametrize("wrong", [c for c in rules.USCC_ALPHABET if c != "H"])
def test_every_other_check_character_is_refused(wrong):
    assert not uscc_is_valid("91320505MA1N7Q4K5" + wrong)


@pytest.mark.parametrize(
    "code",
    [
        "",
        "91320505MA1N7Q4K5",
        "91320505MA1N7Q4K5HH",  # length
        "91320505MA1N7Q4KIH",
        "91320505MA1N7Q4KOH",
        "91320505MA1N7Q4KZH",  # letters not in GB 32100
        "91320505MA1N7Q4KSH",
        "91320505MA1N7Q4KVH",
        "91A20505MA1N7Q4K5H",  # the division code (positions 3-8) is digits
        "91320505ma1n7q4k5h",  # lower case is normalised before checking, not accepted raw
    ],
)
def test_malformed_codes_are_refused(code):
    assert not uscc_is_valid(code)


def test_a_swapped_pair_of_characters_is_detected():
    assert not uscc_is_valid("91320505MA1N7Q45KH")


def test_pasted_codes_are_normalised_full_width_spaces_and_case():
    assert normalise_uscc(" ９１３２０５０５ma1n7q4k5h ") == "91320505MA1N7Q4K5H"
    assert normalise_uscc("9132 0505 MA1N 7Q4K 5H") == "91320505MA1N7Q4K5H"


_body = st.tuples(
    st.sampled_from("123456789ANY"),
    st.sampled_from(rules.USCC_ALPHABET),
    st.text("0123456789", min_size=6, max_size=6),
    st.text(rules.USCC_ALPHABET, min_size=9, max_size=9),
).map("".join)


@given(_body, st.sampled_from(rules.USCC_ALPHABET))
def test_any_body_with_its_check_character_is_valid_and_no_other_is(body, other):
    check = uscc_check_character(body)
    assert uscc_is_valid(body + check)
    assert uscc_is_valid(body + other) == (other == check)


def test_check_character_needs_seventeen_code_characters():
    with pytest.raises(ValueError):
        uscc_check_character("9132050")
    with pytest.raises(ValueError):
        uscc_check_character("91320505MA1N7Q4KI")


def test_scope_text_is_split_normalised_and_deduplicated():
    text = "07-01, 6815\n07-01；14 ,， 6815、ｑ01  07.02/a"
    assert parse_scope(text) == ["07-01", "6815", "14", "Q01", "07.02/A"]
    assert parse_scope(["07", " 07 ", "14-01,14-02"]) == ["07", "14-01", "14-02"]
    assert parse_scope("") == [] and parse_scope([]) == []


def test_scope_codes_with_other_characters_are_reported():
    assert rules.invalid_scope_codes(["07", "07-01", "A/1", "07*", "-07", "注射"]) == [
        "07*",
        "-07",
        "注射",
    ]


@pytest.mark.parametrize(
    ("scope", "category", "covers"),
    [
        ("07", "07", True),
        ("07", "07-01", True),
        ("07", "07.01", True),
        ("07-01", "07-01-02", True),
        ("07", "070", False),  # a prefix only counts at a separator
        ("07", "0701", False),
        ("07-01", "07", False),  # a narrower scope does not cover the whole category
        ("07-01", "07-02", False),
        ("6815", "6815", True),
        ("", "07", False),
        ("07", "", False),
        ("07", " 07-01 ", True),
    ],
)
def test_scope_code_covers_equal_or_prefix_at_a_separator(scope, category, covers):
    assert scope_code_covers(scope, category) is covers


@pytest.mark.parametrize(
    ("valid_from", "valid_until", "state"),
    [
        (None, None, VALID),  # 长期: no end
        (None, DAY + dt.timedelta(days=31), VALID),
        (None, DAY + dt.timedelta(days=30), EXPIRING),  # within the 30-day warning
        (None, DAY, EXPIRING),  # last valid day
        (None, DAY - dt.timedelta(days=1), EXPIRED),
        (DAY + dt.timedelta(days=1), None, NOT_YET_VALID),
        (DAY, DAY, EXPIRING),
    ],
)
def test_document_status_on_boundaries(valid_from, valid_until, state):
    doc = Doc("distribution_licence", valid_until=valid_until, valid_from=valid_from)
    assert document_status(doc, DAY) == state


def test_warning_window_is_configurable():
    doc = Doc("distribution_licence", DAY + dt.timedelta(days=45))
    assert document_status(doc, DAY, warn_days=30) == VALID
    assert document_status(doc, DAY, warn_days=60) == EXPIRING


def test_qualification_status_reports_every_kind_and_the_best_document_decides():
    docs = [
        Doc("distribution_licence", DAY - dt.timedelta(days=10)),  # lapsed
        Doc("distribution_licence", DAY + dt.timedelta(days=900)),  # renewed
        Doc("business_licence", None),
        Doc("iso13485_certificate", DAY + dt.timedelta(days=7)),
        Doc("manufacturing_licence", DAY - dt.timedelta(days=1)),
        Doc("class2_filing", None, valid_from=DAY + dt.timedelta(days=3)),  # not in force yet
    ]
    assert qualification_status(docs, DAY) == {
        "business_licence": VALID,
        "manufacturing_licence": EXPIRED,
        "distribution_licence": VALID,
        "class2_filing": MISSING,
        "iso13485_certificate": EXPIRING,
        "other": MISSING,
    }


def test_overall_status_is_the_worst_kind_held_or_missing_when_none():
    assert overall_status(qualification_status([], DAY)) == MISSING
    assert overall_status({"a": VALID, "b": MISSING}) == VALID
    assert overall_status({"a": VALID, "b": EXPIRING}) == EXPIRING
    assert overall_status({"a": EXPIRING, "b": EXPIRED, "c": VALID}) == EXPIRED


def test_a_supplier_with_an_expired_licence_is_expired_overall():
    """DEMO: the supplier whose 医疗器械经营许可证 expired shows an expired badge."""
    docs = [Doc("business_licence"), Doc("distribution_licence", DAY - dt.timedelta(days=40))]
    assert overall_status(qualification_status(docs, DAY)) == EXPIRED


def test_a_customer_whose_licence_expires_next_week_is_expiring_overall():
    docs = [Doc("business_licence"), Doc("distribution_licence", DAY + dt.timedelta(days=7))]
    assert overall_status(qualification_status(docs, DAY)) == EXPIRING


def test_scope_covers_only_through_a_licence_in_force():
    """CN-03, CN-04: the category must be in the scope of a valid licence or filing."""
    in_force = Doc("distribution_licence", DAY + dt.timedelta(days=100), scope=["07", "14-01"])
    assert scope_covers([in_force], "07-02", DAY)
    assert scope_covers([in_force], "14-01", DAY)
    assert not scope_covers([in_force], "14-02", DAY)
    assert not scope_covers([in_force], "22", DAY)


def test_an_expiring_licence_still_covers_but_an_expired_or_future_one_does_not():
    expiring = Doc("distribution_licence", DAY + dt.timedelta(days=3), scope=["07"])
    expired = Doc("distribution_licence", DAY - dt.timedelta(days=1), scope=["07"])
    future = Doc("class2_filing", None, valid_from=DAY + dt.timedelta(days=1), scope=["07"])
    assert scope_covers([expiring], "07-01", DAY)
    assert not scope_covers([expired, future], "07-01", DAY)


def test_business_licence_and_certificates_do_not_count_for_scope():
    docs = [
        Doc("business_licence", None, scope=["07"]),
        Doc("iso13485_certificate", DAY + dt.timedelta(days=400), scope=["07"]),
        Doc("other", None, scope=["07"]),
    ]
    assert not scope_covers(docs, "07", DAY)
    assert scope_covers([*docs, Doc("class2_filing", None, scope=["07"])], "07", DAY)
    assert scope_covers([Doc("manufacturing_licence", DAY, scope=["07"])], "07", DAY)


def test_licences_and_certificates_need_an_end_date_business_licence_and_filing_not():
    assert {
        "manufacturing_licence",
        "distribution_licence",
        "iso13485_certificate",
    } == rules.EXPIRY_REQUIRED_KINDS
    assert "business_licence" not in rules.EXPIRY_REQUIRED_KINDS
    assert "class2_filing" not in rules.EXPIRY_REQUIRED_KINDS


def test_country_codes_are_the_249_iso_3166_alpha2_codes():
    assert len(rules.COUNTRY_CODES) == 249
    assert {"CN", "HK", "MO", "TW", "DE", "US", "JP"} <= rules.COUNTRY_CODES
    assert not {"UK", "EU", "XX", "CHN"} & rules.COUNTRY_CODES
