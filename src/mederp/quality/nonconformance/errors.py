"""Nonconformance refusals, each with a stable code and catalogued text (STYLE rule 4).
A refusal writes nothing."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from mederp.core.errors import Conflict, ValidationFailed


class UnknownSource(ValidationFailed):
    code = "nonconformance.unknown_source"
    message = _("{source} is not a source of nonconformance; use one of {allowed}.")


class UnknownSeverity(ValidationFailed):
    code = "nonconformance.unknown_severity"
    message = _("{severity} is not a severity; use one of {allowed}.")


class ProductRequired(ValidationFailed):
    code = "nonconformance.product_required"
    message = _("Name the product the nonconformance concerns.")


class DescriptionRequired(ValidationFailed):
    code = "nonconformance.description_required"
    message = _("Describe the nonconformance.")


class ItemUnidentified(ValidationFailed):
    code = "nonconformance.item_unidentified"
    message = _("Each affected item names a lot or a serial number.")


class ItemNotFound(ValidationFailed):
    code = "nonconformance.item_not_found"
    message = _("{kind} {item_id} does not exist.")


class ItemWrongProduct(ValidationFailed):
    code = "nonconformance.item_wrong_product"
    message = _("{item} is not of product {product}.")


class ItemQuantityInvalid(ValidationFailed):
    code = "nonconformance.item_quantity_invalid"
    message = _("The quantity of {item} must be a positive number (given: {quantity}).")


class ItemDuplicate(ValidationFailed):
    code = "nonconformance.item_duplicate"
    message = _("{item} is named twice; name each lot or serial once.")


class ItemNotOnHand(ValidationFailed):
    code = "nonconformance.item_not_on_hand"
    message = _("Only {on_hand} of {item} is on hand; the NCR names {quantity}.")


class InvestigationRequired(ValidationFailed):
    code = "nonconformance.investigation_required"
    message = _("Record what the investigation found.")


class UnknownDisposition(ValidationFailed):
    code = "nonconformance.unknown_disposition"
    message = _("{disposition} is not a disposition; use one of {allowed}.")


class DispositionReasonRequired(ValidationFailed):
    code = "nonconformance.disposition_reason_required"
    message = _("Give the justification of the disposition.")


class SupplierRequired(ValidationFailed):
    code = "nonconformance.supplier_required"
    message = _("{number} names no supplier: it cannot be returned to a supplier.")


class NothingToMove(ValidationFailed):
    code = "nonconformance.nothing_to_move"
    message = _("{number} names no stock on hand: {disposition} has nothing to move.")


class NoDispositionLocation(Conflict):
    code = "nonconformance.no_disposition_location"
    message = _("Warehouse {warehouse} has no active location of kind {kind} for {disposition}.")


class StockMovedOn(Conflict):
    code = "nonconformance.stock_moved_on"
    message = _(
        "Only {on_hand} of {item} is left at {location}; the NCR names {quantity}. "
        "Bring the stock back or correct the NCR."
    )


class CapaNotFound(ValidationFailed):
    code = "nonconformance.capa_invalid"
    message = _("CAPA id {capa_id} is not a valid id.")
