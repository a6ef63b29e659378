"""HIBC scans (UDI-06): primary, secondary and concatenated symbols, the mod-43 check
character verified, secondary date formats and supplemental fields.

The check characters below were computed by hand from the Code 39 value table
(0-9 = 0-9, A-Z = 10-35, ``-`` 36, ``.`` 37, space 38, ``$`` 39, ``/`` 40, ``+`` 41, ``%`` 42),
summing every character before the check, the ``+`` flag included, modulo 43.
"""

from __future__ import annotations

import datetime as dt

import pytest

from mederp.catalog.barcodes import parse_scan
from mederp.catalog.barcodes.hibc import CHARSET, check_character


def test_hand_computed_check_of_the_standard_primary_example():
    """+A123BJC5D6E71: 41+10+1+2+3+11+19+12+5+13+6+14+7+1 = 145; 145 mod 43 = 16 -> G."""
    assert check_character("+A123BJC5D6E71") == "G"


def test_hand_computed_check_of_a_secondary_symbol():
    """+$$3261231LOT1 linked by G: 41+39+39+3+2+6+1+2+3+1+21+24+29+1+16 = 228;
    228 mod 43 = 13 -> D."""
    assert check_character("+$$3261231LOT1G") == "D"


def test_hand_computed_checks_of_short_secondary_symbols():
    """+$LOT linked by G: 41+39+21+24+29+16 = 170; 170 mod 43 = 41 -> '+'.
    +$LOT-, linked by G: 170+36 = 206; 206 mod 43 = 34 -> Y.
    +$$+7SER1 linked by G: 41+39+39+41+7+28+14+27+1+16 = 253; 253 mod 43 = 38 -> space."""
    assert check_character("+$LOTG") == "+"
    assert check_character("+$LOT-G") == "Y"
    assert check_character("+$$+7SER1G") == " "
    assert CHARSET[38] == " "


def test_primary_symbol_gives_the_hibc_udi_di():
    result = parse_scan("+A123BJC5D6E71G")
    assert result.ok, result.problem_codes
    assert result.kind == "hibc"
    assert result.form == "hibc_primary"
    assert (result.hibc.lic, result.hibc.pcn, result.hibc.uom) == ("A123", "BJC5D6E7", "1")
    assert result.di == "A123BJC5D6E71"
    assert result.gtin is None


def test_primary_symbol_with_code39_start_and_stop_characters():
    result = parse_scan("*+A123BJC5D6E71G*")
    assert result.ok
    assert result.di == "A123BJC5D6E71"


def test_wrong_check_character_is_refused():
    result = parse_scan("+A123BJC5D6E71H")
    assert result.problem_codes == ["barcodes.hibc_check_character"]
    assert result.problems[0].details == {
        "raw": "+A123BJC5D6E71H",
        "found": "H",
        "expected": "G",
    }


def test_misread_data_character_is_caught_by_the_check():
    assert parse_scan("+A123BJC5D6E72G").problem_codes == ["barcodes.hibc_check_character"]


def test_secondary_symbol_with_yymmdd_expiry_and_lot():
    result = parse_scan("+$$3261231LOT1GD")
    assert result.ok
    assert result.form == "hibc_secondary"
    assert result.hibc_link == "G"
    assert (result.lot, result.expiry_date) == ("LOT1", dt.date(2026, 12, 31))


def test_secondary_symbol_whose_check_character_is_a_space_keeps_it():
    raw = "+$$+7SER1G" + check_character("+$$+7SER1G")
    assert raw.endswith(" ")
    result = parse_scan(raw)
    assert result.ok, result.problem_codes
    assert result.serial == "SER1"


def symbol(data: str) -> str:
    return data + check_character(data)


@pytest.mark.parametrize(
    ("secondary", "lot", "serial", "expiry"),
    [
        ("26035LOTA", "LOTA", None, dt.date(2026, 2, 4)),  # Julian YYJJJ + lot
        ("$LOT9", "LOT9", None, None),
        ("$+SN77", None, "SN77", None),
        ("$$1226LOTB", "LOTB", None, dt.date(2026, 12, 31)),  # MMYY: the month's last day
        ("$$0228L", "L", None, dt.date(2028, 2, 29)),
        ("$$2123126LOTC", "LOTC", None, dt.date(2026, 12, 31)),  # MMDDYY
        ("$$3261231LOTD", "LOTD", None, dt.date(2026, 12, 31)),  # YYMMDD
        ("$$426123114LOTE", "LOTE", None, dt.date(2026, 12, 31)),  # YYMMDDHH
        ("$$526365LOTF", "LOTF", None, dt.date(2026, 12, 31)),  # YYJJJ
        ("$$62636514LOTG", "LOTG", None, dt.date(2026, 12, 31)),  # YYJJJHH
        ("$$7LOTH", "LOTH", None, None),  # no date
        ("$$+3261231SN1", None, "SN1", dt.date(2026, 12, 31)),
        ("$$+7SN2", None, "SN2", None),
        ("$$8053261231LOTI", "LOTI", None, dt.date(2026, 12, 31)),  # quantity 05
        ("$$9001003261231LOTJ", "LOTJ", None, dt.date(2026, 12, 31)),  # quantity 00100
    ],
)
def test_secondary_data_formats(secondary, lot, serial, expiry):
    result = parse_scan(symbol(f"+{secondary}G"))
    assert result.ok, result.problem_codes
    assert (result.lot, result.serial, result.expiry_date) == (lot, serial, expiry)


