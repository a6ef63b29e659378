"""Inventory refusals, each with a stable code and catalogued text."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from mederp.core.errors import Conflict, Duplicate, ValidationFailed


class WarehouseCodeTaken(Duplicate):
    code = "inventory.warehouse_code_taken"
    message = _("A warehouse with code {value} already exists.")


class LocationCodeTaken(Duplicate):
    code = "inventory.location_code_taken"
    message = _("Warehouse {warehouse} already has a location with code {value}.")


class WarehouseInactive(Conflict):
    code = "inventory.warehouse_inactive"
    message = _("Warehouse {warehouse} is inactive; reactivate it before adding locations.")


class TemperatureRangeInvalid(ValidationFailed):
    """DI-09: a range check on temperatures."""

    code = "inventory.temperature_range_invalid"
    message = _("The lowest storage temperature ({low} °C) is above the highest ({high} °C).")


class ColdLocationNeedsRange(ValidationFailed):
    """CN-14, TR-09: a cold room without its range cannot be monitored or checked at putaway."""

    code = "inventory.cold_location_needs_range"
    message = _("A cold location needs both its lowest and highest storage temperature.")


# --- the ledger (docs/ledger.md) ---------------------------------------------------------------


class QuantityNotPositive(ValidationFailed):
    code = "inventory.quantity_not_positive"
    message = _("The quantity must be greater than zero (got {quantity}).")


class QuantityPrecision(ValidationFailed):
    code = "inventory.quantity_precision"
    message = _("The quantity {quantity} has more than {places} decimal places.")


class QuantityInvalid(ValidationFailed):
    code = "inventory.quantity_invalid"
    message = _("The quantity must be a decimal number.")


class TrackingMismatch(ValidationFailed):
    """The product's tracking decides what a move names: a lot, a serial, or neither."""

    code = "inventory.tracking_mismatch"
    message = _("{product} is tracked by {tracking}: {problem}")


class SerialQuantity(ValidationFailed):
    code = "inventory.serial_quantity"
    message = _("A serial number is one unit: the quantity must be 1 (got {quantity}).")


class SerialInStock(Conflict):
    code = "inventory.serial_in_stock"
    message = _("Serial {serial} of {product} is already in stock at {location}.")


class SerialNotHere(Conflict):
    code = "inventory.serial_not_here"
    message = _("Serial {serial} of {product} is not at {location}.")


class SameLocation(ValidationFailed):
    code = "inventory.same_location"
    message = _("A move needs two different locations ({location} twice).")


class LocationInactive(Conflict):
    code = "inventory.location_inactive"
    message = _("Location {location} is inactive: nothing may be moved into it.")


class InsufficientStock(Conflict):
    """Invariant 4: a balance never goes negative."""

    code = "inventory.insufficient_stock"
    message = _(
        "Not enough {product} (lot {lot}) at {location}: {available} available, {requested} "
        "requested."
    )


class LotExpired(ValidationFailed):
    code = "inventory.lot_expired"
    message = _("Lot {lot} of {product} expired on {expiry_date}.")


class LotDatesConflict(Conflict):
    code = "inventory.lot_dates_conflict"
    message = _(
        "Lot {lot} of {product} is already registered with manufacture date {stored_manufacture}"
        " and expiry {stored_expiry}; this says {manufacture_date} and {expiry_date}."
    )


class LotDatesInvalid(ValidationFailed):
    code = "inventory.lot_dates_invalid"
    message = _("The manufacture date {manufacture_date} is after the expiry date {expiry_date}.")


class ExpiryRequired(ValidationFailed):
    code = "inventory.expiry_required"
    message = _("{product} has a shelf life: give the expiry date or the manufacture date.")


class LotNumberRequired(ValidationFailed):
    code = "inventory.lot_number_required"
    message = _("Enter the lot or serial number.")


class WrongProduct(ValidationFailed):
    code = "inventory.wrong_product"
    message = _("{item} belongs to {actual}, not to {product}.")


class StockNotReleased(Conflict):
    """TR-04: only released stock sits in released storage or leaves for a customer."""

    code = "inventory.stock_not_released"
    message = _("{item} of {product} is {status}: only released stock may go to {location}.")


class StockNotAvailable(Conflict):
    code = "inventory.stock_not_available"
    message = _("{item} of {product} at {location} is not available: {why}.")


class LocationUnsuitable(Conflict):
    """TR-09: putaway to a location that cannot keep the product's storage range is blocked."""

    code = "inventory.location_unsuitable"
    message = _("{location} ({location_range}) cannot keep {product}, which needs {product_range}.")


class AlreadyReversed(Conflict):
    code = "inventory.already_reversed"
    message = _("Move {move} was already reversed by move {reversal}.")


class ReversalNotReversible(Conflict):
    code = "inventory.reversal_not_reversible"
    message = _("Move {move} is itself a reversal; post a new move instead.")


class ReservationExceeded(Conflict):
    code = "inventory.reservation_exceeded"
    message = _("Reservation {reservation} has {remaining} left; {requested} requested.")


class HoldNotActive(Conflict):
    code = "inventory.hold_not_active"
    message = _("Hold {hold} was already released.")


class CountWrongState(Conflict):
    code = "inventory.count_wrong_state"
    message = _("Cycle count {count} is {status}; this needs it {needed}.")


class CountIncomplete(ValidationFailed):
    code = "inventory.count_incomplete"
    message = _("Cycle count {count} has {missing} line(s) without a counted quantity.")


class NoAdjustmentLocation(Conflict):
    code = "inventory.no_adjustment_location"
    message = _("Warehouse {warehouse} has no active count-adjustment location.")


class QuarantineRequired(ValidationFailed):
    code = "inventory.quarantine_required"
    message = _(
        "Received goods go to a quarantine or returns location, not to {location} ({kind})."
    )


class ExternalSourceRequired(ValidationFailed):
    code = "inventory.external_source_required"
    message = _(
        "Goods are received from a supplier, customer or production location, not {location}."
    )


class TransferExternal(ValidationFailed):
    code = "inventory.transfer_external"
    message = _(
        "A transfer moves stock between the warehouse's own locations; {location} ({kind}) is "
        "outside: receive or ship instead."
    )
