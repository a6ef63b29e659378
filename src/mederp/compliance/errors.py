"""Compliance refusals, each with a stable code and catalogued text (STYLE rule 4).

Traceability (:mod:`mederp.compliance.trace`) and recalls share the vocabulary of what a trace
starts from: a lot, a serial or a label's scan. A refusal writes nothing.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from mederp.core.errors import Conflict, NotFound, ValidationFailed

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

    def __init__(self, *, lot: str, product_codes: list[str], **details: Any) -> None:
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


# Recalls (RC-01..RC-07): opening, tracking and closing a recall.


class RecallScopeMissing(ValidationFailed):
    code = "compliance.recall_scope_missing"
    message = _("Name at least one lot or serial to recall.")


class RecallReasonMissing(ValidationFailed):
    code = "compliance.recall_reason_missing"
    message = _("Give the reason for the recall.")


class RecallClassUnknown(ValidationFailed):
    """RC-01: a recall is class I, II or III (一级、二级、三级)."""

    code = "compliance.recall_class_unknown"
    message = _("{classification} is not a recall class: choose I, II or III.")


class RecallDateInvalid(ValidationFailed):
    code = "compliance.recall_date_invalid"
    message = _("{value} cannot be later than today ({today}).")


class AlreadyRecalled(Conflict):
    """A named lot or serial is already covered by a recall that is still open."""

    code = "compliance.already_recalled"
    message = _("{item} is already recalled by open recall {recall}.")


class RecallClosed(Conflict):
    code = "compliance.recall_closed"
    message = _("Recall {recall} is closed: its list can no longer change.")


class RecallLineUnknown(NotFound):
    code = "compliance.recall_line_unknown"
    message = _("Recall {recall} has no line {line}.")


class RecallLinesMissing(ValidationFailed):
    code = "compliance.recall_lines_missing"
    message = _("Choose at least one consignee line.")


class NotificationMethodUnknown(ValidationFailed):
    code = "compliance.notification_method_unknown"
    message = _("{via} is not a way of notifying: phone, email, letter, visit or other.")


class DispositionUnknown(ValidationFailed):
    code = "compliance.disposition_unknown"
    message = _("{disposition} is not a disposition: destroyed, corrected, consumed or other.")


class RecallLineNotNotified(Conflict):
    code = "compliance.recall_line_not_notified"
    message = _("{consignee} has not been notified about {item} yet: record the notice first.")


class RecallQuantityInvalid(ValidationFailed):
    code = "compliance.recall_quantity_invalid"
    message = _("{value} is not a quantity: give zero or more, as an exact number.")


class RecallQuantityExceedsShipped(ValidationFailed):
    """RC-06: a consignee cannot send back or account for more than it received."""

    code = "compliance.recall_quantity_exceeds_shipped"
    message = _(
        "Returned and accounted for ({total}) exceed what {consignee} received of {item} "
        "({shipped})."
    )


class RecallNotNotified(Conflict):
    """RC-02, RC-06: a recall closes only once every consignee was notified."""

    code = "compliance.recall_not_notified"
    message = _("{count} consignee lines of {recall} have not been notified; notify them first.")
