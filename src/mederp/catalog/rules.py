"""Catalog decisions that need no database: GTIN validity and registration status.

Pure functions with their own fast tests (STYLE rule 1).
"""

from __future__ import annotations

import datetime as dt
import enum
import re
from collections.abc import Iterable
from typing import Protocol

from biip.gtin import Gtin

#: A certificate within this many days of its last valid day is "expiring" (CN-04 warning).
EXPIRING_WITHIN_DAYS = 30

#: The home market: every device sold by the plant needs a CN 注册证 or 备案凭证, so a device
#: without one shows "missing" there even before any certificate was entered.
HOME_JURISDICTION = "CN"

_FOURTEEN_DIGITS = re.compile(r"[0-9]{14}")


class GtinProblem(enum.StrEnum):
    FORMAT = "format"
    CHECK_DIGIT = "check_digit"
    RESERVED = "reserved"


def gtin_problem(value: str) -> GtinProblem | None:
    """Why ``value`` cannot be a product's UDI-DI, or ``None`` when it can (UDI-03).

    A UDI-DI is stored as exactly 14 ASCII digits (GTIN-8/12/13 padded with leading zeros by
    whoever enters it). The GS1 mod-10 check digit is verified by ``biip``; any error ``biip``
    raises counts as a rejection. An all-zero number passes mod-10 but is never issued by GS1.
    """
    if not isinstance(value, str) or not _FOURTEEN_DIGITS.fullmatch(value):
        return GtinProblem.FORMAT
    try:
        Gtin.parse(value)
    except Exception:  # UDI-03: whatever biip refuses is refused, not only ParseError
        return GtinProblem.CHECK_DIGIT
    if int(value[:-1]) == 0:
        return GtinProblem.RESERVED
    return None


def gtin_check_digit(first_thirteen: str) -> str:
    """The GS1 mod-10 check digit for 13 digits (weights 3,1,3,... from the right)."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(first_thirteen)))
    return str((10 - total % 10) % 10)


class RegistrationStatus(enum.StrEnum):
    """How well a product is covered in one market on one day (invariant 6, CN-04)."""

    VALID = "valid"
    EXPIRING = "expiring"
    EXPIRED = "expired"
    MISSING = "missing"


class Certificate(Protocol):
    """Anything with a validity period: a Registration row or a test double."""

    @property
    def valid_from(self) -> dt.date | None: ...

    @property
    def valid_until(self) -> dt.date: ...


def certificate_status(cert: Certificate, on_date: dt.date) -> RegistrationStatus:
    """One certificate's status on ``on_date``; its last valid day is ``valid_until``.

    A certificate that is not yet in force covers nothing, so it counts as missing.
    """
    if cert.valid_from is not None and on_date < cert.valid_from:
        return RegistrationStatus.MISSING
    if on_date > cert.valid_until:
        return RegistrationStatus.EXPIRED
    if (cert.valid_until - on_date).days <= EXPIRING_WITHIN_DAYS:
        return RegistrationStatus.EXPIRING
    return RegistrationStatus.VALID


_RANK = {
    RegistrationStatus.VALID: 3,
    RegistrationStatus.EXPIRING: 2,
    RegistrationStatus.EXPIRED: 1,
    RegistrationStatus.MISSING: 0,
}


def registration_status(certs: Iterable[Certificate], on_date: dt.date) -> RegistrationStatus:
    """The product's status in one jurisdiction: the best of its certificates there.

    ``valid`` beats ``expiring`` beats ``expired``; no certificate at all, or only ones not yet
    in force, is ``missing``. A renewed certificate therefore hides its lapsed predecessor.
    """
    best = RegistrationStatus.MISSING
    for cert in certs:
        status = certificate_status(cert, on_date)
        if _RANK[status] > _RANK[best]:
            best = status
    return best


def days_left(cert: Certificate, on_date: dt.date) -> int:
    """Days from ``on_date`` to the last valid day (negative once expired)."""
    return (cert.valid_until - on_date).days
