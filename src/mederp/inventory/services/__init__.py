"""Inventory use cases and ledger primitives: the only code that writes inventory tables
(invariant 1). docs/ledger.md is the contract; import from here."""

from mederp.inventory.services import expiry
from mederp.inventory.services.counts import (
    approve_count,
    decide_count,
    open_count,
    record_counts,
    reject_count,
)
from mederp.inventory.services.holds import place_hold, release_hold
from mederp.inventory.services.locations import (
    change_location,
    change_warehouse,
    create_location,
    create_warehouse,
)
from mederp.inventory.services.lots import (
    change_status,
    hold_lot,
    hold_serial,
    recall_lot,
    recall_serial,
    receive_into_quarantine,
    register_lot,
    register_serial,
    reject_lot,
    reject_serial,
    release_lot,
    release_serial,
)
from mederp.inventory.services.moves import post_move, reverse_move, transfer
from mederp.inventory.services.reservations import release_reservation, reserve

__all__ = [
    "approve_count",
    "change_location",
    "change_status",
    "change_warehouse",
    "create_location",
    "create_warehouse",
    "decide_count",
    "expiry",
    "hold_lot",
    "hold_serial",
    "open_count",
    "place_hold",
    "post_move",
    "recall_lot",
    "recall_serial",
    "receive_into_quarantine",
    "record_counts",
    "register_lot",
    "register_serial",
    "reject_count",
    "reject_lot",
    "reject_serial",
    "release_hold",
    "release_lot",
    "release_reservation",
    "release_serial",
    "reserve",
    "reverse_move",
    "transfer",
]
