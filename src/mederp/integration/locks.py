"""Every lock integration takes (STYLE rule 5)."""

from __future__ import annotations

from mederp.core.locks import advisory_xact_lock


def lock_event(source: str, event_id: str) -> None:
    """Serialise deliveries of one event id until the transaction ends: a redelivery waits for
    the first delivery to commit or roll back, then finds its stored row (or handles the event
    itself), so the effect happens once (invariant 5). Taken before any row lock."""
    advisory_xact_lock(f"integration.event:{source}:{event_id}")
