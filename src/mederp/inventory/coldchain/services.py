"""The cold chain's use cases, in one import (invariant 1: API, UI and CLI call these)."""

from mederp.inventory.coldchain.excursions import close_excursion
from mederp.inventory.coldchain.holds import reject_held_stock
from mederp.inventory.coldchain.ingest import (
    MAX_BATCH,
    ReadingData,
    Recorded,
    record_reading,
    record_readings,
)
from mederp.inventory.services import release_hold

__all__ = [
    "MAX_BATCH",
    "ReadingData",
    "Recorded",
    "close_excursion",
    "record_reading",
    "record_readings",
    "reject_held_stock",
    "release_hold",
]
