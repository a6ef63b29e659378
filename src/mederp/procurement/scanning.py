"""A label's scan at receiving (UDI-02..UDI-07): parsed by :mod:`mederp.catalog.barcodes`, its
device identifier must be the order line's product, and what it says fills the lot, serial and
dates or must agree with what was typed. Reads only; the receipt stores the raw string."""

from __future__ import annotations

from typing import Any

from mederp.catalog import barcodes
from mederp.catalog.models import Product
from mederp.procurement.errors import (
    DeviceIdentifierUnknown,
    GtinOfAnotherProduct,
    GtinUnknown,
    ScanMismatch,
    ScanWithoutIdentifier,
)


def identify(raw: str, product: Product, line_no: int) -> barcodes.ScanResult:
    """The scan of ``product``'s label on order line ``line_no``, or the coded refusal:
    a malformed or doubtful code (``barcodes.*``), no device identifier, an HIBC identifier
    the catalog does not hold, an unknown GTIN, or another product's GTIN."""
    result = barcodes.parse_scan(raw)
    for problem in result.problems:
        problem.details.setdefault("field", "scan")
    result.raise_for_problems()
    if result.di is None:
        raise ScanWithoutIdentifier(field="scan")
    if result.gtin is None:
        # An HIBC label: matched on the product's HIBC identifier (UDI-06).
        if product.hibc_di and result.di == product.hibc_di:
            return result
        other = Product.objects.filter(hibc_di=result.di).values_list("code", flat=True).first()
        if other is None:
            raise DeviceIdentifierUnknown(di=result.di, field="scan")
        raise GtinOfAnotherProduct(
            gtin=result.di, scanned=other, line=line_no, product=product.code, field="scan"
        )
    if result.gtin != product.gtin:
        other = Product.objects.filter(gtin=result.gtin).values_list("code", flat=True).first()
        if other is None:
            raise GtinUnknown(gtin=result.gtin, field="scan")
        raise GtinOfAnotherProduct(
            gtin=result.gtin, scanned=other, line=line_no, product=product.code, field="scan"
        )
    return result


def merged(entered: Any, scanned: Any, name: str, label: str) -> Any:
    """What the scan says, unless something else was typed: then both must agree."""
    if scanned is None or scanned == "":
        return entered
    if entered not in (None, "") and entered != scanned:
        raise ScanMismatch(field=name, scanned=str(scanned), entered=str(entered), what=label)
    return scanned
