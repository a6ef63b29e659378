"""Catalog refusals, each with a stable code and catalogued text.

``details["field"]`` names the input the refusal is about, so the UI shows it next to that field
(``core.formerrors.apply_domain_error``) and API clients can point at it too.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from mederp.core.errors import Conflict, DomainError, Duplicate, NotFound, ValidationFailed


class UomCodeTaken(Duplicate):
    code = "catalog.uom_code_taken"
    message = _("A unit of measure with code {value} already exists.")


class UomUnknown(DomainError):
    code = "catalog.uom_unknown"
    message = _("There is no unit of measure {value}.")
    http_status = 422


class UomInactive(DomainError):
    code = "catalog.uom_inactive"
    message = _("Unit of measure {value} is inactive and cannot be used for products.")
    http_status = 422


class ProductCodeTaken(Duplicate):
    code = "catalog.product_code_taken"
    message = _("A product with code {value} already exists.")


class GtinInvalid(DomainError):
    """UDI-03: a GTIN whose GS1 check digit does not match is rejected, never stored."""

    code = "catalog.gtin_invalid"
    message = _("GTIN {value} is not valid: its GS1 check digit does not match.")
    http_status = 422


class GtinMalformed(GtinInvalid):
    message = _("A GTIN (UDI-DI) must be exactly 14 digits; {value} is not.")


class GtinReserved(GtinInvalid):
    message = _("GTIN {value} is not an issued GS1 number.")


class GtinTaken(Duplicate):
    code = "catalog.gtin_taken"
    message = _("GTIN {value} already identifies product {other}.")


class ShelfLifeNegative(DomainError):
    code = "catalog.shelf_life_negative"
    message = _("Shelf life must be a whole number of days of at least 1; {value} is not.")
    http_status = 422


class TemperatureRangeInvalid(DomainError):
    code = "catalog.temperature_range_invalid"
    message = _(
        "The storage minimum ({min} °C) must not be higher than the storage maximum ({max} °C)."
    )
    http_status = 422


class RegistrationNumberTaken(Duplicate):
    code = "catalog.registration_number_taken"
    message = _("Certificate {value} is already recorded for {jurisdiction}.")


class RegistrationDatesInvalid(DomainError):
    code = "catalog.registration_dates_invalid"
    message = _("The certificate cannot end ({valid_until}) before it starts ({valid_from}).")
    http_status = 422


# --- bills of materials (ISO 13485 §7.5.1, §4.2.4; CM-01) --------------------------------------


class BomNotDraft(Conflict):
    """CM-01: an approved version's history is immutable; a change is a new version."""

    code = "catalog.bom_not_draft"
    message = _(
        "{bom} is {state}: only a draft version can be changed. Make a new version (copy "
        "this one) to change an approved bill of materials."
    )


class BomEmpty(ValidationFailed):
    code = "catalog.bom_empty"
    message = _("{bom} has no components: add at least one before it is approved.")


class BomEffectiveInPast(ValidationFailed):
    code = "catalog.bom_effective_in_past"
    message = _(
        "A version cannot take effect in the past: {effective_from} is before today "
        "({today}). Choose today or a later day."
    )


class BomEffectiveDateTaken(Conflict):
    code = "catalog.bom_effective_date_taken"
    message = _(
        "Version {other} of {product} is already approved effective from {effective_from}; "
        "two versions cannot take effect on the same day. Choose another date."
    )


class BomProductUnknown(ValidationFailed):
    code = "catalog.bom_product_unknown"
    message = _("There is no product {value}.")


class BomCopySourceInvalid(ValidationFailed):
    code = "catalog.bom_copy_source_invalid"
    message = _(
        "A new version of {product} copies an earlier version of {product}; {source} is not one."
    )


class BomProductNotADevice(ValidationFailed):
    code = "catalog.bom_product_not_a_device"
    message = _(
        "{product} is not a device (it is a component or material): only a finished device "
        "has a bill of materials."
    )


class BomProductUntracked(ValidationFailed):
    code = "catalog.bom_product_untracked"
    message = _(
        "{product} is not tracked by lot or serial number: a manufactured device needs one for "
        "its device history record and traceability. Change its tracking first."
    )


class BomProductNotApproved(Conflict):
    code = "catalog.bom_product_not_approved"
    message = _(
        "{product} is not approved for use (首营品种: {state}); QA must approve the device "
        "itself before its bill of materials."
    )


class BomSelfComponent(ValidationFailed):
    code = "catalog.bom_self_component"
    message = _("{product} cannot be a component of itself.")


class BomCycle(ValidationFailed):
    code = "catalog.bom_cycle"
    message = _(
        "{component} cannot be a component of {product}: the approved bills of materials "
        "already put {product} inside {component} ({path})."
    )


class BomComponentDuplicate(Duplicate):
    code = "catalog.bom_component_duplicate"
    message = _("{component} is already line {line} of {bom}: change that line instead.")


class BomUomMismatch(ValidationFailed):
    code = "catalog.bom_uom_mismatch"
    message = _(
        "{component} is counted in {expected}, so its quantity per unit must be in {expected} "
        "too, not {uom}: there are no unit conversions yet."
    )


class BomQuantityInvalid(ValidationFailed):
    code = "catalog.bom_quantity_invalid"
    message = _(
        "The quantity per unit must be an exact number (text or an integer, never a float) "
        "with at most 6 decimals; {value} is not."
    )


class BomQuantityNotPositive(ValidationFailed):
    code = "catalog.bom_quantity_not_positive"
    message = _("The quantity per unit must be greater than 0; {value} is not.")


class BomQuantityNotWhole(ValidationFailed):
    code = "catalog.bom_quantity_not_whole"
    message = _(
        "{component} is tracked by serial number: its quantity per unit must be a whole "
        "number, not {value}."
    )


class BomNotInEffect(NotFound):
    code = "catalog.bom_not_in_effect"
    message = _("No approved bill of materials of {product} is in effect on {on_date}.")
