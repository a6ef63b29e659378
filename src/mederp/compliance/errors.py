"""Compliance refusals, each with a stable code and catalogued text (STYLE rule 4).

Traceability (:mod:`mederp.compliance.trace`) and recalls share the vocabulary of what a trace
starts from: a lot, a serial or a label's scan. A refusal writes nothing.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from mederp.core.errors import NotFound, ValidationFailed

# Traceability: what a forward or backward trace starts from (TR-01, RC-04).


class TraceQueryMissing(ValidationFailed):
    """Nothing to trace: the lot, serial or scan field was empty."""

    code = "compliance.trace_query_missing"
    message = _("Enter a lot number, a serial number or scan a label.")


class UnknownLot(NotFound):
    """No lot and no serial carries this number (of this product, when one was named)."""

    code = "compliance.unknown_lot"
    message = _("No lot or serial {lot} is known.")

    def __init__(self, *, lot: str, product: str = "", **details: object) -> None:
        narrowed = _("No lot or serial {lot} of product {product} is known.")
        super().__init__(narrowed if product else None, lot=lot, product=product, **details)


class AmbiguousLot(ValidationFailed):
    """The same number is a lot or serial of several products: the caller must name one."""

    code = "compliance.ambiguous_lot"
    message = _("{lot} is a lot or serial number of several products ({products}); name one.")

    def __init__(self, *, lot: str, product_codes: list[str], **details: object) -> None:
        super().__init__(
            lot=lot, product_codes=product_codes, products=", ".join(product_codes), **details
        )


class UnknownProduct(NotFound):
    """The product code given to narrow a trace names no product."""

    code = "compliance.unknown_product"
    message = _("There is no product with code {product}.")


class ScanWithoutLot(ValidationFailed):
    """A label was scanned but carries neither a lot nor a serial number to trace."""

    code = "compliance.scan_without_lot"
    message = _("The scanned label carries no lot or serial number to trace.")
