"""HIBC (Health Industry Bar Code, ANSI/HIBC 2.6 supplier labeling), which biip does not read
(UDI-06; shared/REGULATORY.md, biip caveat 3).

Three shapes, each starting with the ``+`` flag and ending with a mod-43 check character
computed over every character before it, the ``+`` included (:func:`check_character`):

- **primary** ``+ LIC PCN U C``: labeler code (4, the first a letter), product or catalogue
  number (1-18 alphanumerics), unit-of-measure digit, check. LIC + PCN + U is the UDI-DI.
- **secondary**, a separate symbol ``+ data L C``: ``L`` is the link character, the primary
  symbol's check character; the data is one of
  ``YYJJJ`` + lot (Julian expiry), ``$`` + lot, ``$+`` + serial, ``$$`` + flag + date + lot,
  ``$$+`` + flag + date + serial. The flag says the date's shape: 0/1 MMYY (the flag is the
  month's first digit), 2 MMDDYY, 3 YYMMDD, 4 YYMMDDHH, 5 YYJJJ, 6 YYJJJHH, 7 no date; a flag
  of 8 or 9 first carries a 2- or 5-digit quantity, then the date flag.
- **concatenated** ``+ LIC PCN U / data C``: primary and secondary in one symbol, no link.

Either may be followed by supplemental fields, each after a ``/``: ``14D`` + YYYYMMDD expiry,
``16D`` + YYYYMMDD production date, ``S`` + serial, ``Q`` + quantity.

Month-only expiry dates (MMYY) mean the last day of that month, as GS1's day ``00`` does.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import replace
from typing import Any

from django.utils.translation import gettext_lazy as _

from mederp.catalog.barcodes.result import (
    HibcCheckCharacterWrong,
    HibcIdentifier,
    HibcMalformed,
    ScanConflict,
    ScanDateInvalid,
    ScanDatesInconsistent,
    ScanRefused,
    ScanResult,
)

#: The 43 characters of Code 39 in their mod-43 order: the value of a character is its index.
CHARSET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ-. $/+%"
_PRIMARY = re.compile(r"([A-Z][A-Z0-9]{3})([A-Z0-9]{1,18})([0-9])")
_JULIAN_SECONDARY = re.compile(r"[0-9]{5}")
_MAX_LOT = 18


def check_character(data: str) -> str:
    """The mod-43 check character of ``data`` (everything before the check, ``+`` included).

    >>> check_character("+A123BJC5D6E71")
    'G'
    """
    return CHARSET[sum(CHARSET.index(c) for c in data) % 43]


class _Refusal(Exception):
    def __init__(self, problem: ScanRefused) -> None:
        super().__init__(problem.code)
        self.problem = problem


def parse(body: str, base: ScanResult) -> ScanResult:
    """Read an HIBC symbol (``body`` starts with ``+``)."""
    result = replace(base, kind="hibc")
    bad = sorted({c for c in body if c not in CHARSET})
    if bad:
        reason = _("it contains characters HIBC does not use: {chars}").format(
            chars=" ".join(repr(c) for c in bad)
        )
        return replace(result, problems=(HibcMalformed(raw=base.raw, reason=reason),))
    if len(body) < 3:
        return replace(
            result, problems=(HibcMalformed(raw=base.raw, reason=_("it is too short.")),)
        )
    data, found = body[:-1], body[-1]
    expected = check_character(data)
    if found != expected:
        return replace(
            result,
            problems=(HibcCheckCharacterWrong(raw=base.raw, found=found, expected=expected),),
        )
    content = data[1:]
    try:
        if content[0].isalpha():
            return _primary(content, result)
        return _secondary_symbol(content, result)
    except _Refusal as refusal:
        return replace(result, problems=(refusal.problem,))


def _primary(content: str, result: ScanResult) -> ScanResult:
    primary, *rest = content.split("/")
    match = _PRIMARY.fullmatch(primary)
    if match is None:
        raise _Refusal(
            HibcMalformed(
                raw=result.raw,
                reason=_(
                    "its primary data {data} is not a labeler code (a letter and three "
                    "letters or digits), a product number (1-18) and a unit-of-measure digit."
                ).format(data=primary),
            )
        )
    identifier = HibcIdentifier(lic=match.group(1), pcn=match.group(2), uom=match.group(3))
    result = replace(result, form="hibc_primary", hibc=identifier)
    if not rest:
        return _finished(result)
    secondary, supplemental = rest[0], rest[1:]
    if secondary.startswith("$") or _JULIAN_SECONDARY.match(secondary):
        result = _secondary_data(secondary, result)
    else:
        supplemental = rest
    result = replace(result, form="hibc_concatenated")
    return _finished(_supplemental(supplemental, result))


def _secondary_symbol(content: str, result: ScanResult) -> ScanResult:
    """A secondary symbol on its own: its last character links it to the primary symbol."""
    if len(content) < 2:
        raise _Refusal(HibcMalformed(raw=result.raw, reason=_("it carries no secondary data.")))
    link, data = content[-1], content[:-1]
    secondary, *supplemental = data.split("/")
    result = replace(result, form="hibc_secondary", hibc_link=link)
    result = _secondary_data(secondary, result)
    return _finished(_supplemental(supplemental, result))


def _secondary_data(data: str, result: ScanResult) -> ScanResult:
    if data.startswith("$$+"):
        quantity, expiry, rest = _flagged(data[3:], result)
        return replace(result, quantity=quantity, expiry_date=expiry, serial=_id(rest, result))
    if data.startswith("$$"):
        quantity, expiry, rest = _flagged(data[2:], result)
        return replace(result, quantity=quantity, expiry_date=expiry, lot=_id(rest, result))
    if data.startswith("$+"):
        return replace(result, serial=_id(data[2:], result))
    if data.startswith("$"):
        return replace(result, lot=_id(data[1:], result))
    if _JULIAN_SECONDARY.match(data):
        return replace(result, expiry_date=_julian(data[:5], result), lot=_id(data[5:], result))
    raise _Refusal(
        HibcMalformed(
            raw=result.raw,
            reason=_("its secondary data {data} starts neither with a date nor with $.").format(
                data=data
            ),
        )
    )


def _flagged(data: str, result: ScanResult) -> tuple[str | None, dt.date | None, str]:
    """After ``$$`` or ``$$+``: optional quantity, the date in the shape its flag names, and
    what follows (the lot or serial)."""
    quantity = None
    if data[:1] == "8":
        quantity, data = data[1:3], data[3:]
    elif data[:1] == "9":
        quantity, data = data[1:6], data[6:]
    if quantity is not None and not quantity.isdigit():
        raise _Refusal(
            HibcMalformed(
                raw=result.raw,
                reason=_("its quantity {value} is not a number.").format(value=quantity),
            )
        )
    flag = data[:1]
    if flag in ("0", "1"):
        return quantity, _month_end(data[:4], result), data[4:]
    shapes = {"2": 6, "3": 6, "4": 8, "5": 5, "6": 7}
    if flag in shapes:
        text = data[1 : 1 + shapes[flag]]
        return quantity, _dated(flag, text, result), data[1 + shapes[flag] :]
    if flag == "7":
        return quantity, None, data[1:]
    raise _Refusal(
        HibcMalformed(
            raw=result.raw,
            reason=_("{flag} is not an HIBC date format flag.").format(flag=flag or "''"),
        )
    )


def _dated(flag: str, text: str, result: ScanResult) -> dt.date:
    if flag in ("5", "6"):
        return _julian(text[:5], result)
    if not text.isdigit():
        raise _Refusal(ScanDateInvalid(raw=result.raw, ai="HIBC", value=text))
    if flag == "2":
        month, day, year = text[0:2], text[2:4], text[4:6]
    else:  # 3 and 4: YYMMDD[HH]
        year, month, day = text[0:2], text[2:4], text[4:6]
    return _date(2000 + int(year), int(month), int(day), text, result)


def _month_end(text: str, result: ScanResult) -> dt.date:
    if len(text) != 4 or not text.isdigit():
        raise _Refusal(ScanDateInvalid(raw=result.raw, ai="HIBC", value=text))
    year, month = 2000 + int(text[2:4]), int(text[0:2])
    if not 1 <= month <= 12:
        raise _Refusal(ScanDateInvalid(raw=result.raw, ai="HIBC", value=text))
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def _julian(text: str, result: ScanResult) -> dt.date:
    if len(text) != 5 or not text.isdigit():
        raise _Refusal(ScanDateInvalid(raw=result.raw, ai="HIBC", value=text))
    year, day = 2000 + int(text[:2]), int(text[2:])
    if not 1 <= day <= (366 if calendar.isleap(year) else 365):
        raise _Refusal(ScanDateInvalid(raw=result.raw, ai="HIBC", value=text))
    return dt.date(year, 1, 1) + dt.timedelta(days=day - 1)


def _date(year: int, month: int, day: int, text: str, result: ScanResult) -> dt.date:
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise _Refusal(ScanDateInvalid(raw=result.raw, ai="HIBC", value=text)) from None


def _iso_date(text: str, result: ScanResult) -> dt.date:
    if len(text) != 8 or not text.isdigit():
        raise _Refusal(ScanDateInvalid(raw=result.raw, ai="HIBC", value=text))
    return _date(int(text[:4]), int(text[4:6]), int(text[6:8]), text, result)


def _id(text: str, result: ScanResult) -> str | None:
    """A lot or serial number: up to 18 characters, none of them a field delimiter."""
    if len(text) > _MAX_LOT:
        raise _Refusal(
            HibcMalformed(
                raw=result.raw,
                reason=_("lot or serial {value} is longer than 18 characters.").format(value=text),
            )
        )
    return text or None


def _supplemental(fields: list[str], result: ScanResult) -> ScanResult:
    for text in fields:
        if text.startswith("14D"):
            result = _set(result, "expiry_date", _iso_date(text[3:], result), "/14D")
        elif text.startswith("16D"):
            result = _set(result, "production_date", _iso_date(text[3:], result), "/16D")
        elif text.startswith("S"):
            result = _set(result, "serial", _id(text[1:], result), "/S")
        elif text.startswith("Q") and text[1:].isdigit():
            result = _set(result, "quantity", text[1:], "/Q")
        else:
            raise _Refusal(
                HibcMalformed(
                    raw=result.raw,
                    reason=_("/{field} is not an HIBC supplemental field.").format(field=text),
                )
            )
    return result


def _set(result: ScanResult, name: str, value: Any, label: str) -> ScanResult:
    earlier = getattr(result, name)
    if earlier is not None and earlier != value:
        raise _Refusal(ScanConflict(raw=result.raw, element=label, first=earlier, second=value))
    return replace(result, **{name: value})


def _finished(result: ScanResult) -> ScanResult:
    production, expiry = result.production_date, result.expiry_date
    if production is not None and expiry is not None and expiry < production:
        return replace(
            result,
            problems=(ScanDatesInconsistent(raw=result.raw, production=production, expiry=expiry),),
        )
    return result
