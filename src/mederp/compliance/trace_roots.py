"""What a trace starts from: a lot number, a serial number or a label's scan (TR-01, RC-04,
UDI-02..UDI-06).

A number is looked up as typed, among lots and serials alike; only when nothing carries it is
it read as a GS1 or HIBC label (:func:`mederp.catalog.barcodes.parse_scan`), whose device
identifier names the product and whose AI 21 (serial) or AI 10 (lot) names the unit. A number
several products share is refused as ambiguous until a product is named.
"""

from __future__ import annotations

from django.db.models import CharField, Value

from mederp.catalog.barcodes import GS, ScanResult, parse_scan
from mederp.catalog.models import Product
from mederp.compliance.errors import (
    AmbiguousLot,
    ScanWithoutLot,
    TraceQueryMissing,
    UnknownLot,
    UnknownProduct,
)
from mederp.inventory.models import Lot, Serial
from mederp.production.genealogy import Node
from mederp.production.models import LOT, SERIAL

#: How a text that can only be a label's scan begins (symbology identifier, GS1 human-readable
#: form, HIBC, GS1 Digital Link), or the group separator it carries.
_SCAN_STARTS = ("]", "(", "+", "*+", "http://", "https://")


def _unmistakably_scanned(text: str, result: ScanResult) -> bool:
    return GS in result.data or text.lower().startswith(_SCAN_STARTS)


def _product_id(product_code: str | None) -> int | None:
    code = (product_code or "").strip()
    if not code:
        return None
    found = Product.objects.filter(code=code).values_list("pk", flat=True).first()
    if found is None:
        raise UnknownProduct(product=code, field="product")
    return int(found)


def _by_number(number: str, product_id: int | None) -> list[tuple[str, int, str]]:
    """(kind, id, product code) of every lot and serial with this number, in one query."""
    lots = Lot.objects.filter(number=number).order_by()
    serials = Serial.objects.filter(serial_number=number).order_by()
    if product_id is not None:
        lots, serials = lots.filter(product_id=product_id), serials.filter(product_id=product_id)
    kind = CharField(max_length=8)
    both = (
        lots.annotate(kind=Value(LOT, output_field=kind))
        .values_list("kind", "pk", "product__code")
        .union(
            serials.annotate(kind=Value(SERIAL, output_field=kind)).values_list(
                "kind", "pk", "product__code"
            ),
            all=True,
        )
    )
    return [(str(k), int(i), str(code)) for k, i, code in both]


def _by_scan(result: ScanResult, product_id: int | None) -> list[tuple[str, int, str]]:
    """The lot or serial a well-read label names, of the product its identifier names."""
    number = result.serial or result.lot
    if not number:
        raise ScanWithoutLot(field="lot")
    products = Product.objects.all()
    if result.gtin is not None:
        products = products.filter(gtin=result.gtin)
    else:
        products = products.filter(hibc_di=result.di or "")
    if product_id is not None:
        products = products.filter(pk=product_id)
    if result.serial:
        found = Serial.objects.filter(product__in=products, serial_number=result.serial)
        return [(SERIAL, s.pk, s.product.code) for s in found.select_related("product")]
    lots = Lot.objects.filter(product__in=products, number=result.lot)
    return [(LOT, lot.pk, lot.product.code) for lot in lots.select_related("product")]


def roots_for(text: str, *, product_code: str | None = None) -> list[Node]:
    """The genealogy nodes ``text`` names: a lot number, a serial number, or a GS1/HIBC scan,
    narrowed to one product by ``product_code``.

    Refused: an empty text (``compliance.trace_query_missing``), an unknown product
    (``compliance.unknown_product``), a number nothing carries (``compliance.unknown_lot``, 404),
    one several products carry (``compliance.ambiguous_lot``, 422, listing their codes), a
    malformed scan (``barcodes.*``), a label without lot or serial
    (``compliance.scan_without_lot``)."""
    typed = (text or "").strip()
    if not typed:
        raise TraceQueryMissing(field="lot")
    product_id = _product_id(product_code)
    found = _by_number(typed, product_id)
    label = typed
    if not found:
        result = parse_scan(text)
        if result.ok and result.di is not None:
            found = _by_scan(result, product_id)
            label = result.serial or result.lot or typed
        elif result.problems and _unmistakably_scanned(typed, result):
            for problem in result.problems:
                problem.details.setdefault("field", "lot")
            result.raise_for_problems()
    if not found:
        raise UnknownLot(lot=label, product=(product_code or "").strip(), field="lot")
    codes = sorted({code for _k, _i, code in found})
    if len(codes) > 1:
        raise AmbiguousLot(lot=label, product_codes=codes, field="product")
    return sorted({(kind, node_id) for kind, node_id, _code in found})
