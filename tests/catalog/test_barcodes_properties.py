"""Round trips and invariants of the scan parser, by hypothesis (UDI-02..UDI-06, DI-02)."""

from __future__ import annotations

import datetime as dt
import string

from hypothesis import assume, given
from hypothesis import strategies as st

from mederp.catalog.barcodes import GS, SEPARATOR_SPELLINGS, parse_scan
from mederp.catalog.barcodes.hibc import CHARSET, check_character
from mederp.catalog.rules import gtin_check_digit

# GS1 "CSET 82", the characters a lot or serial may hold.
CSET82 = "!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz"
ALNUM = string.ascii_uppercase + string.digits


@st.composite
def gtins(draw: st.DrawFn) -> str:
    body = draw(st.text("0123456789", min_size=13, max_size=13))
    assume(int(body) != 0)
    return body + gtin_check_digit(body)


def identifiers(alphabet: str = CSET82, max_size: int = 20) -> st.SearchStrategy[str]:
    # A lot holding a spelling of the separator ("<GS>") cannot be scanned unambiguously.
    return st.text(alphabet, min_size=1, max_size=max_size).filter(
        lambda s: not any(sp in s for sp in SEPARATOR_SPELLINGS)
    )


dates = st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2049, 12, 31))


def yymmdd(day: dt.date) -> str:
    return day.strftime("%y%m%d")


@given(gtin=gtins(), lot=identifiers(), serial=identifiers(), made=dates, expires=dates)
def test_element_string_round_trip(gtin, lot, serial, made, expires):
    assume(made <= expires)
    raw = f"]d201{gtin}10{lot}{GS}21{serial}{GS}11{yymmdd(made)}17{yymmdd(expires)}"
    result = parse_scan(raw)
    assert result.ok, result.problem_codes
    assert (result.gtin, result.lot, result.serial) == (gtin, lot, serial)
    assert (result.production_date, result.expiry_date) == (made, expires)
    assert result.raw == raw


@given(
    gtin=gtins(),
    lot=identifiers(CSET82.replace("(", "")),
    serial=identifiers(CSET82.replace("(", "")),
    expires=dates,
)
def test_parenthesised_form_round_trip(gtin, lot, serial, expires):
    result = parse_scan(f"(01){gtin}(17){yymmdd(expires)}(10){lot}(21){serial}")
    assert result.ok, result.problem_codes
    assert (result.gtin, result.lot, result.serial, result.expiry_date) == (
        gtin,
        lot,
        serial,
        expires,
    )


@given(gtin=gtins(), wrong=st.integers(1, 9))
def test_every_wrong_gtin_check_digit_is_refused(gtin, wrong):
    bad = gtin[:-1] + str((int(gtin[-1]) + wrong) % 10)
    assert parse_scan(f"01{bad}10LOT").problem_codes == ["barcodes.gtin_check_digit"]


@given(gtin=gtins(), lot=identifiers(max_size=10), serial=identifiers(max_size=8))
def test_serial_swallowed_by_the_lot_is_always_refused(gtin, lot, serial):
    """UDI-05: without any separator, lot + (21) serial of 3 or more characters is refused."""
    assume(len(serial) >= 3)
    result = parse_scan(f"01{gtin}10{lot}21{serial}")
    assert "barcodes.missing_separator" in result.problem_codes


@st.composite
def hibc_primaries(draw: st.DrawFn) -> tuple[str, str, str]:
    lic = draw(st.sampled_from(string.ascii_uppercase)) + draw(
        st.text(ALNUM, min_size=3, max_size=3)
    )
    pcn = draw(st.text(ALNUM, min_size=1, max_size=18))
    uom = draw(st.sampled_from(string.digits))
    return lic, pcn, uom


@given(primary=hibc_primaries(), lot=st.text(ALNUM, min_size=1, max_size=18), expires=dates)
def test_hibc_concatenated_round_trip(primary, lot, expires):
    lic, pcn, uom = primary
    data = f"+{lic}{pcn}{uom}/$$3{yymmdd(expires)}{lot}"
    result = parse_scan(data + check_character(data))
    assert result.ok, result.problem_codes
    assert result.di == f"{lic}{pcn}{uom}"
    assert (result.lot, result.expiry_date) == (lot, expires)


@given(primary=hibc_primaries(), data=st.data())
def test_any_single_misread_character_in_hibc_is_caught(primary, data):
    """Mod 43 changes with every single substitution: a misread never passes as another code."""
    lic, pcn, uom = primary
    body = f"+{lic}{pcn}{uom}"
    symbol = body + check_character(body)
    position = data.draw(st.integers(1, len(symbol) - 1))
    replacement = data.draw(st.sampled_from(CHARSET).filter(lambda c: c != symbol[position]))
    misread = symbol[:position] + replacement + symbol[position + 1 :]
    assert not parse_scan(misread).ok


@given(st.text())
def test_any_text_is_answered_not_raised_and_kept_raw(text):
    result = parse_scan(text)
    assert result.raw == text
