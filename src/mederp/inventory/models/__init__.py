"""Inventory models, one module per part of the domain; import them from here."""

from mederp.inventory.models.coldchain import Excursion, ExcursionStatus, TemperatureReading
from mederp.inventory.models.counts import CycleCount, CycleCountLine, CycleCountStatus
from mederp.inventory.models.locations import (
    EXTERNAL_KINDS,
    KIND_NAMES_ZH,
    RANGE_REQUIRED_KINDS,
    SALEABLE_KINDS,
    VIRTUAL_KINDS,
    Location,
    LocationKind,
    Warehouse,
    code_validator,
    kind_names,
)
from mederp.inventory.models.stock import (
    DEFAULT_NEAR_EXPIRY_DAYS,
    QUANTITY_PLACES,
    Balance,
    ExpiryNotice,
    ExpiryPolicy,
    Lot,
    Move,
    Reservation,
    Serial,
    StockHold,
    StockStatus,
)

__all__ = [
    "DEFAULT_NEAR_EXPIRY_DAYS",
    "EXTERNAL_KINDS",
    "KIND_NAMES_ZH",
    "QUANTITY_PLACES",
    "RANGE_REQUIRED_KINDS",
    "SALEABLE_KINDS",
    "VIRTUAL_KINDS",
    "Balance",
    "CycleCount",
    "CycleCountLine",
    "CycleCountStatus",
    "Excursion",
    "ExcursionStatus",
    "ExpiryNotice",
    "ExpiryPolicy",
    "Location",
    "LocationKind",
    "Lot",
    "Move",
    "Reservation",
    "Serial",
    "StockHold",
    "StockStatus",
    "TemperatureReading",
    "Warehouse",
    "code_validator",
    "kind_names",
]
