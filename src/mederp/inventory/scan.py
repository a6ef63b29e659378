"""Reading a scanned label in a stock form's lot field (issue 4 §10: scan-friendly inputs).

A handheld scanner types the label's GS1 element string into whatever field has focus. The lot
field of the transfer form therefore accepts either the lot (or serial) number as printed, or
the whole element string — with the group separator as ASCII 29, ``<GS>``, ``{GS}``, or in the
parenthesised human-readable form — and takes the GTIN (01), lot (10) and serial (21) from it.

This only *finds* an existing lot: it never registers one, and what it reads is checked against
the database (the GTIN must be the product's, the lot must exist). Receiving, where a scan
creates records, uses catalog.barcodes' full validating parser (procurement); inventory does
not import catalog (independent layers).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

GS = "\x1d"
_FIXED = {"01": 14, "11": 6, "17": 6, "15": 6, "13": 6}
_VARIABLE = {"10", "21"}


@dataclass(frozen=True)
class ScannedItem:
    raw: str
    gtin: str | None = None
    lot: str | None = None
    serial: str | None = None


def _normalise(raw: str) -> str:
    text = raw.strip()
    for token in ("<GS>", "{GS}", "<gs>", "{gs}"):
        text = text.replace(token, GS)
    return text.removeprefix("]C1").removeprefix("]d2").removeprefix("]Q3")


def read(raw: str) -> ScannedItem:
    """The GTIN, lot and serial of a scanned element string; a plain number is the lot."""
    text = _normalise(raw)
    if text.startswith("("):
        found = dict(re.findall(r"\((\d{2})\)([^(]*)", text))
        return ScannedItem(raw, found.get("01"), found.get("10"), found.get("21"))
    if not (text.startswith("01") and len(text) >= 16 and text[2:16].isdigit()):
        return ScannedItem(raw, lot=text or None)
    values: dict[str, str] = {}
    rest = text
    while len(rest) >= 2:
        ai = rest[:2]
        if ai in _FIXED:
            size = _FIXED[ai]
            values[ai], rest = rest[2 : 2 + size], rest[2 + size :]
        elif ai in _VARIABLE:
            value, _sep, rest = rest[2:].partition(GS)
            values[ai] = value
        else:
            break  # an AI this field does not need: the rest is ignored
        rest = rest.lstrip(GS)
    return ScannedItem(raw, values.get("01"), values.get("10"), values.get("21"))
