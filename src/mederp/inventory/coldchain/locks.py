"""Row locks of the cold chain (STYLE rule 5), in the ledger's order (inventory/locks.py).

A location's readings and its excursion are serialised on the location: ingest and closing lock
the location (its warehouse first, as ``inventory.locks.lock_location`` does), then the
excursion. Rejecting held stock locks the stock's balances (key order) before the hold, the
ledger's order for balances and holds."""

from __future__ import annotations

from collections.abc import Iterable

from mederp.core.errors import NotFound
from mederp.inventory.locks import lock_location
from mederp.inventory.models import Excursion, Location


def lock_locations(locations: Iterable[Location]) -> None:
    """Lock several locations: by warehouse, then location primary key, so two batches that
    share locations queue in the same order and never deadlock."""
    for loc in sorted({(x.warehouse_id, x.pk) for x in locations}):
        lock_location(loc[1])


def lock_excursion(pk: int) -> Excursion:
    found = Excursion.objects.select_for_update().filter(pk=pk).first()
    if found is None:
        raise NotFound(record_type="Excursion", record_id=pk)
    return found
