"""Procurement refusals, each with a stable code and catalogued text.

Gate refusals (invariant 6; CN-01, CN-02, CN-04, CN-05) name the document or product that
blocks: its number, kind and last valid day. ``details["field"]`` names the input a refusal is
about, so the UI shows it next to that field.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from mederp.core.errors import Conflict, PermissionDenied, ValidationFailed

# --- the order ----------------------------------------------------------------------------------


class OrderNotEditable(Conflict):
    code = "procurement.order_not_editable"
    message = _("Purchase order {order} is {state}: only a draft can be changed.")


class OrderEmpty(ValidationFailed):
    code = "procurement.order_empty"
    message = _("Purchase order {order} has no lines.")


class UnitPriceInvalid(ValidationFailed):
    code = "procurement.unit_price_invalid"
    message = _("The unit price must be a number of at least 0 with at most 4 decimals.")


class CurrencyInvalid(ValidationFailed):
    code = "procurement.currency_invalid"
    message = _("{value} is not a three-letter currency code.")


class QuantityNotWhole(ValidationFailed):
    code = "procurement.quantity_not_whole"
    message = _("{product} is tracked by serial number: order and receive whole units.")


class LineNotOnOrder(ValidationFailed):
    code = "procurement.line_not_on_order"
    message = _("Line {line} is not a line of purchase order {order}.")


# --- gates: the supplier ----------------------------------------------------------------------


class GateRefused(Conflict):
    """A master-data gate blocks the purchase (invariant 6)."""

    code = "procurement.gate_refused"


class NotASupplier(GateRefused):
    code = "procurement.not_a_supplier"
    message = _("{supplier} is not registered as a supplier.")


class SupplierBlocked(GateRefused):
    code = "procurement.supplier_blocked"
    message = _("Supplier {supplier} is disqualified.")


class SupplierDisqualified(SupplierBlocked):
    """ISO 13485 §7.4.1; CN-21: disqualified by a signed supplier evaluation, named here."""

    message = _("Supplier {supplier} was disqualified by supplier evaluation {evaluation}.")


class SupplierConditional(Conflict):
    """Not a refusal: a conditionally approved supplier may be ordered from, and the order page
    and API say so (``gates.supplier_warnings``)."""

    code = "procurement.supplier_conditional"
    message = _(
        "Supplier {supplier} is approved only conditionally ({evaluation}): watch its "
        "deliveries closely."
    )


class SupplierNotQualified(GateRefused):
    """CN-01: 首营企业 approval by QA signature on the supplier's current data."""

    code = "procurement.supplier_not_qualified"
    message = _(
        "Supplier {supplier} is not qualified (首营企业 approval: {state}); QA must approve its "
        "current data and documents first."
    )


class SupplierLicenceMissing(GateRefused):
    code = "procurement.supplier_licence_missing"
    message = _(
        "Supplier {supplier} has no medical-device licence or filing on file, so it cannot "
        "supply {product} (category {category})."
    )


class SupplierScopeNotCovered(GateRefused):
    code = "procurement.supplier_scope"
    message = _(
        "No licence of supplier {supplier} in force covers category {category} of {product} "
        "(licences in force: {licences})."
    )


class SupplierLicenceExpired(GateRefused):
    code = "procurement.supplier_licence_expired"
    message = _(
        "{kind} {number} of supplier {supplier}, which covers category {category} of "
        "{product}, expired on {valid_until}."
    )


class SupplierLicenceNotYetValid(GateRefused):
    code = "procurement.supplier_licence_not_yet_valid"
    message = _(
        "{kind} {number} of supplier {supplier}, which covers category {category} of "
        "{product}, is valid only from {valid_from}."
    )


class SupplierBusinessLicenceExpired(GateRefused):
    code = "procurement.supplier_business_licence_expired"
    message = _("{kind} {number} of supplier {supplier} expired on {valid_until}.")


# --- gates: the product -----------------------------------------------------------------------


class ProductNotApproved(GateRefused):
    """CN-02: 首营品种 approval by QA signature on the product's current content."""

    code = "procurement.product_not_approved"
    message = _(
        "Product {product} is not approved for purchase (首营品种 approval: {state}); QA must "
        "approve its current data first."
    )


class ProductInactive(GateRefused):
    code = "procurement.product_inactive"
    message = _("Product {product} is inactive.")


class RegistrationMissing(GateRefused):
    """CN-05: no dealing in unregistered devices."""

    code = "procurement.registration_missing"
    message = _("Product {product} has no registration certificate or filing for {market}.")


class RegistrationExpired(GateRefused):
    code = "procurement.registration_expired"
    message = _(
        "Registration certificate {number} of product {product} for {market} expired on "
        "{valid_until}."
    )


# --- receiving --------------------------------------------------------------------------------


class OrderNotReceivable(Conflict):
    code = "procurement.order_not_receivable"
    message = _(
        "Purchase order {order} is {state}: goods can be received only once it is approved."
    )


class ReceiptEmpty(ValidationFailed):
    code = "procurement.receipt_empty"
    message = _("A receipt needs at least one line.")


class OverReceipt(Conflict):
    code = "procurement.over_receipt"
    message = _(
        "Line {line} of {order} ({product}) is open for {open}; {quantity} cannot be received."
    )


class AcceptedExceedsReceived(ValidationFailed):
    code = "procurement.accepted_exceeds_received"
    message = _("The accepted quantity {accepted} is more than the {received} received.")


class RejectionReasonRequired(ValidationFailed):
    code = "procurement.rejection_reason_required"
    message = _("Give the reason for rejecting {rejected} of {product}.")


class LotExpiredAtReceipt(ValidationFailed):
    code = "procurement.lot_expired"
    message = _("{item} of {product} expired on {expiry_date}: expired goods cannot be received.")


class ManufactureDateInFuture(ValidationFailed):
    code = "procurement.manufacture_date_in_future"
    message = _("The manufacture date {manufacture_date} is after today ({today}).")


class InspectorRequired(PermissionDenied):
    """The 验收 record names a person (CN-08): an API client or the system cannot inspect."""

    code = "procurement.inspector_required"
    message = _("Receiving inspection must be recorded by a person, not by {actor}.")


class NoSupplierLocation(Conflict):
    code = "procurement.no_supplier_location"
    message = _(
        "Warehouse {warehouse} has no active supplier location to receive goods from; "
        "create one (kind: supplier) first."
    )


# --- scanning (UDI-07) ------------------------------------------------------------------------


class ScanWithoutIdentifier(ValidationFailed):
    code = "procurement.scan_without_di"
    message = _("The scanned code carries no device identifier (GTIN or HIBC product data).")


class GtinUnknown(ValidationFailed):
    code = "procurement.gtin_unknown"
    message = _("No product in the catalog has GTIN {gtin}.")


class DeviceIdentifierUnknown(ValidationFailed):
    code = "procurement.di_unknown"
    message = _(
        "No product in the catalog carries the HIBC identifier {di}. Record it on the "
        "product, or enter the lot and dates by hand."
    )


class GtinOfAnotherProduct(ValidationFailed):
    code = "procurement.gtin_other_product"
    message = _("The scanned GTIN {gtin} is product {scanned}, but line {line} orders {product}.")


class ScanMismatch(ValidationFailed):
    code = "procurement.scan_mismatch"
    message = _("The scan says {what} {scanned}, but {entered} was entered.")
