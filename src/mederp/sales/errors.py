"""Sales refusals, each with a stable code and catalogued text.

``details`` name what blocks (the document's kind, number and last valid day, the lot, the
allocation), so the API client and the page can point at it (invariant 6).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from mederp.core.errors import Conflict, DomainError, PermissionDenied, ValidationFailed

# --- customer and product gates (invariant 6; CN-03, CN-04, CN-05) -----------------------------


class GateRefused(Conflict):
    """A master-data gate: the sale waits until the document is renewed or approved (409,
    as procurement's gates answer)."""

    code = "sales.gate_refused"


class NotACustomer(GateRefused):
    code = "sales.not_a_customer"
    message = _("{customer} is not a customer: mark it as one and have it qualified first.")


class CustomerBlocked(GateRefused):
    code = "sales.customer_blocked"
    message = _("{customer} is blocked: nothing may be sold to it.")


class CustomerNotQualified(GateRefused):
    code = "sales.customer_not_qualified"
    message = _(
        "{customer} is not a qualified customer (qualification approval: {state}); QA must "
        "approve its licences by signature first (购货者资质)."
    )


class CustomerBusinessLicenceExpired(GateRefused):
    code = "sales.customer_business_licence_expired"
    message = _("{customer}: {kind} {number} expired on {valid_until}.")


class CustomerLicenceExpired(GateRefused):
    code = "sales.customer_licence_expired"
    message = _(
        "{customer}: {kind} {number}, which covers category {category} of {product}, expired "
        "on {valid_until}."
    )


class CustomerLicenceNotYetValid(GateRefused):
    code = "sales.customer_licence_not_yet_valid"
    message = _(
        "{customer}: {kind} {number}, which covers category {category} of {product}, is valid "
        "only from {valid_from}."
    )


class CustomerScopeNotCovered(GateRefused):
    code = "sales.customer_scope_not_covered"
    message = _(
        "{customer} may not buy {product}: no licence in force covers its category {category} "
        "(licences in force: {licences})."
    )


class CustomerLicenceMissing(GateRefused):
    code = "sales.customer_licence_missing"
    message = _(
        "{customer} has no device distribution licence or filing on file covering {product} "
        "(category {category})."
    )


class ProductInactive(GateRefused):
    code = "sales.product_inactive"
    message = _("{product} is inactive and cannot be sold.")


class ProductNotApproved(GateRefused):
    code = "sales.product_not_approved"
    message = _(
        "{product} is not approved for use (首营品种: {state}); QA must approve its current "
        "master data by signature first."
    )


class RegistrationExpired(GateRefused):
    code = "sales.registration_expired"
    message = _(
        "{product}: registration certificate {number} for {market} expired on {valid_until}."
    )


class RegistrationMissing(GateRefused):
    code = "sales.registration_missing"
    message = _("{product} has no registration certificate or filing in force for {market}.")


# --- orders -----------------------------------------------------------------------------------


class OrderHasNoLines(ValidationFailed):
    code = "sales.order_has_no_lines"
    message = _("An order needs at least one line.")


class PriceInvalid(ValidationFailed):
    code = "sales.price_invalid"
    message = _(
        "The unit price must be an exact number, not negative, with at most {places} decimal "
        "places (got {value})."
    )


class ShipToRequired(ValidationFailed):
    code = "sales.ship_to_required"
    message = _("Give the delivery address: the customer has none on file.")


class OrderNotEditable(Conflict):
    code = "sales.order_not_editable"
    message = _("{order} is {status}: only draft orders can be changed.")


class ProductRepeated(ValidationFailed):
    code = "sales.product_repeated"
    message = _("{product} is on the order twice; put the whole quantity on one line.")


# --- allocation (FEFO; TR-05, TR-06, TR-07) -----------------------------------------------------


class NotEnoughStock(Conflict):
    code = "sales.not_enough_stock"
    message = _(
        "Not enough available stock of {product} for line {line}: {needed} needed, {available} "
        "available by FEFO."
    )


class ShelfLifeTooShort(Conflict):
    code = "sales.shelf_life_too_short"
    message = _(
        "Lot {lot} of {product} expires on {expiry_date}, {days_left} days from today: "
        "{customer} requires at least {required} days of remaining shelf life."
    )


# --- picking by scan (UDI-02) ---------------------------------------------------------------------


class WrongGtin(ValidationFailed):
    code = "sales.wrong_gtin"
    message = _("The scanned GTIN {scanned} is not {product} (GTIN {expected}): wrong device.")


class WrongLot(ValidationFailed):
    code = "sales.wrong_lot"
    message = _("The scanned lot {scanned} is not the allocated lot {expected} of {product}.")


class WrongSerial(ValidationFailed):
    code = "sales.wrong_serial"
    message = _(
        "The scanned serial number {scanned} is not the allocated serial {expected} of {product}."
    )


class LotNotScanned(ValidationFailed):
    code = "sales.lot_not_scanned"
    message = _(
        "The scan carries no lot number; {product} is picked by lot (allocated: {expected}). "
        "Scan the label with the lot (AI 10)."
    )


class SerialNotScanned(ValidationFailed):
    code = "sales.serial_not_scanned"
    message = _(
        "The scan carries no serial number; {product} is picked unit by unit (allocated: "
        "{expected}). Scan the label with the serial number (AI 21)."
    )


class NothingToPick(Conflict):
    code = "sales.nothing_to_pick"
    message = _("{order} has no allocation of {product} {item} still to pick.")


class PickStockBlocked(Conflict):
    """TR-04, RC-05: stock recalled, put on hold, rejected or expired after it was allocated
    is not picked; the allocation stays until someone cancels it."""

    code = "sales.stock_not_pickable"
    message = _(
        "{item} of {product} is {status} now: it may not be picked. Cancel the allocation and "
        "allocate again."
    )


class PickExceedsAllocation(Conflict):
    """Never more than allocated: what leaves must be what was reserved and reviewed."""

    code = "sales.pick_exceeds_allocation"
    message = _(
        "{quantity} is more than is still allocated to pick of {product} {item} ({remaining})."
    )


# --- outbound review (出库复核) -----------------------------------------------------------------


class ReviewerIsPicker(PermissionDenied):
    code = "sales.sod_reviewer_is_picker"
    message = _(
        "You picked goods of {order}; the outbound review must be done by a second person "
        "(segregation of duties, 出库复核)."
    )


class ReviewSignatureInvalid(Conflict):
    code = "sales.review_signature_invalid"
    message = _(
        "The outbound review signature of {order} no longer covers what is to ship; review it "
        "again."
    )


# --- shipment ---------------------------------------------------------------------------------


class NoCustomerLocation(Conflict):
    code = "sales.no_customer_location"
    message = _(
        "Warehouse {warehouse} has no active customer location to ship to; create one (kind "
        "'customer')."
    )


# --- returns (TR-08) --------------------------------------------------------------------------


class ReturnExceedsShipped(Conflict):
    code = "sales.return_exceeds_shipped"
    message = _(
        "Only {returnable} of {product} {item} shipped on {shipment} can still come back "
        "(asked: {quantity})."
    )


class ReturnNotFromCustomer(Conflict):
    code = "sales.return_not_shipped_to_customer"
    message = _("{product} {item} was not shipped to {customer} on {shipment}.")


class ReturnLocationInvalid(ValidationFailed):
    code = "sales.return_location_invalid"
    message = _("Returned goods go to a returns or quarantine location, not {location} ({kind}).")


class ReturnReasonRequired(ValidationFailed):
    code = "sales.return_reason_required"
    message = _("Say why the goods came back (complaint, wrong delivery, damage...).")


#: A scan that is not the allocated (or shipped) unit, by ``rules.ScanMismatch`` value.
SCAN_MISMATCH: dict[str, type[DomainError]] = {
    "wrong_gtin": WrongGtin,
    "wrong_lot": WrongLot,
    "wrong_serial": WrongSerial,
    "lot_not_scanned": LotNotScanned,
    "serial_not_scanned": SerialNotScanned,
}
