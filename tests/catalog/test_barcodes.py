"""GS1 scans (UDI-02..UDI-05, DI-02): element strings with and without symbology identifiers and
separators, the parenthesised form, Digital Link URIs, bare GTINs, and every way biip's output
could let a bad scan through."""

from __future__ import annotations

import datetime as dt

import pytest

from mederp.catalog.barcodes import (
    GS,
    GtinCheckDigitWrong,
    ScanRefused,
    parse_scan,
)

GTIN = "04012345678901"  # check digit 1 is right
BAD_GTIN = "04012345678902"


def codes(raw: str) -> list[str]:
    return parse_scan(raw).problem_codes


# --- good scans -----------------------------------------------------------------------------


def test_element_string_with_separator_gives_every_udi_part():
    """UDI-02: (01) GTIN, (11) production, (17) expiry, (10) lot, (21) serial."""
    raw = f"01{GTIN}11250101172612311" + f"0LOT-7{GS}21SN0001"
    result = parse_scan(raw)
    assert result.ok, result.problem_codes
    assert result.kind == "gs1"
    assert result.form == "element_string"
    assert result.gtin == GTIN
    assert result.di == GTIN
    assert result.lot == "LOT-7"
    assert result.serial == "SN0001"
    assert result.production_date == dt.date(2025, 1, 1)
    assert result.expiry_date == dt.date(2026, 12, 31)


def test_raw_string_is_kept_exactly_as_scanned():
    """DI-02: the original capture is retained next to the parsed values."""
    raw = f"]d201{GTIN}17261231" + "10LOT-7<GS>21SN0001\r\n"
    result = parse_scan(raw)
    assert result.ok
    assert result.raw == raw
    assert result.symbology == "]d2"
    assert (result.lot, result.serial) == ("LOT-7", "SN0001")


@pytest.mark.parametrize("symbology", ["]C1", "]d2", "]Q3", ""])
def test_symbology_identifiers_are_understood(symbology):
    result = parse_scan(f"{symbology}01{GTIN}10ABC")
    assert result.ok
    assert result.symbology == symbology
    assert (result.gtin, result.lot) == (GTIN, "ABC")


@pytest.mark.parametrize("spelling", ["\x1d", "<GS>", "{GS}", "\\x1d", "^]", "\u241d", "<gs>"])
def test_every_spelling_of_the_group_separator_separates(spelling):
    """A browser cannot type ASCII 29: the scan input accepts these spellings too."""
    result = parse_scan(f"01{GTIN}10LOT-1{spelling}21SER-9")
    assert result.ok, result.problem_codes
    assert (result.lot, result.serial) == ("LOT-1", "SER-9")


def test_leading_fnc1_is_ignored():
    result = parse_scan(f"{GS}01{GTIN}10ABC")
    assert result.ok
    assert result.lot == "ABC"


def test_parenthesised_form_needs_no_separator():
    result = parse_scan(f"(01){GTIN}(10)LOT12321(21)SN0001(17)260531")
    assert result.ok
    assert result.form == "hri"
    assert (result.lot, result.serial) == ("LOT12321", "SN0001")
    assert result.expiry_date == dt.date(2026, 5, 31)


def test_parenthesised_form_tolerates_spaces():
    result = parse_scan(f"(01) {GTIN} (17) 261231 (10) A1")
    assert result.ok
    assert (result.lot, result.expiry_date) == ("A1", dt.date(2026, 12, 31))


def test_digital_link_uri_is_read():
    result = parse_scan(f"https://id.example.com/01/{GTIN}/10/L%2F1/21/S9?17=261231&11=250101")
    assert result.ok
    assert result.form == "digital_link"
    assert (result.gtin, result.lot, result.serial) == (GTIN, "L/1", "S9")
    assert result.expiry_date == dt.date(2026, 12, 31)
    assert result.production_date == dt.date(2025, 1, 1)


@pytest.mark.parametrize("raw", ["4012345678901", GTIN])
def test_bare_gtin_from_a_linear_barcode_is_padded_to_fourteen_digits(raw):
    result = parse_scan(raw)
    assert result.ok
    assert result.form == "gtin"
    assert result.gtin == GTIN
    assert result.lot is None


def test_day_00_is_the_last_day_of_the_month():
    """UDI-04: on input, day 00 means the month's last day (leap years included)."""
    assert parse_scan(f"01{GTIN}17280200").expiry_date == dt.date(2028, 2, 29)
    assert parse_scan(f"01{GTIN}17270200").expiry_date == dt.date(2027, 2, 28)
    assert parse_scan(f"01{GTIN}11260400").production_date == dt.date(2026, 4, 30)


def test_lot_may_legitimately_end_the_scan_without_a_separator():
    """The last element needs no FNC1: a date-like lot at the end is fine when separators
    arrive elsewhere in the same scan."""
    result = parse_scan(f"01{GTIN}21SN-1{GS}1020210315")
    assert result.ok, result.problem_codes
    assert result.lot == "20210315"


def test_lot_that_merely_contains_21_passes_when_nothing_follows_it():
    result = parse_scan(f"01{GTIN}17261231" + "10AB21")
    assert result.ok
    assert result.lot == "AB21"


