"""Pure catalog rules, no database: GTIN validity (UDI-03) and registration status (CN-04)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mederp.catalog.rules import (
    EXPIRING_WITHIN_DAYS,
    GtinProblem,
    RegistrationStatus,
    certificate_status,
    days_left,
    gtin_check_digit,
    gtin_problem,
    registration_status,
)

DAY = dt.date(2026, 6, 15)


@dataclass(frozen=True)
class Cert:
    valid_until: dt.date
    valid_from: dt.date | None = None


def in_days(n: int) -> dt.date:
    return DAY + dt.timedelta(days=n)


# --- registration status -------------------------------------------------------------------


def test_no_certificate_is_missing():
    assert registration_status([], DAY) is RegistrationStatus.MISSING


def test_certificate_far_from_its_end_is_valid():
    assert registration_status([Cert(in_days(365))], DAY) is RegistrationStatus.VALID


def test_certificate_ending_within_thirty_days_is_expiring():
    assert registration_status([Cert(in_days(20))], DAY) is RegistrationStatus.EXPIRING


def test_certificate_past_its_last_day_is_expired():
    assert registration_status([Cert(in_days(-30))], DAY) is RegistrationStatus.EXPIRED


@pytest.mark.parametrize(
    ("offset", "expected"),
    [
        (EXPIRING_WITHIN_DAYS + 1, RegistrationStatus.VALID),
        (EXPIRING_WITHIN_DAYS, RegistrationStatus.EXPIRING),
        (1, RegistrationStatus.EXPIRING),
        (0, RegistrationStatus.EXPIRING),
        (-1, RegistrationStatus.EXPIRED),
    ],
)
def test_boundaries_around_the_last_valid_day(offset, expected):
    """valid_until is the last day the certificate covers; the warning starts 30 days before."""
    assert certificate_status(Cert(in_days(offset)), DAY) is expected


def test_certificate_not_yet_in_force_covers_nothing():
    cert = Cert(valid_from=in_days(1), valid_until=in_days(400))
    assert certificate_status(cert, DAY) is RegistrationStatus.MISSING


def test_certificate_is_in_force_from_its_first_day():
    cert = Cert(valid_from=DAY, valid_until=in_days(400))
    assert certificate_status(cert, DAY) is RegistrationStatus.VALID


def test_renewed_certificate_hides_the_lapsed_one():
    certs = [Cert(in_days(-10)), Cert(in_days(1000), valid_from=in_days(-9))]
    assert registration_status(certs, DAY) is RegistrationStatus.VALID


def test_expiring_certificate_beats_an_expired_one():
    assert registration_status([Cert(in_days(-1)), Cert(in_days(5))], DAY) == "expiring"


def test_expired_certificate_beats_one_not_yet_in_force():
    certs = [Cert(in_days(-1)), Cert(valid_from=in_days(3), valid_until=in_days(900))]
    assert registration_status(certs, DAY) is RegistrationStatus.EXPIRED


def test_days_left_counts_to_the_last_valid_day_and_goes_negative():
    assert days_left(Cert(in_days(20)), DAY) == 20
    assert days_left(Cert(in_days(-3)), DAY) == -3


# --- GTIN-14 (UDI-03) ------------------------------------------------------------------------


def test_valid_gtin14_has_no_problem():
    assert gtin_problem("06901234567892") is None


def test_known_gs1_example_check_digit():
    assert gtin_check_digit("0761234567890") == "0"
    assert gtin_problem("07612345678900") is None


def test_wrong_check_digit_is_rejected():
    assert gtin_problem("07612345678901") is GtinProblem.CHECK_DIGIT


@pytest.mark.parametrize(
    "value",
    [
        "",
        "0761234567890",
        "076123456789001",
        "0761234567890X",
        " 07612345678900",
        "0761 2345678900",
        "０７６１２３４５６７８９００",
        None,
        7612345678900,
    ],
)
def test_anything_but_fourteen_ascii_digits_is_malformed(value):
    assert gtin_problem(value) is GtinProblem.FORMAT


def test_all_zero_gtin_is_reserved():
    assert gtin_problem("00000000000000") is GtinProblem.RESERVED


@given(st.text(alphabet="0123456789", min_size=13, max_size=13).filter(lambda s: int(s) > 0))
def test_every_payload_with_its_check_digit_is_accepted(payload):
    assert gtin_problem(payload + gtin_check_digit(payload)) is None


@given(st.text(alphabet="0123456789", min_size=13, max_size=13), st.integers(1, 9))
def test_every_other_check_digit_is_rejected(payload, shift):
    wrong = str((int(gtin_check_digit(payload)) + shift) % 10)
    assert gtin_problem(payload + wrong) is GtinProblem.CHECK_DIGIT
