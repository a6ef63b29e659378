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