def test_as_dict_carries_raw_and_parsed_values():
    data = parse_scan(f"01{GTIN}10ABC").as_dict()
    assert data["raw"] == f"01{GTIN}10ABC"
    assert data["gtin"] == GTIN
    assert data["lot"] == "ABC"
    assert data["problems"] == []


# --- refusals -------------------------------------------------------------------------------


def test_wrong_gtin_check_digit_is_refused_not_just_reported():
    """UDI-03, biip caveat 1: biip puts the error in ``gtin_error`` instead of raising."""
    result = parse_scan(f"01{BAD_GTIN}10ABC")
    assert result.problem_codes == ["barcodes.gtin_check_digit"]
    assert result.gtin is None
    with pytest.raises(GtinCheckDigitWrong) as caught:
        result.raise_for_problems()
    assert caught.value.details["value"] == BAD_GTIN
    assert BAD_GTIN in caught.value.render_message()


@pytest.mark.parametrize("raw", [BAD_GTIN, "4012345678902", f"(01){BAD_GTIN}(10)A"])
def test_wrong_check_digit_is_refused_in_every_form(raw):
    assert codes(raw) == ["barcodes.gtin_check_digit"]


def test_serial_merged_into_the_lot_is_refused():
    """UDI-05, biip caveat 2: LOT123 + 21SN0001 without FNC1 reads as lot LOT12321SN0001."""
    result = parse_scan(f"01{GTIN}10LOT123" + "21SN0001")
    assert result.problem_codes == ["barcodes.missing_separator"]
    problem = result.problems[0]
    assert problem.details["ai"] == "10"
    assert problem.details["embedded"] == "(21)SN0001"


def test_expiry_merged_into_the_lot_is_refused_even_when_separators_arrive_elsewhere():
    raw = f"01{GTIN}21S1{GS}10LOT123" + "17261231"
    assert codes(raw) == ["barcodes.missing_separator"]


def test_date_and_serial_merged_into_the_lot_are_named_together():
    result = parse_scan(f"01{GTIN}10LOT9" + "17261231" + "21SN1")
    assert result.problem_codes == ["barcodes.missing_separator"]
    assert result.problems[0].details["embedded"] == "(17)261231(21)SN1"


def test_gtin_merged_into_a_serial_is_refused():
    assert codes(f"01{GTIN}21SER" + f"01{GTIN}") == ["barcodes.missing_separator"]


def test_lot_merged_into_the_serial_is_refused():
    assert codes(f"01{GTIN}21SN0001" + "10LOT7") == ["barcodes.missing_separator"]


def test_variable_element_cut_at_its_maximum_length_is_refused():
    """FNC1 is required after a variable-length AI that is not last, even at full length."""
    result = parse_scan(f"01{GTIN}10ABCDEFGHIJKLMNOPQRST" + "21XY")
    assert result.problem_codes == ["barcodes.missing_separator"]
    assert result.problems[0].details["embedded"] == "(21)XY"


@pytest.mark.parametrize("date", ["261301", "260230", "260001", "261232", "270229"], ids=str)
def test_impossible_dates_are_refused(date):
    """UDI-04: month 13, 30 February, month 00, day 32, 29 February of a common year."""
    result = parse_scan(f"01{GTIN}17{date}10LOT")
    assert result.problem_codes == ["barcodes.date_invalid"]
    assert result.problems[0].details["ai"] == "17"


def test_impossible_date_in_the_parenthesised_form_is_refused():
    assert codes(f"(01){GTIN}(11)250230") == ["barcodes.date_invalid"]


def test_expiry_before_production_is_refused():
    assert codes(f"01{GTIN}1126070117260101") == ["barcodes.dates_inconsistent"]


def test_same_element_twice_with_different_values_is_refused():
    assert codes(f"(01){GTIN}(10)A(10)B") == ["barcodes.conflicting_values"]


@pytest.mark.parametrize(
    "raw",
    [
        f"01{GTIN}1",  # a dangling digit
        f"01{GTIN[:9]}",  # a GTIN cut short
        f"01{GTIN}99",  # an AI without data
        f"(01){GTIN}(10)",  # a parenthesised AI without a value would be silently dropped
        f"(01){GTIN}junk(10)A",
        f"(01){GTIN}(9999)X",  # unknown AI
        "https://example.com/nothing/here",
        f"https://id.example.com/01/{GTIN}/10",  # a qualifier without its value
    ],
)
def test_malformed_gs1_is_refused(raw):
    assert codes(raw) == ["barcodes.malformed"]


@pytest.mark.parametrize("raw", ["", "   ", "\r\n", GS, "<GS>", "]d2"])
def test_empty_scan_is_refused(raw):
    assert codes(raw) == ["barcodes.empty"]


@pytest.mark.parametrize("raw", ["hello", "ABC-123", "lot 7"])
def test_text_that_is_no_barcode_is_refused(raw):
    assert codes(raw) == ["barcodes.unrecognised"]


def test_first_problem_is_raised_with_the_others_in_its_details():
    result = parse_scan(f"(01){BAD_GTIN}(11)260701(17)260101")
    assert result.problem_codes == ["barcodes.gtin_check_digit", "barcodes.dates_inconsistent"]
    with pytest.raises(ScanRefused) as caught:
        result.raise_for_problems()
    assert [p["code"] for p in caught.value.details["problems"]] == result.problem_codes


def test_clean_scan_raises_nothing():
    parse_scan(f"01{GTIN}10ABC").raise_for_problems()
