"""Production refusals, each with a stable code and catalogued text.

``details`` name what blocks (the work order, the component, the lot or serial, the BOM
version), so the API client and the shop-floor page can point at it (invariant 7). Stock that
may not be issued is refused by inventory's own gate (``inventory.stock_not_available`` naming
the lot), not by a copy here.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from mederp.core.errors import Conflict, ValidationFailed

# --- work orders ------------------------------------------------------------------------------


class NoEffectiveBom(Conflict):
    """ISO 13485 §7.5.1: a work order is made to an approved BOM version in force."""

    code = "production.no_effective_bom"
    message = _(
        "{product} has no approved BOM version in force on {on_date}: QA must approve one first."
    )


class BomNotUsable(Conflict):
    code = "production.bom_not_usable"
    message = _(
        "BOM version {revision} of {product} cannot be used on {on_date}: a work order follows "
        "an approved version in effect by then whose approval signature still covers it (it is "
        "{state}, effective from {effective_from})."
    )


class BomOfAnotherProduct(ValidationFailed):
    code = "production.bom_of_another_product"
    message = _("BOM version {revision} belongs to {bom_product}, not to {product}.")


class LocationKindWrong(ValidationFailed):
    code = "production.location_kind"
    message = _("{location} is a {kind} location; the {role} must be a {expected} location.")


class LocationInactive(ValidationFailed):
    code = "production.location_inactive"
    message = _("Location {location} is inactive.")


class PlannedEndBeforeStart(ValidationFailed):
    code = "production.planned_end_before_start"
    message = _("The planned end {planned_end} is before the planned start {planned_start}.")


class WholeUnitsRequired(ValidationFailed):
    code = "production.whole_units"
    message = _(
        "{product} is tracked by serial number: the quantity must be whole (got {quantity})."
    )


class WorkOrderNotReleased(Conflict):
    code = "production.work_order_not_released"
    message = _("Work order {work_order} is {state}: release it to the shop floor first.")


class WorkOrderClosed(Conflict):
    code = "production.work_order_closed"
    message = _("Work order {work_order} is {state}: nothing more may be recorded on it.")


class WorkOrderHasIssues(Conflict):
    code = "production.work_order_has_issues"
    message = _(
        "Work order {work_order} has material issued to it and cannot be cancelled: complete it "
        "instead."
    )


# --- material issue ---------------------------------------------------------------------------


class NotInBom(ValidationFailed):
    """21 CFR 820.184: what goes into a device is what its BOM version names."""

    code = "production.not_in_bom"
    message = _(
        "{component} is not a component of BOM version {revision} of {product} (work order "
        "{work_order})."
    )


class ComponentRequired(ValidationFailed):
    code = "production.component_required"
    message = _("Name the component, or scan its label.")


class NotEnoughStock(Conflict):
    code = "production.not_enough_stock"
    message = _(
        "Not enough {component}{item} is available to issue: {available} available, "
        "{requested} requested."
    )


class LotUnknown(ValidationFailed):
    code = "production.lot_unknown"
    message = _("{component} has no {what} {number}.")


class LotNotScanned(ValidationFailed):
    code = "production.lot_not_scanned"
    message = _("{component} is tracked by {tracking}: scan a label that carries its {tracking}.")


class ScanWithoutIdentifier(ValidationFailed):
    code = "production.scan_without_identifier"
    message = _("The scanned code carries no device identifier (GTIN or HIBC).")


class DeviceUnknown(ValidationFailed):
    code = "production.device_unknown"
    message = _("No product in the catalog has the device identifier {di}.")


class ScanMismatch(ValidationFailed):
    code = "production.scan_mismatch"
    message = _("The scan says {what} {scanned}, but {entered} was given.")


class WrongComponent(ValidationFailed):
    code = "production.wrong_component"
    message = _("{item} is of {actual}, not of {component}.")


# --- output -----------------------------------------------------------------------------------


class OutputLotRequired(ValidationFailed):
    code = "production.output_lot_required"
    message = _(
        "{product} is lot-tracked: give the output lot number (or set it on work order "
        "{work_order})."
    )


class SerialsRequired(ValidationFailed):
    code = "production.serials_required"
    message = _(
        "{product} is tracked by serial number: give one serial number per unit ({quantity} "
        "units, {count} serial numbers)."
    )


class SerialRepeated(ValidationFailed):
    code = "production.serial_repeated"
    message = _("Serial number {serial} is given twice.")


class SerialExists(Conflict):
    code = "production.serial_exists"
    message = _("{product} already has a unit with serial number {serial}.")


class OutputLotNotInQuarantine(Conflict):
    """Finished output waits for QA's lot release (ISO 13485 §8.2.6; 21 CFR 820.80(d)): it
    never joins a lot QA has already decided on."""

    code = "production.output_lot_not_in_quarantine"
    message = _(
        "Lot {lot} of {product} is {status}: new output cannot join it. Report it under a new "
        "lot number."
    )


class OutputKindUnknown(ValidationFailed):
    code = "production.output_kind"
    message = _("{kind} is not a kind of output (good, scrap or rework).")


class OutputReasonRequired(ValidationFailed):
    code = "production.reason_required"
    message = _("Give the reason for the {what}.")


class GenealogyCycle(Conflict):
    """TR-01: genealogy is a graph without cycles, or a trace would never end."""

    code = "production.genealogy_cycle"
    message = _(
        "Linking {consumed} to {produced} would make a lot or serial its own ancestor: refused."
    )


# --- scrap, operations, checks ----------------------------------------------------------------


class ScrapExceedsIssued(Conflict):
    code = "production.scrap_exceeds_issued"
    message = _(
        "Only {issued} of {component}{item} was issued to work order {work_order} and not yet "
        "scrapped; {requested} cannot be scrapped."
    )


class NoScrapLocation(Conflict):
    code = "production.no_scrap_location"
    message = _("Warehouse {warehouse} has no active scrap location.")


class EventIdRequired(ValidationFailed):
    code = "production.event_id_required"
    message = _("A record reported by the MES needs its event id.")


class SourceUnknown(ValidationFailed):
    code = "production.source_unknown"
    message = _("{source} is not a source (manual or mes).")


class OperationTimesInvalid(ValidationFailed):
    code = "production.operation_times"
    message = _("The operation ends ({completed_at}) before it starts ({started_at}).")


class FieldRequired(ValidationFailed):
    code = "production.field_required"
    message = _("{label} is required.")


class CheckResultUnknown(ValidationFailed):
    code = "production.check_result"
    message = _("{result} is not a check result (pass or fail).")