def test_quantity_in_the_secondary_is_kept():
    assert parse_scan(symbol("+$$8053261231LOTIG")).quantity == "05"


def test_concatenated_symbol_carries_primary_and_secondary():
    result = parse_scan(symbol("+A123BJC5D6E71/$$3261231LOT1/16D20250101"))
    assert result.ok
    assert result.form == "hibc_concatenated"
    assert result.di == "A123BJC5D6E71"
    assert result.lot == "LOT1"
    assert result.expiry_date == dt.date(2026, 12, 31)
    assert result.production_date == dt.date(2025, 1, 1)


def test_supplemental_expiry_serial_and_production_date():
    result = parse_scan(symbol("+A99912345/$LOT7/14D20261130/16D20241101/SSN-3"))
    assert result.ok
    assert (result.lot, result.serial) == ("LOT7", "SN-3")
    assert result.expiry_date == dt.date(2026, 11, 30)
    assert result.production_date == dt.date(2024, 11, 1)


def test_concatenated_primary_with_only_supplemental_data():
    result = parse_scan(symbol("+A99912345/14D20261231"))
    assert result.ok
    assert result.expiry_date == dt.date(2026, 12, 31)
    assert result.lot is None


def test_secondary_symbol_with_supplemental_fields():
    result = parse_scan(symbol("+$LOT9/S123/14D20261231G"))
    assert result.ok
    assert (result.lot, result.serial, result.expiry_date) == (
        "LOT9",
        "123",
        dt.date(2026, 12, 31),
    )


@pytest.mark.parametrize(
    "data",
    [
        "+$$1326LOT",  # month 13
        "+$$2023026LOT",  # 30 February
        "+$$526366LOT",  # day 366 of a common year
        "+26000LOT",  # day 0
        "+$$3260230LOT",
        "+A99912345/$LOT/14D20260230",
        "+A99912345/$LOT/16D2025010",  # seven digits
    ],
)
def test_impossible_hibc_dates_are_refused(data):
    assert parse_scan(symbol(data + ("" if data.startswith("+A") else "G"))).problem_codes == [
        "barcodes.date_invalid"
    ]


def test_julian_day_366_of_a_leap_year_is_accepted():
    assert parse_scan(symbol("+$$528366LOTG")).expiry_date == dt.date(2028, 12, 31)


def test_expiry_before_production_is_refused():
    result = parse_scan(symbol("+A99912345/$LOT/14D20250101/16D20260101"))
    assert result.problem_codes == ["barcodes.dates_inconsistent"]


def test_two_different_expiry_dates_are_refused():
    result = parse_scan(symbol("+A99912345/$$3261231LOT/14D20270101"))
    assert result.problem_codes == ["barcodes.conflicting_values"]


@pytest.mark.parametrize(
    "data",
    [
        "+1BC12345",  # a labeler code must start with a letter (and this is no secondary)
        "+A12",  # no product number or unit of measure
        "+A123BJC5D6E7X",  # the unit of measure is a digit
        "+A123" + "P" * 19 + "1",  # product number longer than 18
        "+A99912345/XYZ",  # unknown supplemental field
        "+$$ALOTG",  # unknown date flag
        "+$" + "L" * 19 + "G",  # lot longer than 18
        "+$$8A53261231LOTG",  # quantity not a number
    ],
)
def test_malformed_hibc_is_refused(data):
    assert parse_scan(symbol(data)).problem_codes == ["barcodes.hibc_malformed"]


def test_lowercase_is_not_hibc():
    """HIBC uses upper case only; a keyboard wedge in the wrong case mangles the check."""
    assert parse_scan("+a123bjc5d6e71g").problem_codes == ["barcodes.hibc_malformed"]


def test_too_short_hibc_is_refused():
    assert parse_scan("+A").problem_codes == ["barcodes.hibc_malformed"]
