"""What a scan says (:class:`ScanResult`) and why a scan is refused (:class:`ScanRefused`).

Problems are coded domain errors that the parsers collect instead of raising, so a caller can
show every problem of one scan, or raise the first (:meth:`ScanResult.raise_for_problems`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext_lazy as _

from mederp.core.errors import DomainError

# --- refusals ---------------------------------------------------------------------------------


class ScanRefused(DomainError):
    """A scan that cannot be trusted; ``details["raw"]`` holds what was scanned."""

    code = "barcodes.refused"
    message = _("The scanned code cannot be used.")
    http_status = 422


class ScanEmpty(ScanRefused):
    code = "barcodes.empty"
    message = _("Nothing was scanned.")


class ScanMalformed(ScanRefused):
    code = "barcodes.malformed"
    message = _("The scanned code is not a valid GS1 or HIBC barcode: {reason}")


class ScanUnrecognised(ScanRefused):
    code = "barcodes.unrecognised"
    message = _(
        "The scanned code is neither a GS1 element string, a GS1 Digital Link nor an HIBC code."
    )


class GtinCheckDigitWrong(ScanRefused):
    """UDI-03: biip reports a bad check digit in ``gtin_error`` instead of raising."""

    code = "barcodes.gtin_check_digit"
    message = _("GTIN {value} in the scan is not valid: its GS1 check digit does not match.")


class SeparatorMissing(ScanRefused):
    """UDI-05: a variable-length element not terminated by FNC1/<GS> swallows the next one."""

    code = "barcodes.missing_separator"
    message = _(
        "The scan seems to lack a group separator after ({ai}) {value}: it contains what looks "
        "like another element, {embedded}. Scan again with a scanner that sends the separator, "
        "type the parenthesised form, or enter the fields by hand."
    )


class ScanDateInvalid(ScanRefused):
    """UDI-04: day 00 is the last day of the month; anything else impossible is refused."""

    code = "barcodes.date_invalid"
    message = _("The date in ({ai}) {value} is not a valid date.")


class ScanDatesInconsistent(ScanRefused):
    code = "barcodes.dates_inconsistent"
    message = _("The scan says the device expires ({expiry}) before it was made ({production}).")


class ScanConflict(ScanRefused):
    code = "barcodes.conflicting_values"
    message = _("The scan gives two different values for {element}: {first} and {second}.")


class HibcCheckCharacterWrong(ScanRefused):
    """UDI-06: the HIBC mod-43 check character does not match the data."""

    code = "barcodes.hibc_check_character"
    message = _(
        "The HIBC code's check character is {found}, but its data computes to {expected}: "
        "the code was misread or is damaged."
    )


class HibcMalformed(ScanRefused):
    code = "barcodes.hibc_malformed"
    message = _("The HIBC code is not valid: {reason}")


# --- result -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class HibcIdentifier:
    """HIBC primary data: labeler identification code, product/catalogue number, unit of
    measure (the HIBC UDI-DI)."""

    lic: str
    pcn: str
    uom: str

    @property
    def di(self) -> str:
        return f"{self.lic}{self.pcn}{self.uom}"


@dataclass(frozen=True)
class ScanResult:
    """What one scan says, with everything wrong with it.

    ``raw`` is the input exactly as received (DI-02: stored beside the parsed values);
    ``data`` is the same after separator spellings were turned into ASCII 29. ``kind`` is
    ``"gs1"``, ``"hibc"`` or ``""`` (not recognised); ``form`` says which syntax was read.
    """

    raw: str
    data: str = ""
    kind: str = ""
    form: str = ""
    symbology: str = ""
    gtin: str | None = None
    hibc: HibcIdentifier | None = None
    hibc_link: str | None = None
    lot: str | None = None
    serial: str | None = None
    production_date: dt.date | None = None
    expiry_date: dt.date | None = None
    quantity: str | None = None
    elements: tuple[tuple[str, str], ...] = ()
    problems: tuple[ScanRefused, ...] = field(default=())

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def di(self) -> str | None:
        """The device identifier: the GTIN-14, or the HIBC primary data."""
        if self.gtin is not None:
            return self.gtin
        return self.hibc.di if self.hibc is not None else None

    @property
    def problem_codes(self) -> list[str]:
        return [p.code for p in self.problems]

    def raise_for_problems(self) -> None:
        """Raise the first problem; the others travel in its ``details["problems"]``."""
        if not self.problems:
            return
        first = self.problems[0]
        if len(self.problems) > 1:
            first.details["problems"] = [
                {"code": p.code, "message": p.render_message()} for p in self.problems
            ]
        raise first

    def as_dict(self) -> dict[str, Any]:
        """The parsed values for an API answer or a receipt's record."""
        return {
            "raw": self.raw,
            "kind": self.kind,
            "form": self.form,
            "symbology": self.symbology,
            "di": self.di,
            "gtin": self.gtin,
            "hibc": None
            if self.hibc is None
            else {"lic": self.hibc.lic, "pcn": self.hibc.pcn, "uom": self.hibc.uom},
            "lot": self.lot,
            "serial": self.serial,
            "production_date": self.production_date,
            "expiry_date": self.expiry_date,
            "elements": [list(e) for e in self.elements],
            "problems": [{"code": p.code, "message": p.render_message()} for p in self.problems],
        }
