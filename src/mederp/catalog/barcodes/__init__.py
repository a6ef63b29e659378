"""Reading UDI barcodes: GS1 element strings, GS1 Digital Link URIs and HIBC (UDI-02..UDI-06).

:func:`parse_scan` takes what a scanner (or a person) typed and returns a :class:`ScanResult`:
the device identifier (GTIN-14, or HIBC labeler code + product number + unit of measure), lot,
serial, production and expiry dates, the raw string exactly as received (DI-02), and every
problem found. Problems are :class:`ScanRefused` instances (coded domain errors, collected, not
raised), so a caller can show them all or raise the first with
:meth:`ScanResult.raise_for_problems`. No database, no clock: pure functions with fast tests.

GS1 is read by ``biip`` with its traps closed (:mod:`.gs1`); HIBC, which biip lacks, by our
own small parser with the mod-43 check (:mod:`.hibc`).

Browsers cannot type ASCII 29, so the group separator is also accepted spelled ``<GS>``,
``{GS}``, ``\\x1d``, ``^]`` or as the control picture ``␝``; the parenthesised human-readable
form ``(01)...(10)...`` needs no separator at all.
"""

from __future__ import annotations

from dataclasses import replace

from mederp.catalog.barcodes import gs1, hibc
from mederp.catalog.barcodes.result import (
    GtinCheckDigitWrong,
    HibcCheckCharacterWrong,
    HibcIdentifier,
    HibcMalformed,
    ScanConflict,
    ScanDateInvalid,
    ScanDatesInconsistent,
    ScanEmpty,
    ScanMalformed,
    ScanRefused,
    ScanResult,
    ScanUnrecognised,
    SeparatorMissing,
)

__all__ = [
    "GS",
    "GtinCheckDigitWrong",
    "HibcCheckCharacterWrong",
    "HibcIdentifier",
    "HibcMalformed",
    "ScanConflict",
    "ScanDateInvalid",
    "ScanDatesInconsistent",
    "ScanEmpty",
    "ScanMalformed",
    "ScanRefused",
    "ScanResult",
    "ScanUnrecognised",
    "SeparatorMissing",
    "normalize",
    "parse_scan",
]

GS = gs1.GS
#: How separators arrive when a person, a browser or a keyboard-wedge scanner sends them.
SEPARATOR_SPELLINGS = ("<GS>", "<gs>", "{GS}", "{gs}", "\\x1d", "\\x1D", "^]", "\u241d")


def normalize(raw: str) -> str:
    """``raw`` with every accepted spelling of the group separator turned into ASCII 29, the
    line end a scanner sends and leading blanks removed. Trailing spaces stay: in HIBC a space
    is a check character like any other."""
    data = raw
    for spelling in SEPARATOR_SPELLINGS:
        data = data.replace(spelling, GS)
    return data.strip("\t\r\n").lstrip(" ")


def parse_scan(raw: str) -> ScanResult:
    """Read one scan. Never raises for bad content: problems are listed in the result."""
    raw = raw if isinstance(raw, str) else ""
    data = normalize(raw)
    base = ScanResult(raw=raw, data=data)
    symbology = ""
    if data.startswith("]") and len(data) >= 3:
        symbology, data = data[:3], data[3:]
    body = data.strip(GS)  # a leading FNC1 is how GS1 symbols begin
    if not body.startswith(("+", "*+")):
        body = body.rstrip(" ").strip(GS)
    if not body:
        return replace(base, symbology=symbology, problems=(ScanEmpty(raw=raw),))
    if body.startswith("+") or (body.startswith("*+") and body.endswith("*")):
        # Code 39 start/stop characters, when a scanner passes them on.
        result = hibc.parse(body.strip("*"), base)
    elif body.lower().startswith(("http://", "https://")):
        result = gs1.parse_digital_link(body, base)
    elif body.startswith("("):
        result = gs1.parse_hri(body, base)
    elif body.isdigit() and len(body) in (8, 12, 13, 14) and not gs1.is_gs1_symbology(symbology):
        result = gs1.parse_bare_gtin(body, base)
    elif body[:2].isdigit():
        result = gs1.parse_element_string(body, base)
    else:
        result = replace(base, problems=(ScanUnrecognised(raw=raw),))
    return replace(result, symbology=symbology)
