"""GS1 element strings, human-readable (parenthesised) form and Digital Link URIs, read with
``biip`` and its traps closed (UDI-02..UDI-05; shared/REGULATORY.md, the biip findings):

- a wrong GTIN check digit is *reported* in ``gtin_error``, not raised: any ``*_error`` is a
  refusal here (UDI-03);
- a missing FNC1/<GS> after a variable-length AI (10, 21, ...) silently merges the next
  element into the lot or serial (``LOT123`` + ``21SN0001`` -> lot ``LOT12321SN0001``). GS1
  requires the separator unless the element is last, so an element cut at its maximum length
  and followed by more data is refused, and the trailing variable-length element is searched
  for an embedded element (UDI-05, :func:`_embedded_element`);
- day ``00`` in a date AI means the last day of the month (biip does that on input);
  impossible dates (2026-02-30, month 13) are refused (UDI-04).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, replace

from biip import ParseConfig, ParseError
from biip.gs1_digital_link_uris import GS1DigitalLinkURI
from biip.gs1_element_strings import GS1ElementString
from biip.gs1_messages import GS1Message
from biip.gtin import Gtin
from biip.symbology import SymbologyIdentifier
from django.utils.translation import gettext_lazy as _

from mederp.catalog.barcodes.result import (
    GtinCheckDigitWrong,
    ScanConflict,
    ScanDateInvalid,
    ScanDatesInconsistent,
    ScanMalformed,
    ScanRefused,
    ScanResult,
    SeparatorMissing,
)

GS = "\x1d"
#: Dates in these AIs are YYMMDD (11 production, 17 expiry, and their relatives).
DATE_AIS = frozenset({"11", "12", "13", "15", "16", "17"})
LOT_AI, SERIAL_AI, PRODUCTION_AI, EXPIRY_AI, GTIN_AI = "10", "21", "11", "17", "01"
#: A merged element must carry at least this many characters to count as one (UDI-05).
EMBEDDED_MIN_LENGTH = 3

# biip checks dates itself (verify_date=True) by raising a ParseError without a usable code;
# with that off, each date AI is judged here, so the refusal names the element.
_CONFIG = ParseConfig(gs1_element_strings_verify_date=False, separator_chars=(GS,))
_DATE_PATTERN_FAILURE = re.compile(r"GS1 AI \((1[1-7])\)")


def is_gs1_symbology(symbology: str) -> bool:
    if not symbology:
        return False
    try:
        identifier = SymbologyIdentifier.extract(symbology)
    except ParseError:
        return False
    return identifier.gs1_symbology is not None


@dataclass(frozen=True)
class _Element:
    ai: str
    value: str
    variable: bool
    # How the element ended in a raw element string: "separator", "end" or "length" (cut at
    # its maximum length with more data after it); "" for forms that delimit every value.
    ended_by: str
    parsed: GS1ElementString


def parse_element_string(body: str, base: ScanResult) -> ScanResult:
    elements: list[_Element] = []
    rest = body
    try:
        while rest:
            es = GS1ElementString.extract(rest, config=_CONFIG)
            rest = rest[len(es) :]
            if rest.startswith(GS):
                ended_by = "separator"
                rest = rest.lstrip(GS)
            else:
                ended_by = "length" if rest else "end"
            elements.append(_Element(es.ai.ai, es.value, es.ai.separator_required, ended_by, es))
    except ParseError as exc:
        return replace(
            base, kind="gs1", form="element_string", problems=(_parse_failure(exc, base),)
        )
    problems: list[ScanRefused] = []
    no_separator_anywhere = GS not in body
    for index, element in enumerate(elements):
        if not element.variable:
            continue
        if element.ended_by == "length":
            following = elements[index + 1] if index + 1 < len(elements) else None
            problems.append(
                SeparatorMissing(
                    raw=base.raw,
                    ai=element.ai,
                    value=element.value,
                    embedded=f"({following.ai}){following.value}" if following else "",
                )
            )
        elif element.ended_by == "end":
            embedded = _embedded_element(element.ai, element.value, loose=no_separator_anywhere)
            if embedded is not None:
                problems.append(
                    SeparatorMissing(
                        raw=base.raw, ai=element.ai, value=element.value, embedded=embedded
                    )
                )
    return _gs1_result(base, "element_string", elements, problems)


def parse_hri(body: str, base: ScanResult) -> ScanResult:
    text = "".join(body.split())
    try:
        message = GS1Message.parse_hri(text, config=_CONFIG)
    except ParseError as exc:
        return replace(base, kind="gs1", form="hri", problems=(_parse_failure(exc, base),))
    rebuilt = "".join(f"({es.ai.ai}){es.value}" for es in message.element_strings)
    if rebuilt != text:
        # biip's HRI reader skips what its pattern does not match ("(10)" with no value, text
        # between elements): what it skipped would be silently lost, so refuse.
        reason = _("parts of it are not (AI)value pairs.")
        return replace(
            base, kind="gs1", form="hri", problems=(ScanMalformed(raw=base.raw, reason=reason),)
        )
    elements = [
        _Element(es.ai.ai, es.value, es.ai.separator_required, "", es)
        for es in message.element_strings
    ]
    return _gs1_result(base, "hri", elements, [])


def parse_digital_link(body: str, base: ScanResult) -> ScanResult:
    try:
        uri = GS1DigitalLinkURI.parse(body, config=_CONFIG)
    except ParseError as exc:
        return replace(base, kind="gs1", form="digital_link", problems=(_parse_failure(exc, base),))
    elements = [
        _Element(es.ai.ai, es.value, es.ai.separator_required, "", es) for es in uri.element_strings
    ]
    return _gs1_result(base, "digital_link", elements, [])


def parse_bare_gtin(body: str, base: ScanResult) -> ScanResult:
    """A linear barcode carrying only the GTIN (EAN-13, UPC-A, ITF-14): no lot, no dates."""
    try:
        gtin = Gtin.parse(body)
    except ParseError:
        return replace(
            base,
            kind="gs1",
            form="gtin",
            problems=(GtinCheckDigitWrong(raw=base.raw, value=body),),
        )
    value = gtin.as_gtin_14()
    return replace(base, kind="gs1", form="gtin", gtin=value, elements=((GTIN_AI, value),))


def _parse_failure(exc: ParseError, base: ScanResult) -> ScanRefused:
    text = str(exc)
    date_ai = _DATE_PATTERN_FAILURE.search(text)
    if date_ai is not None:
        value = re.search(r"Failed to match '\d\d(\d*)", text)
        return ScanDateInvalid(
            raw=base.raw, ai=date_ai.group(1), value=value.group(1)[:6] if value else ""
        )
    return ScanMalformed(raw=base.raw, reason=text)


def _gs1_result(
    base: ScanResult, form: str, elements: list[_Element], problems: list[ScanRefused]
) -> ScanResult:
    values: dict[str, str] = {}
    dates: dict[str, dt.date] = {}
    for element in elements:
        es = element.parsed
        for attr in ("gtin_error", "gln_error", "sscc_error"):
            error = getattr(es, attr, None)
            if not error:
                continue
            if attr == "gtin_error":
                problems.append(GtinCheckDigitWrong(raw=base.raw, value=element.value))
            else:
                problems.append(ScanMalformed(raw=base.raw, reason=error))
        if element.ai in DATE_AIS:
            if es.date is None:
                problems.append(ScanDateInvalid(raw=base.raw, ai=element.ai, value=element.value))
            else:
                dates[element.ai] = es.date
        earlier = values.get(element.ai)
        if earlier is not None and earlier != element.value:
            problems.append(
                ScanConflict(
                    raw=base.raw,
                    element=f"({element.ai})",
                    first=earlier,
                    second=element.value,
                )
            )
        values.setdefault(element.ai, element.value)
    production, expiry = dates.get(PRODUCTION_AI), dates.get(EXPIRY_AI)
    if production is not None and expiry is not None and expiry < production:
        problems.append(ScanDatesInconsistent(raw=base.raw, production=production, expiry=expiry))
    gtin = values.get(GTIN_AI)
    return replace(
        base,
        kind="gs1",
        form=form,
        gtin=gtin if gtin is not None and not _has_gtin_error(elements) else None,
        lot=values.get(LOT_AI) or None,
        serial=values.get(SERIAL_AI) or None,
        production_date=production,
        expiry_date=expiry,
        quantity=values.get("30"),
        elements=tuple((e.ai, e.value) for e in elements),
        problems=tuple(problems),
    )


def _has_gtin_error(elements: list[_Element]) -> bool:
    return any(e.parsed.gtin_error for e in elements if e.ai == GTIN_AI)


# --- UDI-05: a separator that never came ------------------------------------------------------


def _embedded_element(ai: str, value: str, *, loose: bool) -> str | None:
    """The element that seems to hide inside the variable-length ``value`` of ``ai``, in
    parenthesised form, or ``None``.

    Always counted: an expiry or production date (17, 11) that is a real date, or a GTIN (01)
    with a valid check digit, reaching the end of the value or followed by further such
    elements. A lot that merely contains "21" is common (20210315), so an embedded serial (21)
    or lot (10) of at least :data:`EMBEDDED_MIN_LENGTH` characters counts only when the scan
    carried no separator anywhere (``loose``): such a scanner drops every FNC1, so a label with
    a lot *and* a serial cannot have reached us intact. A false alarm costs a typed entry; a
    missed one records a wrong lot, so the rule leans towards refusing.
    """
    for start in range(1, len(value) - 1):
        found = _elements_at(value[start:], loose=loose, outer=ai)
        if found:
            return found
    return None


def _elements_at(text: str, *, loose: bool, outer: str) -> str | None:
    """``text`` read as one or more merged elements, as "(ai)value..." or ``None``."""
    ai = text[:2]
    if ai in (EXPIRY_AI, PRODUCTION_AI):
        date_text = text[2:8]
        if len(date_text) == 6 and date_text.isdigit() and _gs1_date(date_text) is not None:
            tail = text[8:]
            if not tail:
                return f"({ai}){date_text}"
            more = _elements_at(tail, loose=loose, outer=outer)
            return f"({ai}){date_text}{more}" if more else None
        return None
    if ai == GTIN_AI:
        digits = text[2:16]
        if len(digits) == 14 and digits.isdigit() and _gtin_valid(digits):
            tail = text[16:]
            if not tail:
                return f"({ai}){digits}"
            more = _elements_at(tail, loose=loose, outer=outer)
            return f"({ai}){digits}{more}" if more else None
        return None
    if loose and ai in (LOT_AI, SERIAL_AI) and ai != outer:
        rest = text[2:]
        if len(rest) >= EMBEDDED_MIN_LENGTH:
            return f"({ai}){rest}"
    return None


def _gs1_date(yymmdd: str) -> dt.date | None:
    try:
        es = GS1ElementString.parse(f"17{yymmdd}", config=_CONFIG)
    except ParseError:
        return None
    return es.date


def _gtin_valid(digits: str) -> bool:
    try:
        Gtin.parse(digits)
    except ParseError:
        return False
    return True
